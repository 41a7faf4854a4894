// Training loop: mini-batch gradient descent over fresh random permutations, evaluation each epoch,
// optional augmentation, learning-rate schedule, early stopping with the best epoch kept.
#pragma once
#include <cstdint>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "scrawl/data/dataset.h"
#include "scrawl/nn/model.h"
#include "scrawl/nn/optim.h"
#include "scrawl/train/ranks.h"

namespace scrawl {

struct TrainConfig {
  int epochs = 100;
  int batch = 32;
  float lr = 0.01f;
  std::string optimizer = "momentum";
  float weight_decay = 0.f;
  uint64_t seed = 1;
  std::string init = "auto";
  std::string schedule = "constant";  // constant | cosine | step (x0.1 at 50% and 75% of epochs)
  int patience = 0;                   // stop after this many epochs without a better valid loss; 0 = never
  bool keep_best = false;             // restore the parameters of the best valid epoch at the end
  bool balanced = false;              // draw batches class-balanced (each class equally often)
  bool progress = true;               // progress bar on stderr (only when it is a terminal)
  int epoch_size = 0;                 // samples drawn per epoch (0: the training set size); shorter epochs
                                      // give finer checkpoints and schedules on big sets
  std::string checkpoint;             // folder: full training state saved after every epoch (see checkpoint.h)
  // Data-parallel training: each rank takes its share of every batch (the global batch stays `batch`), gradients
  // are summed over ranks before the optimizer step, and only rank 0 writes checkpoints and draws progress.
  Ranks ranks;
};

struct EpochStats {
  int epoch = 0;  // 1-based
  double train_loss = 0, train_acc = 0, valid_loss = 0, valid_acc = 0, seconds = 0, lr = 0;
};

// Where a run stands between epochs: what a checkpoint must hold besides the model and optimizer state.
struct TrainState {
  int epochs_done = 0;
  std::vector<EpochStats> history;
  double best_loss = std::numeric_limits<double>::infinity();
  int best_epoch = 0;
  int since_best = 0;
  std::vector<float> best_params;  // only with keep_best
  std::string rng;                 // std::mt19937 state in its standard text form
};

// Thrown when the loss stops being finite. The model then holds the parameters of the last completed epoch.
struct TrainingDiverged : std::runtime_error {
  TrainingDiverged(const std::string& what, int epoch_, int epochs_done_)
      : std::runtime_error(what), epoch(epoch_), epochs_done(epochs_done_) {}
  int epoch;        // 1-based epoch in which it happened
  int epochs_done;  // completed epochs whose parameters the model now holds
};

// Mutates a training batch in place (augmentation). Must be deterministic given rng. x holds `rows` of the batch
// (all of it when rows.total is 0); the draws made must be those for the whole batch, so ranks stay in step.
using BatchTransform = std::function<void(Tensor& x, std::mt19937& rng, BatchRows rows)>;

// Every sample exactly once per epoch, in an order drawn from rng.
std::vector<int> epoch_order(int n, std::mt19937& rng);
// A class-balanced epoch of n indices: classes drawn uniformly, samples uniformly within a class.
std::vector<int> balanced_order(const Dataset& data, std::mt19937& rng);

class Trainer {
 public:
  Trainer(Model& model, TrainConfig cfg);
  // Trains in place. on_epoch sees each epoch's stats (print, log, checkpoint). Returns all epochs.
  std::vector<EpochStats> fit(const Dataset& train, const Dataset* valid,
                              const std::function<void(const EpochStats&)>& on_epoch = {});
  BatchTransform augment;  // optional
  Optimizer& optimizer() { return *opt_; }
  int best_epoch() const { return state_.best_epoch; }
  // Continues from cfg.checkpoint's saved state. `run` must equal what the interrupted run recorded.
  void resume(const nlohmann::json& run);
  // Identifies this run in checkpoints (data, architecture, hyperparameters), set before fit().
  nlohmann::json run_id = nlohmann::json::object();

 private:
  Model& model_;
  TrainConfig cfg_;
  std::unique_ptr<Optimizer> opt_;
  TrainState state_;
};

std::string format_epoch(const EpochStats& s);
void write_curves_csv(const std::string& path, const std::vector<EpochStats>& epochs);

}  // namespace scrawl

// Training checkpoints: everything needed to continue a run as if it had never stopped — the model, the
// optimizer's state, the RNG's state, the epoch history and the early-stopping bookkeeping. One file,
// DIR/checkpoint.cbor, replaced atomically after every epoch, so a kill at any moment leaves the last one whole.
#pragma once
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nn/model.h"
#include "nn/optim.h"
#include "train/trainer.h"

namespace scrawl {

// Where a run stands between epochs.
struct TrainState {
  int epochs_done = 0;
  std::vector<EpochStats> history;
  double best_loss = std::numeric_limits<double>::infinity();
  int best_epoch = 0;
  int since_best = 0;
  std::vector<float> best_params;  // only with keep_best
  std::string rng;                 // std::mt19937 state in its standard text form
};

// `run` identifies the run (data, arch, hyperparameters); resuming with a different one is refused.
void save_checkpoint(const std::string& dir, const Model& model, const Optimizer& opt, const TrainState& state,
                     const nlohmann::json& run);
// Restores model parameters, optimizer state and run state; throws "DIR/checkpoint.cbor: problem".
void load_checkpoint(const std::string& dir, Model& model, Optimizer& opt, TrainState& state,
                     const nlohmann::json& run);
std::string checkpoint_path(const std::string& dir);

}  // namespace scrawl

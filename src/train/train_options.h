// Everything `scrawl train` takes, as a plain struct, so the CLI, `scrawl study` and tests share one path.
#pragma once
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scrawl/nn/model.h"
#include "scrawl/train/trainer.h"

namespace scrawl {

struct TrainOptions {
  std::string train, valid;
  std::string arch = "fc64,sigmoid,fc36";
  TrainConfig cfg;
  float augment = 0.f;
  float page_redraw = 0.f;   // probability of redrawing a training glyph as the reader sees it (augment.h)
  float small_redraw = 0.f;  // ... or else as the reader sees small writing (augment.h)
  int threads = 0;
  std::string out, curves;
  std::string resume;  // checkpoint folder to continue from (it is also where new checkpoints go)
};

struct TrainResult {
  Model model;
  std::vector<EpochStats> history;
  int best_epoch = 0;
};

// The run's hyperparameters, one key per option; epochs is the number asked for. Models record this object in
// their metadata ("trained"; `scrawl train` adds best_epoch and the epochs trained, `scrawl study` its own keys).
nlohmann::json hyperparameters(const TrainOptions& opt);
// What identifies a run in its checkpoints: the hyperparameters plus the settings that steer training without
// being recorded in the model (init, patience, epoch_size). A checkpoint only resumes a run with the same identity.
nlohmann::json run_identity(const TrainOptions& opt);

// Loads data, builds and trains the model, writes --out (and --curves). Logs epochs to `log` if not null. Under
// ranks (opt.cfg.ranks) every rank trains its share and only rank 0 writes files.
TrainResult run_training(const TrainOptions& opt, std::FILE* log);

}  // namespace scrawl

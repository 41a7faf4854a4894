// Training checkpoints: everything needed to continue a run as if it had never stopped — the model, the
// optimizer's state, the RNG's state, the epoch history and the early-stopping bookkeeping. One file,
// DIR/checkpoint.cbor, replaced atomically after every epoch, so a kill at any moment leaves the last one whole.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scrawl/nn/model.h"
#include "scrawl/nn/optim.h"
#include "scrawl/train/trainer.h"

namespace scrawl {

// `run` identifies the run (data, arch, hyperparameters); resuming with a different one is refused.
void save_checkpoint(const std::string& dir, const Model& model, const Optimizer& opt, const TrainState& state,
                     const nlohmann::json& run);
// Restores model parameters, optimizer state and run state; throws "DIR/checkpoint.cbor: problem".
void load_checkpoint(const std::string& dir, Model& model, Optimizer& opt, TrainState& state,
                     const nlohmann::json& run);
std::string checkpoint_path(const std::string& dir);

}  // namespace scrawl

#include "scrawl/train/train_options.h"

#include <Eigen/Core>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "scrawl/data/dataset.h"
#include "scrawl/nn/model_io.h"
#include "scrawl/nn/threads.h"
#include "scrawl/train/augment.h"

namespace scrawl {

nlohmann::json hyperparameters(const TrainOptions& opt) {
  const TrainConfig& c = opt.cfg;
  nlohmann::json h = {{"train", opt.train},       {"valid", opt.valid},
                      {"arch", opt.arch},         {"epochs", c.epochs},
                      {"batch", c.batch},         {"lr", c.lr},
                      {"optimizer", c.optimizer}, {"seed", c.seed},
                      {"augment", opt.augment},   {"page_redraw", opt.page_redraw},
                      {"schedule", c.schedule},   {"weight_decay", c.weight_decay},
                      {"balanced", c.balanced},   {"keep_best", c.keep_best}};
  if (opt.small_redraw > 0.f) h["small_redraw"] = opt.small_redraw;  // only when used: older runs' records stand
  return h;
}

nlohmann::json run_identity(const TrainOptions& opt) {
  nlohmann::json id = hyperparameters(opt);
  id["init"] = opt.cfg.init;
  id["patience"] = opt.cfg.patience;
  id["epoch_size"] = opt.cfg.epoch_size;
  return id;
}

TrainResult run_training(const TrainOptions& opt, std::FILE* log) {
  set_threads(opt.threads);
  // Fail on an unwritable output before spending minutes training.
  const auto out_dir = std::filesystem::absolute(opt.out).parent_path();
  if (!std::filesystem::is_directory(out_dir))
    throw std::runtime_error(opt.out + ": cannot write (folder " + out_dir.string() + " does not exist)");
  const Dataset train = load_dataset(opt.train, "train");
  Dataset valid;
  if (!opt.valid.empty()) valid = load_dataset(opt.valid, "valid");

  InputSpec in;
  in.shape = Shape{1, train.h, train.w};
  TrainResult r{Model(opt.arch, in, train.classes), {}, 0};
  r.model.init_params(opt.cfg.seed, opt.cfg.init);
  TrainConfig cfg = opt.cfg;
  if (!opt.resume.empty()) cfg.checkpoint = opt.resume;
  Trainer trainer(r.model, cfg);
  if (opt.augment > 0.f || opt.page_redraw > 0.f || opt.small_redraw > 0.f)
    trainer.augment = make_augmenter(opt.augment, train.h, train.w, opt.page_redraw, opt.small_redraw);
  trainer.run_id = run_identity(opt);
  if (!opt.resume.empty()) trainer.resume(trainer.run_id);
  if (log)
    std::fprintf(log, "training %s on %s (%d samples, %zu parameters)%s%s\n", opt.arch.c_str(), opt.train.c_str(),
                 train.size(), r.model.param_count(),
                 cfg.ranks.many() ? (", " + std::to_string(cfg.ranks.size) + " ranks").c_str() : "",
                 opt.resume.empty() ? "" : (", resumed from " + opt.resume).c_str());
  try {
    r.history = trainer.fit(train, opt.valid.empty() ? nullptr : &valid, [&](const EpochStats& s) {
      if (log) {
        std::fprintf(log, "%s\n", format_epoch(s).c_str());
        std::fflush(log);
      }
    });
  } catch (const TrainingDiverged& e) {
    // Keep the last good model: the trainer restored the parameters of the last completed epoch.
    if (e.epochs_done == 0) throw std::runtime_error(std::string(e.what()) + "; no epoch completed, no model written");
    r.model.meta_json = nlohmann::json{{"trained", {{"diverged_in_epoch", e.epoch}, {"epochs", e.epochs_done}}}}.dump();
    if (cfg.ranks.root()) save_model(r.model, opt.out);
    throw std::runtime_error(std::string(e.what()) + "; kept the model after epoch " + std::to_string(e.epochs_done) +
                             " in " + opt.out);
  }
  r.best_epoch = trainer.best_epoch();
  nlohmann::json trained = hyperparameters(opt);
  trained["epochs"] = r.history.back().epoch;  // fewer than asked for when early stopping ended the run
  trained["best_epoch"] = r.best_epoch;
  r.model.meta_json = nlohmann::json{{"trained", trained}}.dump();
  if (!cfg.ranks.root()) return r;  // rank 0 writes what every rank holds
  save_model(r.model, opt.out);
  if (!opt.curves.empty()) write_curves_csv(opt.curves, r.history);
  return r;
}

}  // namespace scrawl

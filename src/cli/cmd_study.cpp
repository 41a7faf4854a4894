// scrawl study: the course's MLP study in one command (learning-rate search, curves, weights, zero init).
#include <cstdio>
#include <memory>

#include "commands.h"
#include "scrawl/study/study.h"

namespace scrawl::cli {

void add_study(CLI::App& app) {
  auto opt = std::make_shared<StudyOptions>();
  auto* cmd = app.add_subcommand(
      "study", "Learning-rate search and study of the course MLP; writes plots, summary.md/json and report.html");
  cmd->add_option("--train", opt->train, "Training data: IDX prefix or course .mat file")->required();
  cmd->add_option("--valid", opt->valid, "Validation data (picks the learning rate)")->required();
  cmd->add_option("--test", opt->test, "Test data (scores the best run)")->required();
  cmd->add_option("--out", opt->out, "Output folder (created if missing)")->required();
  cmd->add_option("--epochs", opt->cfg.epochs, "Epochs per run")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--seed", opt->cfg.seed, "Seed for init and batch order, the same for every run")
      ->capture_default_str();
  cmd->add_option("--lrs", opt->lrs, "Learning rates to search")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--arch", opt->arch, "Architecture (must start with a dense layer)")->capture_default_str();
  cmd->add_option("--batch", opt->cfg.batch, "Mini-batch size")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--optimizer", opt->cfg.optimizer, "sgd, momentum or adam")
      ->capture_default_str()
      ->check(CLI::IsMember({"sgd", "momentum", "adam"}));
  cmd->add_option("--threads", opt->threads, "Worker threads (0: all cores)")->capture_default_str();
  cmd->callback([opt] { run_study(*opt, globals().quiet ? nullptr : stderr); });
}

}  // namespace scrawl::cli

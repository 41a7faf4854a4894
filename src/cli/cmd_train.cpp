// scrawl train: fit a network to a labelled glyph set.
#include <cstdio>
#include <memory>
#include <string>

#include "commands.h"
#include "mpi.h"
#include "scrawl/data/dataset.h"
#include "scrawl/train/train_options.h"
#include "scrawl/train/trainer.h"

namespace scrawl::cli {

void add_train(CLI::App& app) {
  auto opt = std::make_shared<TrainOptions>();
  auto* cmd = app.add_subcommand("train", "Train a network on labelled glyphs and save the model");
  cmd->add_option("--train", opt->train, "Training data: IDX prefix (PREFIX-images-idx3-ubyte.gz) or course .mat file")
      ->required();
  cmd->add_option("--valid", opt->valid, "Validation data (same forms as --train)");
  cmd->add_option("--arch", opt->arch, "Comma-separated layers, e.g. fc64,sigmoid,fc36 or conv5x5x32,relu,pool2,...")
      ->capture_default_str();
  cmd->add_option("--epochs", opt->cfg.epochs, "Number of passes over the training data")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--batch", opt->cfg.batch, "Mini-batch size")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--lr", opt->cfg.lr, "Learning rate")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--optimizer", opt->cfg.optimizer, "sgd, momentum or adam")
      ->capture_default_str()
      ->check(CLI::IsMember({"sgd", "momentum", "adam"}));
  cmd->add_option("--weight-decay", opt->cfg.weight_decay, "L2 weight decay")->capture_default_str();
  cmd->add_option("--schedule", opt->cfg.schedule, "Learning-rate schedule: constant, cosine or step")
      ->capture_default_str()
      ->check(CLI::IsMember({"constant", "cosine", "step"}));
  cmd->add_option("--init", opt->cfg.init, "Weight init: auto (He before ReLU, else Xavier), xavier, he or zero")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "xavier", "he", "zero"}));
  cmd->add_option("--patience", opt->cfg.patience, "Stop after N epochs without a better valid loss (0: never)")
      ->capture_default_str();
  cmd->add_flag("--keep-best", opt->cfg.keep_best, "Keep the parameters of the epoch with the best valid loss");
  cmd->add_flag("--balanced", opt->cfg.balanced, "Draw batches class-balanced instead of by frequency");
  cmd->add_option("--augment", opt->augment, "Augmentation strength 0..1 (0: none)")->capture_default_str();
  cmd->add_option("--page-redraw", opt->page_redraw,
                  "Probability 0..1 of redrawing a training glyph as `scrawl read` sees it (binarized and "
                  "re-normalized), so the model does not learn cues a page cannot show (0: never)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--small-redraw", opt->small_redraw,
                  "Probability 0..1 of redrawing a training glyph instead as `scrawl read` sees small writing (a "
                  "150 dpi form's 12 px capitals: shrunk, blurred, enlarged and binarized again); with --page-redraw "
                  "at most 1 together (0: never)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--seed", opt->cfg.seed, "Seed for init, batch order and augmentation")->capture_default_str();
  cmd->add_option("--threads", opt->threads, "Worker threads (0: all cores)")->capture_default_str();
  cmd->add_option("--out", opt->out, "Model file to write")->required();
  cmd->add_option("--epoch-size", opt->cfg.epoch_size, "Samples per epoch (0: the whole training set)")
      ->capture_default_str();
  cmd->add_option("--checkpoint", opt->cfg.checkpoint,
                  "Folder for a checkpoint (model, optimizer and RNG state) written atomically after every epoch");
  cmd->add_option("--resume", opt->resume,
                  "Continue an interrupted run from its checkpoint folder (same data and settings required)");
  cmd->add_option("--curves", opt->curves, "Write per-epoch loss/accuracy to this CSV file");
  cmd->footer(
      "Over MPI ranks: mpirun -np N scrawl " + std::string(cmd->get_name()) +
      " ... trains data-parallel: each rank computes the gradient of its share of every batch (--batch stays the "
      "global batch, --threads is per rank), rank 0 alone prints and writes the model, curves and checkpoints, and "
      "--resume works under MPI (the checkpoint folder must be on a file system every rank sees).");
  cmd->callback([opt] {
    if (opt->page_redraw + opt->small_redraw > 1.f)
      throw CLI::ValidationError("--small-redraw", "with --page-redraw at most 1 together");
    // Under mpirun every rank trains its share of each batch; rank 0 alone prints and writes files.
    opt->cfg.ranks = mpi_ranks();
    const bool speak = !globals().quiet && opt->cfg.ranks.root();
    opt->cfg.progress = speak;
    run_training(*opt, speak ? stdout : nullptr);
  });
}

}  // namespace scrawl::cli

// scrawl train-line: train a line recognizer (CTC) on lines synthesized from a labelled glyph set.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "commands.h"
#include "mpi.h"
#include "scrawl/data/dataset.h"
#include "scrawl/image/codec.h"
#include "scrawl/nn/model_io.h"
#include "scrawl/nn/threads.h"
#include "scrawl/train/line_trainer.h"

namespace scrawl::cli {

namespace {
struct TrainLineOptions {
  std::string train, valid, out, checkpoint, resume, curves;
  int threads = 0;
  LineTrainConfig cfg;
};
}  // namespace

void add_train_line(CLI::App& app) {
  auto opt = std::make_shared<TrainLineOptions>();
  auto* cmd = app.add_subcommand(
      "train-line", "Train a line recognizer with CTC on lines synthesized from labelled glyphs, and save the model");
  cmd->add_option("--train", opt->train, "Glyphs the training lines are drawn from (IDX prefix or .mat)")->required();
  cmd->add_option("--valid", opt->valid, "Glyphs the validation lines are drawn from (other writers)")->required();
  cmd->add_option("--arch", opt->cfg.arch,
                  "Layers: convolutions, seq, tconvKxC (1-D convolutions) or blstmH (bidirectional LSTM); the last "
                  "gives blank + classes + space")
      ->capture_default_str();
  cmd->add_option("--epochs", opt->cfg.epochs, "Epochs")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--steps", opt->cfg.steps, "Batches per epoch (each of freshly synthesized lines)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--batch", opt->cfg.batch, "Lines per batch")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--lr", opt->cfg.lr, "Adam learning rate")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--schedule", opt->cfg.schedule, "Learning rate: constant, or cosine (to 0 over the run, per step)")
      ->capture_default_str()
      ->check(CLI::IsMember({"constant", "cosine"}));
  cmd->add_option("--valid-lines", opt->cfg.valid_lines, "Validation lines read after every epoch")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--gap", opt->cfg.synth.gap_min, "Smallest letter gap, in character heights (negative: overlap)")
      ->capture_default_str();
  cmd->add_option("--max-gap", opt->cfg.synth.gap_max, "Largest letter gap, in character heights")
      ->capture_default_str();
  cmd->add_option("--min-word-gap", opt->cfg.synth.word_gap_min, "Smallest word gap, in character heights")
      ->capture_default_str();
  cmd->add_option("--max-word-gap", opt->cfg.synth.word_gap_max, "Largest word gap, in character heights")
      ->capture_default_str();
  cmd->add_flag("--degrade", opt->cfg.synth.degrade,
                "Draw each training line like a photographed pen: pen width jitter, blur and noise before binarizing");
  cmd->add_option("--pencil", opt->cfg.synth.pencil_share,
                  "With --degrade: share of lines drawn in pencil, each stroke pixel 55-100% as dark (0 to 1)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--jpeg", opt->cfg.synth.jpeg_share,
                  "With --degrade: share of lines put through a JPEG round trip at quality 30-90 (0 to 1)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  opt->cfg.synth.jpeg = [](const cv::Mat& gray, int quality) {
    const std::vector<unsigned char> bytes = encode_image(gray, "jpg", quality, "training line");
    return decode_image(std::string(bytes.begin(), bytes.end()), Channels::gray);
  };
  cmd->add_option("--fonts", opt->cfg.synth.font_share,
                  "Share of glyphs drawn from OpenCV's Hershey fonts instead of the glyph set (0 to 1; 0: none)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--augment", opt->cfg.synth.augment,
                  "Augment each glyph before it is placed on a line, as `train --augment` does (0 to 1; 0: off)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--init", opt->cfg.init,
                  "Start from this line model's parameters (fine-tuning); same --arch and classes");
  cmd->add_option("--seed", opt->cfg.seed, "Seed for init, lines and batch order")->capture_default_str();
  cmd->add_option("--threads", opt->threads, "Worker threads (0: all cores)")->capture_default_str();
  cmd->add_flag("--keep-best", opt->cfg.keep_best, "End with the parameters of the epoch with the lowest valid CER");
  cmd->add_option("--checkpoint", opt->checkpoint, "Folder for a checkpoint written atomically after every epoch");
  cmd->add_option("--resume", opt->resume, "Continue an interrupted run from its checkpoint folder");
  cmd->add_option("--curves", opt->curves, "Write per-epoch losses and 1 - valid CER to this CSV file");
  cmd->add_option("--out", opt->out, "Model file to write")->required();
  cmd->footer(
      "Over MPI ranks: mpirun -np N scrawl " + std::string(cmd->get_name()) +
      " ... trains data-parallel: each rank computes the gradient of its share of every batch (--batch stays the "
      "global batch, --threads is per rank), rank 0 alone prints and writes the model, curves and checkpoints, and "
      "--resume works under MPI (the checkpoint folder must be on a file system every rank sees).");
  cmd->callback([opt] {
    if (!opt->checkpoint.empty() && !opt->resume.empty() && opt->checkpoint != opt->resume)
      throw CLI::ValidationError("--resume", "resumes into its own folder; drop --checkpoint or give the same folder");
    if ((opt->cfg.synth.pencil_share > 0 || opt->cfg.synth.jpeg_share > 0) && !opt->cfg.synth.degrade)
      throw CLI::ValidationError("--pencil/--jpeg", "act on degraded lines only: add --degrade");
    const auto out_dir = std::filesystem::absolute(opt->out).parent_path();
    if (!std::filesystem::is_directory(out_dir))
      throw std::runtime_error(opt->out + ": cannot write (folder " + out_dir.string() + " does not exist)");
    set_threads(opt->threads);
    const Dataset train = load_dataset(opt->train, "train"), valid = load_dataset(opt->valid, "valid");
    LineTrainConfig cfg = opt->cfg;
    // Under mpirun every rank trains its share of each batch; rank 0 alone prints and writes files.
    cfg.ranks = mpi_ranks();
    const bool speak = !globals().quiet && cfg.ranks.root();
    cfg.progress = speak;
    cfg.checkpoint = opt->resume.empty() ? opt->checkpoint : opt->resume;
    if (!cfg.checkpoint.empty() && cfg.ranks.root()) std::filesystem::create_directories(cfg.checkpoint);
    LineTrainResult r = train_line_model(train, valid, cfg, !opt->resume.empty(), speak ? stdout : nullptr);
    if (!cfg.ranks.root()) return;
    save_model(r.model, opt->out);
    if (!opt->curves.empty()) write_curves_csv(opt->curves, r.state.history);
  });
}

}  // namespace scrawl::cli

#include "scrawl/train/line_trainer.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "scrawl/nn/ctc.h"
#include "scrawl/nn/model_io.h"
#include "scrawl/nn/optim.h"
#include "scrawl/train/checkpoint.h"
#include "scrawl/train/line_batch.h"
#include "scrawl/util/edit_distance.h"

namespace scrawl {

namespace {
// What a checkpoint must match to be resumed: everything that changes the random stream or the model.
nlohmann::json run_identity(const LineTrainConfig& cfg, const Dataset& train, const Dataset& valid) {
  const LineSynthConfig& s = cfg.synth;
  nlohmann::json id = {{"kind", "line"},
                       {"arch", cfg.arch},
                       {"steps", cfg.steps},
                       {"batch", cfg.batch},
                       {"lr", cfg.lr},
                       {"schedule", cfg.schedule},
                       // A cosine schedule's rate at a step depends on the run's length; a constant one's does not.
                       {"scheduled_epochs", cfg.schedule == "constant" ? 0 : cfg.epochs},
                       {"seed", cfg.seed},
                       {"init", cfg.init},
                       {"valid_lines", cfg.valid_lines},
                       {"train_glyphs", train.size()},
                       {"valid_glyphs", valid.size()},
                       {"classes", train.classes},
                       {"gaps", {s.gap_min, s.gap_max, s.word_gap_min, s.word_gap_max}},
                       {"words", {s.min_words, s.max_words, s.min_letters, s.max_letters}}};
  // Absent when off, so older checkpoints resume.
  if (s.degrade) id["degrade"] = {s.pen_jitter, s.blur_max, s.noise_max};
  if (s.augment > 0.f) id["augment"] = s.augment;
  if (s.pencil_share > 0) id["pencil"] = s.pencil_share;
  if (s.jpeg_share > 0) id["jpeg"] = s.jpeg_share;
  if (s.font_share > 0) id["fonts"] = s.font_share;
  return id;
}

float step_lr(const LineTrainConfig& cfg, long step) {
  if (cfg.schedule == "constant") return cfg.lr;
  const double t = double(step) / (double(cfg.epochs) * cfg.steps);
  return float(cfg.lr * 0.5 * (1 + std::cos(3.14159265358979 * t)));
}

std::string text_of(const std::vector<int>& labels, const std::string& classes) {
  std::string s;
  for (int k : labels) s += classes[size_t(k)];
  return s;
}
}  // namespace

std::vector<LineBatch> validation_batches(const Dataset& valid, const LineTrainConfig& cfg, const std::string& classes,
                                          int stride) {
  if (cfg.batch <= 0) throw std::invalid_argument("line validation: batch must be positive");
  std::mt19937 rng(static_cast<std::mt19937::result_type>(cfg.seed * 104729 + 3));  // apart from training's stream
  // Other writers' glyphs as they were written: glyph augmentation and font glyphs are training devices, not
  // conditions to measure.
  LineSynthConfig synth = cfg.synth;
  synth.augment = 0.f;
  synth.font_share = 0;
  std::vector<LineBatch> out;
  for (int done = 0; done < cfg.valid_lines; done += cfg.batch)
    out.push_back(make_line_batch(valid, synth, classes, std::min(cfg.batch, cfg.valid_lines - done), stride, rng));
  return out;
}

LineEval evaluate_lines(Model& model, const std::vector<LineBatch>& batches, const Ranks& ranks) {
  LineEval e;
  size_t lines = 0;
  for (size_t k = size_t(ranks.rank); k < batches.size(); k += size_t(ranks.size)) {
    const LineBatch& b = batches[k];
    model.set_input_width(b.x.shape.w);
    Pass pass;
    pass.frames = &b.frames;
    const Tensor& logits = model.forward(b.x, pass);
    CtcLoss ctc;
    ctc.zero_infinity = true;
    e.loss += ctc.forward(logits, b.frames, b.labels) * b.x.n;
    lines += size_t(b.x.n);
    for (int i = 0; i < b.x.n; ++i) {
      const std::string got = text_of(ctc_greedy_decode(logits, i, b.frames[size_t(i)]), model.classes());
      e.edits += levenshtein(got, b.texts[size_t(i)]);
      e.chars += b.texts[size_t(i)].size();
    }
  }
  if (ranks.many()) {
    double sums[4] = {e.loss, double(e.edits), double(e.chars), double(lines)};
    ranks.sum(sums, 4);
    e.loss = sums[0];
    e.edits = size_t(std::llround(sums[1]));
    e.chars = size_t(std::llround(sums[2]));
    lines = size_t(std::llround(sums[3]));
  }
  if (lines) e.loss /= double(lines);
  return e;
}

LineTrainResult train_line_model(const Dataset& train, const Dataset& valid, const LineTrainConfig& cfg, bool resume,
                                 std::FILE* log) {
  if (train.classes != valid.classes) throw std::runtime_error("line training: train and valid classes differ");
  if (cfg.epochs <= 0 || cfg.steps <= 0 || cfg.batch <= 0) throw std::runtime_error("line training: empty run");
  if (cfg.schedule != "constant" && cfg.schedule != "cosine")
    throw std::runtime_error("line training: unknown schedule '" + cfg.schedule + "' (expected constant or cosine)");
  const std::string classes = line_classes(train.classes);
  InputSpec in;
  in.shape = Shape{1, cfg.synth.normalize.height, 256};
  in.normalization = "line";
  LineTrainResult r{Model(cfg.arch, in, classes), {}};
  r.model.init_params(cfg.seed);
  if (!cfg.init.empty()) {
    const Model start = load_model(cfg.init);
    if (start.arch() != cfg.arch || start.classes() != classes || start.input().shape.h != in.shape.h ||
        start.param_count() != r.model.param_count())
      throw std::runtime_error(cfg.init + ": not a line model of this run's architecture, classes and height ('" +
                               start.arch() + "')");
    std::copy(start.params().begin(), start.params().end(), r.model.params().begin());
  }
  Adam adam;
  adam.lr = cfg.lr;
  const nlohmann::json run = run_identity(cfg, train, valid);
  if (resume) {
    if (cfg.checkpoint.empty()) throw std::runtime_error("line training: resume needs a checkpoint folder");
    load_checkpoint(cfg.checkpoint, r.model, adam, r.state, run);
  }
  const int stride = frame_stride(r.model);
  const std::vector<LineBatch> valid_set = validation_batches(valid, cfg, classes, stride);
  std::mt19937 rng(static_cast<std::mt19937::result_type>(cfg.seed * 7919 + 17));
  if (!r.state.rng.empty()) {  // resuming: continue the exact random stream
    std::istringstream s(r.state.rng);
    s >> rng;
  }
  const Ranks& ranks = cfg.ranks;
  start_in_step(ranks, r.model, adam, rng, r.state.epochs_done);
  const bool bar = cfg.progress && ranks.root() && isatty(STDERR_FILENO);
  for (int epoch = r.state.epochs_done + 1; epoch <= cfg.epochs; ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    double loss = 0;
    for (int step = 0; step < cfg.steps; ++step) {
      adam.lr = step_lr(cfg, long(epoch - 1) * cfg.steps + step);
      const LineBatch b = make_line_batch(train, cfg.synth, classes, cfg.batch, stride, rng);
      double l = 0;
      if (!ranks.many()) {
        l = line_train_step(r.model, adam, b, rng);
      } else {  // the whole batch is drawn on every rank (one random stream); each computes its share's gradient
        const BatchSplit part = ranks.split(cfg.batch);
        const LineBatch mine = line_rows(b, part.rows.first, part.rows.count);
        double sum = line_gradient(r.model, mine, rng, part.rows, part.weight) * part.rows.count * part.counts;
        ranks.sum(&sum, 1);
        l = sum / cfg.batch;
        ranks.sum(r.model.grads().data(), r.model.param_count());
        adam.step(r.model.params().data(), r.model.grads().data(), r.model.param_count());
      }
      if (!std::isfinite(l)) throw TrainingDiverged("line training: loss is not finite", epoch, r.state.epochs_done);
      loss += l;
      if (bar && (step % 8 == 0 || step == cfg.steps - 1)) {
        constexpr int kWidth = 30;
        const int filled = kWidth * (step + 1) / cfg.steps;
        std::fprintf(stderr, "\r  epoch %d [%.*s%*s] %d/%d steps, loss %.4f", epoch, filled,
                     "##############################", kWidth - filled, "", step + 1, cfg.steps, loss / (step + 1));
        std::fflush(stderr);
      }
    }
    if (bar) std::fprintf(stderr, "\r\033[K");
    const LineEval v = evaluate_lines(r.model, valid_set, ranks);
    EpochStats st;
    st.epoch = epoch;
    st.train_loss = loss / cfg.steps;
    st.valid_loss = v.loss;
    st.valid_acc = 1.0 - v.cer();
    st.lr = adam.lr;
    st.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.state.history.push_back(st);
    r.state.epochs_done = epoch;
    if (v.cer() < r.state.best_loss) {  // best_loss holds the best validation CER for line models
      r.state.best_loss = v.cer();
      r.state.best_epoch = epoch;
      if (cfg.keep_best) r.state.best_params.assign(r.model.params().begin(), r.model.params().end());
    }
    std::ostringstream s;
    s << rng;
    r.state.rng = s.str();
    if (!cfg.checkpoint.empty() && ranks.root()) save_checkpoint(cfg.checkpoint, r.model, adam, r.state, run);
    if (log)
      std::fprintf(log, "epoch %3d  loss %.4f  valid loss %.4f  valid CER %.2f%%  %.1f s\n", epoch, st.train_loss,
                   st.valid_loss, 100 * v.cer(), st.seconds);
    if (log) std::fflush(log);  // one line per epoch, also when stdout is a file or a pipe
  }
  if (cfg.keep_best && !r.state.best_params.empty())
    std::copy(r.state.best_params.begin(), r.state.best_params.end(), r.model.params().begin());
  nlohmann::json trained = run;
  trained["epochs"] = r.state.epochs_done;
  trained["best_epoch"] = r.state.best_epoch;
  trained["keep_best"] = cfg.keep_best;
  r.model.meta_json = nlohmann::json{{"trained", trained}}.dump();
  return r;
}

}  // namespace scrawl

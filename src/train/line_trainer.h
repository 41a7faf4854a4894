// Training a line recognizer: every step draws a fresh batch of synthesized lines (train/line_synth) from the
// training glyphs, takes one CTC step with Adam, and each epoch ends by reading a fixed set of validation lines
// (from other glyphs, the same lines every epoch) with best-path decoding. Checkpoints after every epoch hold the
// model, Adam's state and the random stream, so a resumed run ends with the same bytes as an uninterrupted one.
#pragma once
#include <cstdio>
#include <string>
#include <vector>

#include "scrawl/data/dataset.h"
#include "scrawl/nn/model.h"
#include "scrawl/train/line_batch.h"
#include "scrawl/train/line_synth.h"
#include "scrawl/train/ranks.h"
#include "scrawl/train/trainer.h"

namespace scrawl {

struct LineTrainConfig {
  // conv features over a 32-row line, 4 columns per frame, a 9-frame window of temporal convolutions, then one
  // score per class per frame. A starting point, not yet chosen by measurement (BENCHMARKS.md will say).
  std::string arch =
      "conv3x3x32,relu,pool2,conv3x3x64,relu,pool2,conv3x3x96,relu,seq,tconv3x192,relu,tconv3x192,relu,tconv1x38";
  int epochs = 10;
  int steps = 200;  // batches per epoch
  int batch = 16;
  float lr = 1e-3f;
  // constant, or cosine: the rate falls along half a cosine from lr to 0 over all epochs x steps, step by step.
  std::string schedule = "constant";
  uint64_t seed = 1;
  int valid_lines = 100;   // read at the end of every epoch
  bool keep_best = false;  // end with the parameters of the epoch with the lowest validation CER
  std::string checkpoint;  // folder: state saved after every epoch
  // A line model file to start from instead of a fresh initialization (fine-tuning with other lines or a lower
  // rate); its architecture, classes and strip height must be this run's.
  std::string init;
  bool progress = true;  // progress bar on stderr (only when it is a terminal), as glyph training draws
  LineSynthConfig synth;
  // Data-parallel training (train/ranks.h): every rank synthesizes the same batch from the shared random stream and
  // computes the gradient of its share; only rank 0 writes checkpoints and draws progress.
  Ranks ranks;
};

// Per epoch, in TrainState::history: train_loss and valid_loss are mean CTC losses, valid_acc is 1 - the
// validation lines' character error rate (edits over characters, spaces included), train_acc is unused (0).
struct LineTrainResult {
  Model model;
  TrainState state;
};

// Trains a fresh model (or resumes `cfg.checkpoint` when `resume`). `train` and `valid` are glyph sets with the
// same classes. `log` gets one line per epoch (null: quiet).
LineTrainResult train_line_model(const Dataset& train, const Dataset& valid, const LineTrainConfig& cfg, bool resume,
                                 std::FILE* log);

// The validation lines a run reads after every epoch: cfg.valid_lines lines from `valid` in batches of cfg.batch,
// drawn from their own stream of cfg.seed, with cfg.synth less its glyph augmentation (a training device, not a
// condition to measure).
std::vector<LineBatch> validation_batches(const Dataset& valid, const LineTrainConfig& cfg, const std::string& classes,
                                          int stride);

// Best-path decoding of a validation set: total edits and characters over `lines` lines, for the CER.
struct LineEval {
  double loss = 0;
  size_t edits = 0, chars = 0;
  double cer() const { return chars ? double(edits) / double(chars) : 0.0; }
};
// Under ranks each rank reads every size-th batch and the sums are shared, so every rank gets the same figures.
LineEval evaluate_lines(Model& model, const std::vector<LineBatch>& batches, const Ranks& ranks = {});

}  // namespace scrawl

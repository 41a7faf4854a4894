// Batches for line training: synthesized lines padded to one width, their frame counts at the model's output
// resolution (so CTC and the sequence layers ignore the padding), and their labels as line-model classes.
#pragma once
#include <random>
#include <string>
#include <vector>

#include "scrawl/nn/model.h"
#include "scrawl/nn/optim.h"
#include "scrawl/nn/tensor.h"
#include "scrawl/train/line_synth.h"

namespace scrawl {

// A line model's classes: the blank first, then the glyph classes, then the word space.
std::string line_classes(const std::string& glyph_classes);

struct LineBatch {
  Tensor x;                              // (n, 1, height, width): lines left-aligned, padded with paper (0)
  std::vector<int> frames;               // real output frames of each line
  std::vector<std::vector<int>> labels;  // class indices into the line classes (never the blank)
  std::vector<std::string> texts;
};

// `n` lines from `glyphs`, padded to a multiple of `stride` columns (the model's input columns per output frame).
LineBatch make_line_batch(const Dataset& glyphs, const LineSynthConfig& cfg, const std::string& classes, int n,
                          int stride, std::mt19937& rng);

// Lines [first, first + count) of a batch, at the batch's width (one rank's share).
LineBatch line_rows(const LineBatch& batch, int first, int count);

// The gradient of a batch's mean CTC loss times `weight`, in model.grads() (zeroed first): forward at the batch's
// width, loss, backward. Returns the batch's mean loss (impossible lines, too narrow for their text, count 0). `rng`
// drives dropout; `rows` says which rows of a batch split across ranks these are (see Pass).
double line_gradient(Model& model, const LineBatch& batch, std::mt19937& rng, BatchRows rows = {}, float weight = 1.f);
// One CTC training step on a batch: line_gradient, then the optimizer step. Returns the batch's mean loss.
double line_train_step(Model& model, Optimizer& opt, const LineBatch& batch, std::mt19937& rng);

}  // namespace scrawl

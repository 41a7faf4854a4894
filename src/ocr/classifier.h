// Recognition: a trained Model applied to normalized glyphs (28x28, ink high), all of a page in one batch.
// Knows nothing about pages or layout; it sees only the normalized cells.
#pragma once
#include <opencv2/core.hpp>
#include <vector>

#include "scrawl/nn/model.h"

namespace scrawl {

struct Alternative {
  char label = '?';
  float prob = 0;
};

struct Prediction {
  std::vector<float> probs;      // softmax over the model's classes
  std::vector<Alternative> top;  // best first, top_k of them
  char label() const { return top.empty() ? '?' : top[0].label; }
  float confidence() const { return top.empty() ? 0.f : top[0].prob; }
};

class Classifier {
 public:
  // Throws std::invalid_argument when the model does not read the page reader's glyphs (check_input).
  explicit Classifier(Model model, int top_k = 3);
  // One forward pass over all glyphs: x is (N,1,28,28). Each glyph is CV_32F at the model's input size
  // (resized if it differs).
  std::vector<Prediction> classify(const std::vector<cv::Mat>& glyphs);
  const Model& model() const { return model_; }
  // Throws std::invalid_argument unless a model with this input reads the page reader's glyphs (from a model file's
  // header, before loading it).
  static void check_input(const InputSpec& input);
  Classifier clone() const { return Classifier(model_.clone(), top_k_); }

 private:
  Model model_;
  int top_k_;
};

// Top-k of a probability vector, as labels from `classes`.
std::vector<Alternative> top_k(const std::vector<float>& probs, const std::string& classes, int k);

}  // namespace scrawl

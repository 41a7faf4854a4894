// Connectionist temporal classification (Graves et al., 2006): the loss that trains a line recognizer from a line
// image and its text alone, without saying where each character is. Fused with the softmax over classes, like
// SoftmaxCrossEntropy: the network's last layer gives logits, the loss takes the softmax itself.
//
// A sequence is one sample of shape (K classes, 1, T frames): logits(k, t) at data[k * T + t], as a convolutional
// feature map collapsed over its height reads left to right. Class `blank` means "no character here"; a label is
// the sequence of non-blank classes. p(label | x) sums, over every frame-by-frame path that collapses to the label
// (repeats merged, then blanks dropped), the product of the frames' probabilities. The sum is computed by the
// forward-backward recursion over the label with blanks between and around its characters, in log space and double
// precision, so long lines and peaked outputs neither underflow nor overflow.
#pragma once
#include <vector>

#include "scrawl/nn/tensor.h"

namespace scrawl {

struct CtcLoss {
  int blank = 0;
  // A label that no path of the available frames can spell (more characters, counting the blank a repeated
  // character needs between its copies, than frames) has p = 0 and an infinite loss. With zero_infinity such a
  // sample adds 0 to the loss and 0 to the gradient instead (a line image too narrow for its text).
  bool zero_infinity = false;

  // Returns the mean over the batch of -log p(labels[i] | logits sample i). lengths[i] <= T: the frames of
  // sample i that hold the line (the rest is padding and is ignored). Throws std::invalid_argument on a label
  // class out of range or equal to blank, or a length out of range. Keeps what backward needs.
  double forward(const Tensor& logits, const std::vector<int>& lengths, const std::vector<std::vector<int>>& labels);
  // d(mean loss)/d logits, zero on padded frames; the only place the 1/N batch scaling happens.
  void backward(Tensor& dlogits) const;

  std::vector<double> losses;  // per sample, from the last forward (+inf where impossible, unless zero_infinity)
  Tensor grad;                 // d(per-sample loss)/d logits, unscaled; backward scales it by 1/N
};

// Best path decoding: each frame's most likely class, repeats merged, blanks dropped. `frames` of sample `i`.
std::vector<int> ctc_greedy_decode(const Tensor& logits, int i, int frames, int blank = 0);

}  // namespace scrawl

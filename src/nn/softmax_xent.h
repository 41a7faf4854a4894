// Softmax fused with cross-entropy: the loss every classifier here trains with.
#pragma once
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "scrawl/nn/tensor.h"

namespace scrawl {

// p[0..k) = softmax(z[0..k)), computed stably by subtracting the max. Sum is the type the exponentials are
// summed in: float for training (normalized by one reciprocal, as every shipped model was trained), double for
// the reader's probabilities (ocr/classifier: divided in double, so they sum to 1 within a float's rounding).
template <class Sum = float>
void softmax_row(float* p, const float* z, int k) {
  const float zmax = *std::max_element(z, z + k);
  Sum sum = 0;
  for (int j = 0; j < k; ++j) sum += (p[j] = std::exp(z[j] - zmax));
  if constexpr (std::is_same_v<Sum, float>) {
    const float inv = 1.f / sum;
    for (int j = 0; j < k; ++j) p[j] *= inv;
  } else {
    for (int j = 0; j < k; ++j) p[j] = static_cast<float>(p[j] / sum);
  }
}

// probs(i,:) = softmax_row(logits(i,:)) in float.
void softmax(Tensor& probs, const Tensor& logits);

struct SoftmaxCrossEntropy {
  Tensor probs;  // cached by forward for backward: dlogits = (p - onehot) / N
  // Returns the mean loss over the batch. labels: N class indices.
  double forward(const Tensor& logits, const int* labels);
  // dlogits = (probs - onehot(labels)) / N; the only place the 1/N batch scaling happens.
  void backward(Tensor& dlogits, const int* labels) const;
  // Number of rows whose argmax equals the label.
  int correct(const int* labels) const;

 private:
  std::vector<float> zmax_, sums_;  // per row, kept for the loss
};

int argmax(const float* v, int n);

}  // namespace scrawl

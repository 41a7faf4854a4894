// Softmax fused with cross-entropy: the loss every classifier here trains with.
#pragma once
#include <vector>

#include "scrawl/nn/tensor.h"

namespace scrawl {

// probs(i,:) = softmax(logits(i,:)), computed stably by subtracting the row max.
void softmax(Tensor& probs, const Tensor& logits);

struct SoftmaxCrossEntropy {
  Tensor probs;  // cached by forward for backward: dlogits = (p - onehot) / N
  // Returns the mean loss over the batch. labels: N class indices.
  double forward(const Tensor& logits, const int* labels);
  // dlogits = (probs - onehot(labels)) / N; the only place the 1/N batch scaling happens.
  void backward(Tensor& dlogits, const int* labels) const;
  // Number of rows whose argmax equals the label.
  int correct(const int* labels) const;
};

int argmax(const float* v, int n);

}  // namespace scrawl

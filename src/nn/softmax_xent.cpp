#include "scrawl/nn/softmax_xent.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace scrawl {

int argmax(const float* v, int n) {
  return static_cast<int>(std::max_element(v, v + n) - v);
}

void softmax(Tensor& probs, const Tensor& logits) {
  probs.resize(logits.n, logits.shape);
  for (int i = 0; i < logits.n; ++i) softmax_row(probs.sample(i), logits.sample(i), logits.features());
}

double SoftmaxCrossEntropy::forward(const Tensor& logits, const int* labels) {
  softmax(probs, logits);
  const int k = logits.features();
  double loss = 0.0;
  for (int i = 0; i < logits.n; ++i) {
    if (labels[i] < 0 || labels[i] >= k)
      throw std::runtime_error("label " + std::to_string(labels[i]) + " out of range for " + std::to_string(k) +
                               " classes");
    // log p = z - zmax - log(sum): computed from the logits so a tiny p never becomes log(0).
    const float* z = logits.sample(i);
    const float zmax = *std::max_element(z, z + k);
    double sum = 0.0;
    for (int j = 0; j < k; ++j) sum += std::exp(static_cast<double>(z[j] - zmax));
    loss -= static_cast<double>(z[labels[i]] - zmax) - std::log(sum);
  }
  return logits.n > 0 ? loss / logits.n : 0.0;
}

void SoftmaxCrossEntropy::backward(Tensor& dlogits, const int* labels) const {
  dlogits.resize(probs.n, probs.shape);
  const int k = probs.features();
  const float inv_n = 1.f / static_cast<float>(probs.n);
  for (int i = 0; i < probs.n; ++i) {
    const float* p = probs.sample(i);
    float* d = dlogits.sample(i);
    for (int j = 0; j < k; ++j) d[j] = p[j] * inv_n;
    d[labels[i]] -= inv_n;
  }
}

int SoftmaxCrossEntropy::correct(const int* labels) const {
  int c = 0;
  for (int i = 0; i < probs.n; ++i) c += argmax(probs.sample(i), probs.features()) == labels[i];
  return c;
}

}  // namespace scrawl

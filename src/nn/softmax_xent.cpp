#include "scrawl/nn/softmax_xent.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace scrawl {

int argmax(const float* v, int n) {
  return static_cast<int>(std::max_element(v, v + n) - v);
}

namespace {
// probs = softmax(logits) row by row, the exponentials of the whole batch taken at once with Eigen's vectorized exp
// (scalar libm exp here and in the loss was a tenth of an MLP epoch); sums[i] = row i's sum of exp(z - zmax).
void softmax_rows(Tensor& probs, const Tensor& logits, std::vector<float>& zmax, std::vector<float>& sums) {
  probs.resize(logits.n, logits.shape);
  const int k = logits.features();
  zmax.resize(size_t(logits.n));
  sums.resize(size_t(logits.n));
  for (int i = 0; i < logits.n; ++i) {
    const float* z = logits.sample(i);
    float* p = probs.sample(i);
    zmax[size_t(i)] = *std::max_element(z, z + k);
    for (int j = 0; j < k; ++j) p[j] = z[j] - zmax[size_t(i)];
  }
  Eigen::Map<Eigen::ArrayXf> all(probs.data.data(), Eigen::Index(probs.size()));
  all = all.exp();
  for (int i = 0; i < logits.n; ++i) {
    float* p = probs.sample(i);
    float sum = 0.f;
    for (int j = 0; j < k; ++j) sum += p[j];
    sums[size_t(i)] = sum;
    const float inv = 1.f / sum;
    for (int j = 0; j < k; ++j) p[j] *= inv;
  }
}
}  // namespace

void softmax(Tensor& probs, const Tensor& logits) {
  std::vector<float> zmax, sums;
  softmax_rows(probs, logits, zmax, sums);
}

double SoftmaxCrossEntropy::forward(const Tensor& logits, const int* labels) {
  softmax_rows(probs, logits, zmax_, sums_);
  const int k = logits.features();
  double loss = 0.0;
  for (int i = 0; i < logits.n; ++i) {
    if (labels[i] < 0 || labels[i] >= k)
      throw std::runtime_error("label " + std::to_string(labels[i]) + " out of range for " + std::to_string(k) +
                               " classes");
    // log p = z - zmax - log(sum): from the logits and the row's sum (at least 1), so a tiny p never becomes log(0).
    loss -= static_cast<double>(logits.sample(i)[labels[i]] - zmax_[size_t(i)]) - std::log(double(sums_[size_t(i)]));
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

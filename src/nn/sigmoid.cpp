#include "scrawl/nn/sigmoid.h"

#include <cmath>

namespace scrawl {

void Sigmoid::forward(Tensor& y, const Tensor& x, const Pass&) {
  y.resize(x.n, x.shape);
  const float* in = x.data.data();
  float* out = y.data.data();
  const size_t n = x.size();
#pragma omp simd
  for (size_t i = 0; i < n; ++i) out[i] = 1.f / (1.f + std::exp(-in[i]));
}

void Sigmoid::backward(Tensor& dx, const Tensor& dy, const Tensor& x, const Tensor& y, bool need_dx) {
  if (!need_dx) return;
  dx.resize(x.n, x.shape);
  const float* g = dy.data.data();
  const float* out = y.data.data();
  [[maybe_unused]] const float* in = x.data.data();
  float* d = dx.data.data();
  const size_t n = x.size();
#pragma omp simd
  for (size_t i = 0; i < n; ++i) d[i] = g[i] * out[i] * (1.f - out[i]);
}

}  // namespace scrawl

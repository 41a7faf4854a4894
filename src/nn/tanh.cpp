#include "scrawl/nn/tanh.h"

#include <cmath>

namespace scrawl {

void Tanh::forward(Tensor& y, const Tensor& x, const Pass&) {
  y.resize(x.n, x.shape);
  const float* in = x.data.data();
  float* out = y.data.data();
  const size_t n = x.size();
#pragma omp simd
  for (size_t i = 0; i < n; ++i) out[i] = std::tanh(in[i]);
}

void Tanh::backward(Tensor& dx, const Tensor& dy, const Tensor& x, const Tensor& y, bool need_dx) {
  if (!need_dx) return;
  dx.resize(x.n, x.shape);
  const float* g = dy.data.data();
  const float* out = y.data.data();
  [[maybe_unused]] const float* in = x.data.data();
  float* d = dx.data.data();
  const size_t n = x.size();
#pragma omp simd
  for (size_t i = 0; i < n; ++i) d[i] = g[i] * (1.f - out[i] * out[i]);
}

}  // namespace scrawl

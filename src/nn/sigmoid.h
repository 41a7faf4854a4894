// Sigmoid: y = 1/(1+e^-x); backward reuses the cached output: dy * y(1-y).
#pragma once
#include <cmath>
#include <cstddef>

#include "scrawl/nn/activation.h"

namespace scrawl {

struct SigmoidFn {
  static constexpr const char* spec = "sigmoid";
  static float f(float x) { return 1.f / (1.f + std::exp(-x)); }
  // The same with Eigen's vectorized exp (scalar libm expf was 1/10 of an MLP epoch); equal to f up to float
  // rounding.
  static void f_array(float* y, const float* x, size_t n);
  static float dx(float y, float dy) { return dy * y * (1.f - y); }
};
using Sigmoid = Activation<SigmoidFn>;
extern template class Activation<SigmoidFn>;

}  // namespace scrawl

// Tanh: y = tanh(x); backward reuses the cached output: dy * (1 - y^2).
#pragma once
#include <cmath>

#include "scrawl/nn/activation.h"

namespace scrawl {

struct TanhFn {
  static constexpr const char* spec = "tanh";
  static float f(float x) { return std::tanh(x); }
  static float dx(float y, float dy) { return dy * (1.f - y * y); }
};
using Tanh = Activation<TanhFn>;
extern template class Activation<TanhFn>;

}  // namespace scrawl

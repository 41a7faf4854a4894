// ReLU: y = max(0, x); backward passes dy where the cached output is positive.
#pragma once
#include "scrawl/nn/activation.h"

namespace scrawl {

struct ReluFn {
  static constexpr const char* spec = "relu";
  static float f(float x) { return x > 0.f ? x : 0.f; }
  static float dx(float y, float dy) { return y > 0.f ? dy : 0.f; }
};
using Relu = Activation<ReluFn>;
extern template class Activation<ReluFn>;

}  // namespace scrawl

// Tanh: y = tanh(x); backward reuses the cached output: dy * (1 - y^2).
#pragma once
#include "scrawl/nn/layer.h"

namespace scrawl {

class Tanh final : public Layer {
 public:
  std::string spec() const override { return "tanh"; }
  Shape setup(Shape in) override { return in; }
  void forward(Tensor& y, const Tensor& x, const Pass& pass) override;
  void backward(Tensor& dx, const Tensor& dy, const Tensor& x, const Tensor& y, bool need_dx) override;
};

}  // namespace scrawl

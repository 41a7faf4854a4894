// Sigmoid: y = 1/(1+e^-x); backward reuses the cached output: dy * y(1-y).
#pragma once
#include "scrawl/nn/layer.h"

namespace scrawl {

class Sigmoid final : public Layer {
 public:
  std::string spec() const override { return "sigmoid"; }
  Shape setup(Shape in) override { return in; }
  void forward(Tensor& y, const Tensor& x, const Pass& pass) override;
  void backward(Tensor& dx, const Tensor& dy, const Tensor& x, const Tensor& y, bool need_dx) override;
};

}  // namespace scrawl

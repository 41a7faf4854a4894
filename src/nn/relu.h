// ReLU: y = max(0, x); backward passes dy where the cached output is positive.
#pragma once
#include "scrawl/nn/layer.h"

namespace scrawl {

class Relu final : public Layer {
 public:
  std::string spec() const override { return "relu"; }
  Shape setup(Shape in) override { return in; }
  void forward(Tensor& y, const Tensor& x, const Pass& pass) override;
  void backward(Tensor& dx, const Tensor& dy, const Tensor& x, const Tensor& y, bool need_dx) override;
};

}  // namespace scrawl

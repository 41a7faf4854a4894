// Flatten: (N,C,H,W) -> (N,C*H*W,1,1). The bytes do not change; only the shape does.
#pragma once
#include "scrawl/nn/layer.h"

namespace scrawl {

class Flatten final : public Layer {
 public:
  std::string spec() const override { return "flatten"; }
  Shape setup(Shape in) override { return Shape{in.size(), 1, 1}; }
  void forward(Tensor& y, const Tensor& x, const Pass& pass) override;
  void backward(Tensor& dx, const Tensor& dy, const Tensor& x, const Tensor& y, bool need_dx) override;
};

}  // namespace scrawl

// Inverted dropout: in training, zero each value with probability p and scale survivors by 1/(1-p), so
// inference is the identity. Token: dropoutP, e.g. dropout0.3.
#pragma once
#include <string>
#include <vector>

#include "scrawl/nn/layer.h"

namespace scrawl {

class Dropout final : public Layer {
 public:
  explicit Dropout(float p, std::string token = "");
  std::string spec() const override { return token_; }
  Shape setup(Shape in) override { return in; }
  // Training (pass.training) draws a fresh mask from pass.rng; otherwise y = x.
  void forward(Tensor& y, const Tensor& x, const Pass& pass) override;
  void backward(Tensor& dx, const Tensor& dy, const Tensor& x, const Tensor& y, bool need_dx) override;
  float rate() const { return p_; }

 private:
  float p_;
  std::string token_;
  bool masked_ = false;      // whether the last forward applied mask_
  std::vector<float> mask_;  // 0 or 1/(1-p) per value of the last training forward; backward multiplies dy by it
};

}  // namespace scrawl

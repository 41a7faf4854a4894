// Dense (fully connected) layer: y = x W + b.
#pragma once
#include "scrawl/nn/layer.h"

namespace scrawl {

class Dense final : public Layer {
 public:
  explicit Dense(int outputs) : out_(outputs) {}
  std::string spec() const override { return "fc" + std::to_string(out_); }
  Shape setup(Shape in) override;
  size_t param_count() const override { return static_cast<size_t>(in_) * out_ + out_; }
  void bind(float* w, float* dw) override;
  void init_params(std::mt19937& rng, Init init) override;
  // x: (N, in) flattened from any shape, y: (N, out), W: (in, out) row-major, b: (out)
  void forward(Tensor& y, const Tensor& x, const Pass& pass) override;
  void backward(Tensor& dx, const Tensor& dy, const Tensor& x, const Tensor& y, bool need_dx) override;

  int inputs() const { return in_; }
  int outputs() const { return out_; }
  const float* weights() const { return w_; }  // (in, out) row-major
  const float* bias() const { return b_; }

 private:
  int in_ = 0, out_ = 0;
  Shape in_shape_;
  float *w_ = nullptr, *b_ = nullptr, *dw_ = nullptr, *db_ = nullptr;
};

}  // namespace scrawl

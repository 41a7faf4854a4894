// Activation<Fn>: an element-wise layer made of a function and its derivative, as tiny-dnn's activation_layer.
// Fn is a struct of static members (see relu.h, sigmoid.h, tanh.h):
//   spec            the architecture token, e.g. "relu";
//   f(x)            y = f(x);
//   f_array(y,x,n)  optional: y[0..n) = f(x[0..n)) at once, where f alone would not vectorize;
//   dx(y, dy)       dx from the cached output y and the incoming gradient dy (all three activations here have
//                   derivatives cheapest to write in terms of y, so backward never re-evaluates f).
#pragma once
#include "scrawl/nn/layer.h"

namespace scrawl {

template <class Fn>
class Activation final : public Layer {
 public:
  std::string spec() const override { return Fn::spec; }
  Shape setup(Shape in) override { return in; }

  void forward(Tensor& y, const Tensor& x, const Pass&) override {
    y.resize(x.n, x.shape);
    const float* in = x.data.data();
    float* out = y.data.data();
    const size_t n = x.size();
    if constexpr (requires { Fn::f_array(out, in, n); }) {
      Fn::f_array(out, in, n);  // a vectorized whole-array form where the scalar one cannot vectorize (libm exp)
    } else {
#pragma omp simd
      for (size_t i = 0; i < n; ++i) out[i] = Fn::f(in[i]);
    }
  }

  void backward(Tensor& dx, const Tensor& dy, const Tensor& x, const Tensor& y, bool need_dx) override {
    if (!need_dx) return;
    dx.resize(x.n, x.shape);
    const float* g = dy.data.data();
    const float* out = y.data.data();
    float* d = dx.data.data();
    const size_t n = x.size();
#pragma omp simd
    for (size_t i = 0; i < n; ++i) d[i] = Fn::dx(out[i], g[i]);
  }
};

}  // namespace scrawl

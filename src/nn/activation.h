// Activation<Fn>: an element-wise layer made of a function and its derivative, as tiny-dnn's activation_layer.
// Fn is a struct of static members (see relu.h, sigmoid.h, tanh.h):
//   spec            the architecture token, e.g. "relu";
//   f(x)            y = f(x);
//   f_array(y,x,n)  optional: y[0..n) = f(x[0..n)) at once, where f alone would not vectorize;
//   dx(y, dy)       dx from the cached output y and the incoming gradient dy (all three activations here have
//                   derivatives cheapest to write in terms of y, so backward never re-evaluates f).
#pragma once
#include <algorithm>

#include "scrawl/nn/layer.h"
#include "scrawl/nn/threads.h"

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
    in_blocks(x.size(), [&](size_t b, size_t e) {
      if constexpr (requires { Fn::f_array(out, in, e); }) {
        Fn::f_array(out + b, in + b, e - b);  // a vectorized whole-array form where the scalar one cannot (libm exp)
      } else {
#pragma omp simd
        for (size_t i = b; i < e; ++i) out[i] = Fn::f(in[i]);
      }
    });
  }

  void backward(Tensor& dx, const Tensor& dy, const Tensor& x, const Tensor& y, bool need_dx) override {
    if (!need_dx) return;
    dx.resize(x.n, x.shape);
    const float* g = dy.data.data();
    const float* out = y.data.data();
    float* d = dx.data.data();
    in_blocks(x.size(), [&](size_t b, size_t e) {
#pragma omp simd
      for (size_t i = b; i < e; ++i) d[i] = Fn::dx(out[i], g[i]);
    });
  }

 private:
  // Runs body(begin, end) over [0, n) in blocks of kBlock elements, over the threads when n is large (a line model's
  // first feature map is 8M values). Every block starts on a 64-byte boundary of the tensor's aligned buffer and all
  // but the last are whole vectors, so the vector/scalar split, and so every result, is the same at any thread count.
  template <class Body>
  static void in_blocks(size_t n, Body body) {
    constexpr size_t kBlock = 1 << 14;     // 64 KB of floats per block: a multiple of every vector width
    constexpr size_t kParallel = 1 << 18;  // below ~1 MB the fork/join costs more than a second core gains
    const int blocks = int((n + kBlock - 1) / kBlock);
    parallel_for(blocks, n >= kParallel ? loop_threads() : 1,
                 [&](int k, int) { body(size_t(k) * kBlock, std::min(n, size_t(k + 1) * kBlock)); });
  }
};

}  // namespace scrawl

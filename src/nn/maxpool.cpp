#include "scrawl/nn/maxpool.h"

#include <algorithm>
#include <stdexcept>

namespace scrawl {

MaxPool::MaxPool(int k, int stride) : k_(k), s_(stride > 0 ? stride : k) {
  if (k <= 0) throw std::runtime_error("pool layer needs a positive window size");
}

std::string MaxPool::spec() const {
  return "pool" + std::to_string(k_) + (s_ != k_ ? "s" + std::to_string(s_) : std::string());
}

Shape MaxPool::setup(Shape in) {
  if (in.h < k_ || in.w < k_) throw std::runtime_error(spec() + ": input " + in.str() + " is smaller than the window");
  in_ = in;
  out_ = Shape{in.c, (in.h - k_) / s_ + 1, (in.w - k_) / s_ + 1};
  return out_;
}

void MaxPool::forward(Tensor& y, const Tensor& x, const Pass&) {
  if (!(x.shape == in_)) throw std::runtime_error(spec() + ": expected input " + in_.str() + ", got " + x.shape.str());
  y.resize(x.n, out_);
  argmax_.resize(y.size());
  const int oh = out_.h, ow = out_.w, planes = x.n * in_.c;
#pragma omp parallel for schedule(static)
  for (int p = 0; p < planes; ++p) {
    const int i = p / in_.c, c = p % in_.c;
    const float* xs = x.sample(i);
    const int base = c * in_.h * in_.w;
    float* yo = y.data.data() + static_cast<size_t>(p) * oh * ow;
    int* am = argmax_.data() + static_cast<size_t>(p) * oh * ow;
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox) {
        int best = base + (oy * s_) * in_.w + ox * s_;
        for (int ky = 0; ky < k_; ++ky)
          for (int kx = 0; kx < k_; ++kx) {
            const int idx = base + (oy * s_ + ky) * in_.w + ox * s_ + kx;
            if (xs[idx] > xs[best]) best = idx;
          }
        yo[oy * ow + ox] = xs[best];
        am[oy * ow + ox] = best;
      }
  }
}

void MaxPool::backward(Tensor& dx, const Tensor& dy, const Tensor& x, const Tensor&, bool need_dx) {
  if (!need_dx) return;
  dx.resize(x.n, x.shape);
  const int per = out_.size();
#pragma omp parallel for schedule(static)
  for (int i = 0; i < x.n; ++i) {
    float* d = dx.sample(i);
    std::fill(d, d + x.features(), 0.f);
    const float* g = dy.sample(i);
    const int* am = argmax_.data() + static_cast<size_t>(i) * per;
    for (int j = 0; j < per; ++j) d[am[j]] += g[j];  // += : overlapping windows (S < K) share inputs
  }
}

}  // namespace scrawl

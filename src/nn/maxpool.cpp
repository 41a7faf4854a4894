#include "scrawl/nn/maxpool.h"

#include <algorithm>
#include <stdexcept>

#include "scrawl/nn/threads.h"

namespace scrawl {

MaxPool::MaxPool(int k, int stride) : k_(k), s_(stride > 0 ? stride : k) {
  if (k <= 0) throw std::runtime_error("pool layer needs a positive window size");
}

std::string MaxPool::spec() const {
  // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) on "s" + std::to_string(...).
  std::string s = "pool";
  s += std::to_string(k_);
  if (s_ != k_) {
    s += 's';
    s += std::to_string(s_);
  }
  return s;
}

Shape MaxPool::setup(Shape in) {
  if (in.h < k_ || in.w < k_) throw std::runtime_error(spec() + ": input " + in.str() + " is smaller than the window");
  in_ = in;
  out_ = Shape{in.c, (in.h - k_) / s_ + 1, (in.w - k_) / s_ + 1};
  return out_;
}

void MaxPool::forward(Tensor& y, const Tensor& x, const Pass& pass) {
  if (!(x.shape == in_)) throw std::runtime_error(spec() + ": expected input " + in_.str() + ", got " + x.shape.str());
  y.resize(x.n, out_);
  const int oh = out_.h, ow = out_.w, planes = x.n * in_.c;
  argmax_fresh_ = pass.training || k_ != 2 || s_ != 2;
  if (!argmax_fresh_) {
    // Reading: the maxima alone, in the scan's order (the same values, ties included). Finding which input won was
    // most of the layer's time (pool2 15% of a page-sized batch in perf, 1.8% without), and only backward needs it.
    parallel_for(planes, loop_threads(), [&](int p, int) {
      const float* xs = x.sample(p / in_.c) + static_cast<size_t>(p % in_.c) * in_.h * in_.w;
      float* yo = y.data.data() + static_cast<size_t>(p) * oh * ow;
      for (int oy = 0; oy < oh; ++oy) {
        const float *r0 = xs + 2 * oy * in_.w, *r1 = r0 + in_.w;
#pragma omp simd
        for (int ox = 0; ox < ow; ++ox) {
          float m = r0[2 * ox];
          m = r0[2 * ox + 1] > m ? r0[2 * ox + 1] : m;
          m = r1[2 * ox] > m ? r1[2 * ox] : m;
          yo[oy * ow + ox] = r1[2 * ox + 1] > m ? r1[2 * ox + 1] : m;
        }
      }
    });
    return;
  }
  scan(y, x);
}

void MaxPool::scan(Tensor& y, const Tensor& x) {
  argmax_.resize(y.size());
  const int oh = out_.h, ow = out_.w, planes = x.n * in_.c;
  parallel_for(planes, loop_threads(), [&](int p, int) {
    const int i = p / in_.c, c = p % in_.c;
    const float* xs = x.sample(i);
    const int base = c * in_.h * in_.w;
    float* yo = y.data.data() + static_cast<size_t>(p) * oh * ow;
    int* am = argmax_.data() + static_cast<size_t>(p) * oh * ow;
    if (k_ == 2 && s_ == 2) {  // the models' pool2, unrolled: the same scan order, so the same ties win
      for (int oy = 0; oy < oh; ++oy) {
        const int r0 = base + 2 * oy * in_.w, r1 = r0 + in_.w;
        // Selects rather than branches: which input wins is data, and a mispredicted branch per window cost more
        // than the whole generic loop.
#pragma omp simd
        for (int ox = 0; ox < ow; ++ox) {
          const int a = r0 + 2 * ox, b = r1 + 2 * ox;
          float m = xs[a];
          int best = a;
          best = xs[a + 1] > m ? a + 1 : best;
          m = xs[a + 1] > m ? xs[a + 1] : m;
          best = xs[b] > m ? b : best;
          m = xs[b] > m ? xs[b] : m;
          best = xs[b + 1] > m ? b + 1 : best;
          m = xs[b + 1] > m ? xs[b + 1] : m;
          yo[oy * ow + ox] = m;
          am[oy * ow + ox] = best;
        }
      }
      return;
    }
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
  });
}

void MaxPool::backward(Tensor& dx, const Tensor& dy, const Tensor& x, const Tensor& y, bool need_dx) {
  if (!need_dx) return;
  if (!argmax_fresh_) {  // the forward pass read without them: find the winners now (y's values stay as they are)
    Tensor again = y;
    scan(again, x);
    argmax_fresh_ = true;
  }
  dx.resize(x.n, x.shape);
  const int per = out_.size();
  // Windows that tile the input exactly (stride = size, no border dropped) cover every input once: each window's
  // inputs are written outright, the max's gradient and zeros, in one pass instead of a clear and a scatter.
  const bool tiles = k_ == 2 && s_ == 2 && in_.h == 2 * out_.h && in_.w == 2 * out_.w;
  parallel_for(x.n, loop_threads(), [&](int i, int) {
    float* d = dx.sample(i);
    const float* g = dy.sample(i);
    const int* am = argmax_.data() + static_cast<size_t>(i) * per;
    if (tiles) {
      for (int c = 0; c < in_.c; ++c)
        for (int oy = 0; oy < out_.h; ++oy) {
          const int j0 = (c * out_.h + oy) * out_.w, r0 = (c * in_.h + 2 * oy) * in_.w, r1 = r0 + in_.w;
          for (int ox = 0; ox < out_.w; ++ox) {
            const int j = j0 + ox, a = r0 + 2 * ox, b = r1 + 2 * ox;
            d[a] = am[j] == a ? g[j] : 0.f;
            d[a + 1] = am[j] == a + 1 ? g[j] : 0.f;
            d[b] = am[j] == b ? g[j] : 0.f;
            d[b + 1] = am[j] == b + 1 ? g[j] : 0.f;
          }
        }
      return;
    }
    std::fill(d, d + x.features(), 0.f);
    for (int j = 0; j < per; ++j) d[am[j]] += g[j];  // += : overlapping windows (S < K) share inputs
  });
}

}  // namespace scrawl

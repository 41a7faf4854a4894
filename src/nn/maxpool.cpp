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

void MaxPool::forward(Tensor& y, const Tensor& x, const Pass&) {
  if (!(x.shape == in_)) throw std::runtime_error(spec() + ": expected input " + in_.str() + ", got " + x.shape.str());
  y.resize(x.n, out_);
  if (!pool2()) {
    scan(y, x);
    return;
  }
  // The models' pool2 takes the maxima alone, in the scan's order (so the same values, ties included); backward
  // finds each window's winner again from them. Recording the winners here was most of the layer's time: pool2's
  // forward was 15% of a page-sized inference batch in perf (1.8% without) and 11% of a CNN training step.
  const int oh = out_.h, ow = out_.w, planes = x.n * in_.c;
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
  dx.resize(x.n, x.shape);
  if (pool2()) {
    backward_pool2(dx, dy, x, y);
    return;
  }
  const int per = out_.size();
  parallel_for(x.n, loop_threads(), [&](int i, int) {
    float* d = dx.sample(i);
    const float* g = dy.sample(i);
    const int* am = argmax_.data() + static_cast<size_t>(i) * per;
    std::fill(d, d + x.features(), 0.f);
    for (int j = 0; j < per; ++j) d[am[j]] += g[j];  // += : overlapping windows (S < K) share inputs
  });
}

void MaxPool::backward_pool2(Tensor& dx, const Tensor& dy, const Tensor& x, const Tensor& y) const {
  // pool2's windows never overlap, so each window's inputs are written outright, the max's gradient and zeros; only
  // a dropped border (odd sizes) has inputs no window writes, cleared first.
  const bool tiles = in_.h == 2 * out_.h && in_.w == 2 * out_.w;
  parallel_for(x.n, loop_threads(), [&](int i, int) {
    float* d = dx.sample(i);
    const float *g = dy.sample(i), *xs = x.sample(i), *ys = y.sample(i);
    if (!tiles) std::fill(d, d + x.features(), 0.f);
    for (int c = 0; c < in_.c; ++c)
      for (int oy = 0; oy < out_.h; ++oy) {
        const size_t j0 = size_t(c * out_.h + oy) * out_.w, r0 = size_t(c * in_.h + 2 * oy) * in_.w;
        // One window row at a time through pointers that do not alias, so the loop vectorizes (through `d` alone,
        // every store could change the inputs, and each window was read again: 15% of a line-model step).
        const float* __restrict x0 = xs + r0;
        const float* __restrict x1 = x0 + in_.w;
        const float* __restrict max = ys + j0;
        const float* __restrict grad = g + j0;
        float* __restrict d0 = d + r0;
        float* __restrict d1 = d0 + in_.w;
        for (int ox = 0; ox < out_.w; ++ox) {
          // The winner is the first input in scan order equal to the window's maximum: the one forward's strict
          // comparisons kept. (With no input equal, a NaN window, the first: as the scan's starting guess.)
          const float m = max[ox], gj = grad[ox];
          // Bitwise, not short-circuit, logic: selects the compiler turns into vector blends.
          const bool e0 = x0[2 * ox] == m, e1 = x0[2 * ox + 1] == m, e2 = x1[2 * ox] == m, e3 = x1[2 * ox + 1] == m;
          const bool w1 = !e0 & e1, w2 = !e0 & !e1 & e2, w3 = !e0 & !e1 & !e2 & e3;
          d0[2 * ox] = (w1 | w2 | w3) ? 0.f : gj;
          d0[2 * ox + 1] = w1 ? gj : 0.f;
          d1[2 * ox] = w2 ? gj : 0.f;
          d1[2 * ox + 1] = w3 ? gj : 0.f;
        }
      }
  });
}

}  // namespace scrawl

#include "scrawl/nn/temporal_conv.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "scrawl/nn/gemm.h"
#include "scrawl/nn/threads.h"

namespace scrawl {

using MatRM = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MapRM = Eigen::Map<MatRM>;
using CMapRM = Eigen::Map<const MatRM>;

TemporalConv::TemporalConv(int kernel, int outputs) : k_(kernel), out_(outputs) {
  if (k_ <= 0 || k_ % 2 == 0) throw std::runtime_error("tconv: the kernel must be odd and positive (centred)");
  if (out_ <= 0) throw std::runtime_error("tconv: needs a positive number of outputs");
}

Shape TemporalConv::setup(Shape in) {
  if (in.h != 1) throw std::runtime_error("tconv: input must be a sequence (F, 1, T); put 'seq' before it");
  in_ = in.c;
  frames_ = in.w;  // the window buffers are sized by forward: setting up for a probe width costs nothing
  return Shape{out_, 1, frames_};
}

void TemporalConv::bind(float* w, float* dw) {
  const size_t nw = size_t(out_) * size_t(in_) * size_t(k_);
  w_ = w;
  b_ = w + nw;
  dw_ = dw;
  db_ = dw ? dw + nw : nullptr;
}

void TemporalConv::init_params(std::mt19937& rng, Init init) {
  const size_t nw = size_t(out_) * size_t(in_) * size_t(k_);
  std::fill(b_, b_ + out_, 0.f);
  if (init == Init::Zero) {
    std::fill(w_, w_ + nw, 0.f);
    return;
  }
  // Fan-in F*K, fan-out C*K, as for a 2-D convolution.
  const double fan_in = double(in_) * k_, fan_out = double(out_) * k_;
  const double limit = init == Init::He ? std::sqrt(6.0 / fan_in) : std::sqrt(6.0 / (fan_in + fan_out));
  std::uniform_real_distribution<float> d(float(-limit), float(limit));
  for (size_t i = 0; i < nw; ++i) w_[i] = d(rng);
}

void TemporalConv::windows(float* col, const float* x, int valid) const {
  const int pad = k_ / 2, T = frames_;
  for (int f = 0; f < in_; ++f)
    for (int j = 0; j < k_; ++j) {
      float* row = col + (size_t(f) * size_t(k_) + size_t(j)) * size_t(T);
      // Frame t reads frame t + j - pad: inside [lo, hi), zero outside (the borders and the padded frames).
      const int lo = std::clamp(pad - j, 0, valid), hi = std::clamp(valid + pad - j, lo, valid);
      std::fill(row, row + lo, 0.f);
      if (hi > lo)
        std::copy(x + size_t(f) * size_t(T) + size_t(lo + j - pad), x + size_t(f) * size_t(T) + size_t(hi + j - pad),
                  row + lo);
      std::fill(row + hi, row + T, 0.f);
    }
}

int TemporalConv::ensure_scratch(int samples, bool backward) {
  const int threads = std::max(1, std::min(loop_threads(), samples));
  if (int(scratch_.size()) < threads) scratch_.resize(size_t(threads));
  const size_t rows = size_t(in_) * size_t(k_), T = size_t(frames_);
  for (int t = 0; t < threads; ++t) {
    Scratch& s = scratch_[size_t(t)];
    s.col.resize(rows * T);
    if (!backward) continue;  // reading lines needs only the windows
    s.dcol.resize(rows * T);
    s.dy.resize(size_t(out_) * T);
    s.dy_tr.resize(T * size_t(out_));
    s.dw_tr.resize(rows * size_t(out_));
    s.db.resize(size_t(out_));
  }
  return threads;
}

void TemporalConv::forward(Tensor& y, const Tensor& x, const Pass& pass) {
  y.resize(x.n, Shape{out_, 1, frames_});
  valid_.assign(size_t(x.n), frames_);
  if (pass.frames) {
    if (int(pass.frames->size()) != x.n) throw std::runtime_error("tconv: one frame count per sample needed");
    for (int i = 0; i < x.n; ++i) valid_[size_t(i)] = std::clamp((*pass.frames)[size_t(i)], 0, frames_);
  }
  const int threads = ensure_scratch(x.n, false), rows = in_ * k_;
  // One sample per product, samples spread over threads (a product inside the region runs on its thread), as in
  // Conv2D: the windows, transposes and scatters of a line are as much work as its products.
  parallel_for(x.n, threads, [&](int i, int thread) {
    float* col = scratch_[size_t(thread)].col.data();
    windows(col, x.sample(i), valid_[size_t(i)]);
    MapRM Y(y.sample(i), out_, frames_);
    gemm(false, false, out_, frames_, rows, w_, rows, col, frames_, 0.f, y.sample(i), frames_);  // W col
    for (int o = 0; o < out_; ++o)
      for (int t = 0; t < frames_; ++t) Y(o, t) = t < valid_[size_t(i)] ? Y(o, t) + b_[o] : 0.f;
  });
}

void TemporalConv::backward(Tensor& dx, const Tensor& dy, const Tensor& x, const Tensor& /*y*/, bool need_dx) {
  if (need_dx) dx.resize(x.n, x.shape);
  const int pad = k_ / 2, T = frames_, rows = in_ * k_;
  const int threads = ensure_scratch(x.n, true);
  int team = 1;  // the threads that ran: the runtime may give fewer than asked (OMP_DYNAMIC, a thread limit)
  run_team(threads, [&](int thread, int team_size) {
    Scratch& s = scratch_[size_t(thread)];
    if (thread == 0) team = team_size;
    std::fill(s.dw_tr.begin(), s.dw_tr.end(), 0.f);
    std::fill(s.db.begin(), s.db.end(), 0.f);
    const auto [begin, end] = static_share(x.n, thread, team_size);
    for (int i = begin; i < end; ++i) {
      const int valid = valid_[size_t(i)];
      MapRM dY(s.dy.data(), out_, T);
      dY = CMapRM(dy.sample(i), out_, T);
      dY.rightCols(T - valid).setZero();  // padded frames were written as constants
      for (int o = 0; o < out_; ++o) s.db[size_t(o)] += dY.row(o).sum();
      windows(s.col.data(), x.sample(i), valid);
      // The weight gradient is summed transposed, dW^T += col dY^T, so that both operands are untransposed and the
      // product runs in a generated kernel (dW += dY col^T takes col transposed, which only Eigen runs).
      transpose(out_, T, s.dy.data(), T, s.dy_tr.data(), out_);
      gemm(false, false, rows, out_, T, s.col.data(), T, s.dy_tr.data(), out_, 1.f, s.dw_tr.data(), out_);
      if (!need_dx) continue;
      gemm(true, false, rows, T, out_, w_, rows, s.dy.data(), T, 0.f, s.dcol.data(), T);  // W^T dY
      float* g = dx.sample(i);
      std::fill(g, g + dx.features(), 0.f);
      for (int f = 0; f < in_; ++f)
        for (int j = 0; j < k_; ++j) {
          const float* row = s.dcol.data() + (size_t(f) * size_t(k_) + size_t(j)) * size_t(T);
          const int lo = std::clamp(pad - j, 0, valid), hi = std::clamp(valid + pad - j, lo, valid);  // as windows()
          float* gf = g + size_t(f) * size_t(T);
#pragma omp simd
          for (int t = lo; t < hi; ++t) gf[t + j - pad] += row[t];
        }
    }
  });
  // The threads' sums in thread order (the same result on every run with this many threads), then transposed back.
  Scratch& first = scratch_[0];
  for (int t = 1; t < team; ++t) {
    const Scratch& s = scratch_[size_t(t)];
    for (size_t j = 0; j < first.dw_tr.size(); ++j) first.dw_tr[j] += s.dw_tr[j];
    for (size_t o = 0; o < first.db.size(); ++o) first.db[o] += s.db[o];
  }
  dw_sum_.resize(first.dw_tr.size());
  transpose(rows, out_, first.dw_tr.data(), out_, dw_sum_.data(), rows);
  const size_t nw = dw_sum_.size();
  for (size_t j = 0; j < nw; ++j) dw_[j] += dw_sum_[j];
  for (int o = 0; o < out_; ++o) db_[o] += first.db[size_t(o)];
}

void ToSequence::forward(Tensor& y, const Tensor& x, const Pass& /*pass*/) {
  y.n = x.n;
  y.shape = Shape{x.shape.c * x.shape.h, 1, x.shape.w};
  y.data = x.data;
}

void ToSequence::backward(Tensor& dx, const Tensor& dy, const Tensor& x, const Tensor& /*y*/, bool need_dx) {
  if (!need_dx) return;
  dx.n = dy.n;
  dx.shape = x.shape;
  dx.data = dy.data;
}

}  // namespace scrawl

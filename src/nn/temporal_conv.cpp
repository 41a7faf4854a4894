#include "scrawl/nn/temporal_conv.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "scrawl/nn/gemm.h"

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
  db_ = dw + nw;
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

void TemporalConv::windows(const float* x, int valid) {
  const int pad = k_ / 2, T = frames_;
  for (int f = 0; f < in_; ++f)
    for (int j = 0; j < k_; ++j) {
      float* row = col_.data() + (size_t(f) * size_t(k_) + size_t(j)) * size_t(T);
      // Frame t reads frame t + j - pad: inside [lo, hi), zero outside (the borders and the padded frames).
      const int lo = std::clamp(pad - j, 0, valid), hi = std::clamp(valid + pad - j, lo, valid);
      std::fill(row, row + lo, 0.f);
      std::copy(x + size_t(f) * size_t(T) + size_t(lo + j - pad), x + size_t(f) * size_t(T) + size_t(hi + j - pad),
                row + lo);
      std::fill(row + hi, row + T, 0.f);
    }
}

void TemporalConv::forward(Tensor& y, const Tensor& x, const Pass& pass) {
  y.resize(x.n, Shape{out_, 1, frames_});
  valid_.assign(size_t(x.n), frames_);
  if (pass.frames) {
    if (int(pass.frames->size()) != x.n) throw std::runtime_error("tconv: one frame count per sample needed");
    for (int i = 0; i < x.n; ++i) valid_[size_t(i)] = std::clamp((*pass.frames)[size_t(i)], 0, frames_);
  }
  col_.resize(size_t(in_) * size_t(k_) * size_t(frames_));
  dcol_.resize(col_.size());
  const int rows = in_ * k_;
  for (int i = 0; i < x.n; ++i) {
    windows(x.sample(i), valid_[size_t(i)]);
    MapRM Y(y.sample(i), out_, frames_);
    gemm(false, false, out_, frames_, rows, w_, rows, col_.data(), frames_, 0.f, y.sample(i), frames_);  // W col
    for (int o = 0; o < out_; ++o)
      for (int t = 0; t < frames_; ++t) Y(o, t) = t < valid_[size_t(i)] ? Y(o, t) + b_[o] : 0.f;
  }
}

void TemporalConv::backward(Tensor& dx, const Tensor& dy, const Tensor& x, const Tensor& /*y*/, bool need_dx) {
  if (need_dx) {
    dx.resize(x.n, x.shape);
    dx.fill(0.f);
  }
  const int pad = k_ / 2, T = frames_, rows = in_ * k_;
  MatRM dY(out_, T);
  // The weight gradient is summed transposed, dW^T += col dY^T, so that both operands are untransposed and the
  // product runs in a generated kernel (dW += dY col^T takes col transposed, which only Eigen runs).
  dy_tr_.resize(size_t(T) * size_t(out_));
  dw_tr_.assign(size_t(rows) * size_t(out_), 0.f);
  for (int i = 0; i < x.n; ++i) {
    const int valid = valid_[size_t(i)];
    dY = CMapRM(dy.sample(i), out_, T);
    dY.rightCols(T - valid).setZero();  // padded frames were written as constants
    for (int o = 0; o < out_; ++o) db_[o] += dY.row(o).sum();
    windows(x.sample(i), valid);
    transpose(out_, T, dY.data(), T, dy_tr_.data(), out_);
    gemm(false, false, rows, out_, T, col_.data(), T, dy_tr_.data(), out_, 1.f, dw_tr_.data(), out_);
    if (!need_dx) continue;
    gemm(true, false, rows, T, out_, w_, rows, dY.data(), T, 0.f, dcol_.data(), T);  // W^T dY
    float* g = dx.sample(i);
    for (int f = 0; f < in_; ++f)
      for (int j = 0; j < k_; ++j) {
        const float* row = dcol_.data() + (size_t(f) * size_t(k_) + size_t(j)) * size_t(T);
        const int lo = std::clamp(pad - j, 0, valid), hi = std::clamp(valid + pad - j, lo, valid);  // as windows()
        float* gf = g + size_t(f) * size_t(T);
#pragma omp simd
        for (int t = lo; t < hi; ++t) gf[t + j - pad] += row[t];
      }
  }
  MapRM(dw_, out_, rows) += CMapRM(dw_tr_.data(), rows, out_).transpose();
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

#include "scrawl/nn/lstm.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace scrawl {

namespace {
using MatRM = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using CMapRM = Eigen::Map<const MatRM>;
using MapRM = Eigen::Map<MatRM>;
using CVec = Eigen::Map<const Eigen::VectorXf>;
using Vec = Eigen::Map<Eigen::VectorXf>;
}  // namespace

BiLstm::BiLstm(int hidden) : h_(hidden) {
  if (h_ <= 0) throw std::runtime_error("blstm: needs a positive number of hidden units");
}

Shape BiLstm::setup(Shape in) {
  if (in.h != 1) throw std::runtime_error("blstm: input must be a sequence (F, 1, T); put 'seq' before it");
  in_ = in.c;
  frames_ = in.w;
  return Shape{2 * h_, 1, frames_};
}

void BiLstm::bind(float* w, float* dw) {
  w_ = w;
  dw_ = dw;
}

void BiLstm::init_params(std::mt19937& rng, Init init) {
  for (int d = 0; d < 2; ++d) {
    float* p = w_ + size_t(d) * direction_params();
    const size_t nw = size_t(4 * h_) * size_t(in_), nu = size_t(4 * h_) * size_t(h_);
    float* b = p + nw + nu;
    std::fill(b, b + 4 * h_, 0.f);
    std::fill(b + h_, b + 2 * h_, 1.f);  // the forget gate's bias
    if (init == Init::Zero) {
      std::fill(p, p + nw + nu, 0.f);
      continue;
    }
    // Each gate a layer of its own: fan-in F (W) or H (U), fan-out H.
    const double lw = std::sqrt(6.0 / (in_ + h_)), lu = std::sqrt(6.0 / (2.0 * h_));
    std::uniform_real_distribution<float> dw(float(-lw), float(lw)), du(float(-lu), float(lu));
    for (size_t i = 0; i < nw; ++i) p[i] = dw(rng);
    for (size_t i = 0; i < nu; ++i) p[nw + i] = du(rng);
  }
}

int BiLstm::source_frame(int t, int i, bool reverse) const {
  const int valid = valid_[size_t(i)];
  if (t >= valid) return -1;
  return reverse ? valid - 1 - t : t;
}

void BiLstm::gather(Run& run, const Tensor& x, bool reverse) const {
  run.x.setZero(in_, frames_ * n_);
  for (int t = 0; t < frames_; ++t)
    for (int i = 0; i < n_; ++i) {
      const int s = source_frame(t, i, reverse);
      if (s < 0) continue;
      const float* xi = x.sample(i);
      float* col = run.x.col(t * n_ + i).data();
      for (int f = 0; f < in_; ++f) col[f] = xi[size_t(f) * size_t(frames_) + size_t(s)];
    }
}

void BiLstm::run_forward(Run& run, int dir) const {
  const float* p = w_ + size_t(dir) * direction_params();
  const int H = h_, G = 4 * h_, N = n_;
  const CMapRM W(p, G, in_), U(p + size_t(G) * in_, G, H);
  const CVec b(p + size_t(G) * (in_ + H), G);
  run.gates.noalias() = W * run.x;
  run.gates.colwise() += b;
  run.c.setZero(H, frames_ * N);
  run.h.setZero(H, frames_ * N);
  const bool reverse = dir == 1;
  for (int t = 0; t < frames_; ++t) {
    auto a = run.gates.middleCols(t * N, N);
    if (t > 0) a.noalias() += U * run.h.middleCols((t - 1) * N, N);
    auto ifo = a.array();
    ifo.topRows(2 * H) = 1.f / (1.f + (-ifo.topRows(2 * H)).exp());
    ifo.middleRows(2 * H, H) = ifo.middleRows(2 * H, H).tanh();
    ifo.bottomRows(H) = 1.f / (1.f + (-ifo.bottomRows(H)).exp());
    auto c = run.c.middleCols(t * N, N).array();
    c = ifo.topRows(H) * ifo.middleRows(2 * H, H);
    if (t > 0) c += ifo.middleRows(H, H) * run.c.middleCols((t - 1) * N, N).array();
    run.h.middleCols(t * N, N).array() = ifo.bottomRows(H) * c.tanh();
    for (int i = 0; i < N; ++i)
      if (source_frame(t, i, reverse) < 0) {  // past the sample's last real frame: no state, no output
        run.c.col(t * N + i).setZero();
        run.h.col(t * N + i).setZero();
      }
  }
}

void BiLstm::forward(Tensor& y, const Tensor& x, const Pass& pass) {
  n_ = x.n;
  valid_.assign(size_t(n_), frames_);
  if (pass.frames) {
    if (int(pass.frames->size()) != n_) throw std::runtime_error("blstm: one frame count per sample needed");
    for (int i = 0; i < n_; ++i) valid_[size_t(i)] = std::clamp((*pass.frames)[size_t(i)], 0, frames_);
  }
  y.resize(n_, Shape{2 * h_, 1, frames_});
  y.fill(0.f);
  for (int d = 0; d < 2; ++d) {
    Run& run = runs_[d];
    gather(run, x, d == 1);
    run_forward(run, d);
    for (int t = 0; t < frames_; ++t)
      for (int i = 0; i < n_; ++i) {
        const int s = source_frame(t, i, d == 1);
        if (s < 0) continue;
        float* yi = y.sample(i) + size_t(d) * size_t(h_) * size_t(frames_);
        const float* h = run.h.col(t * n_ + i).data();
        for (int k = 0; k < h_; ++k) yi[size_t(k) * size_t(frames_) + size_t(s)] = h[k];
      }
  }
}

void BiLstm::run_backward(const Run& run, int dir, const Mat& dh, Mat& dx_cols) {
  const size_t off = size_t(dir) * direction_params();
  const int H = h_, G = 4 * h_, N = n_;
  const CMapRM W(w_ + off, G, in_), U(w_ + off + size_t(G) * in_, G, H);
  MapRM dW(dw_ + off, G, in_), dU(dw_ + off + size_t(G) * in_, G, H);
  Vec db(dw_ + off + size_t(G) * (in_ + H), G);
  const bool reverse = dir == 1;
  Mat da(G, frames_ * N);  // dL/da for every column
  Mat dh_next = Mat::Zero(H, N), dc_next = Mat::Zero(H, N), dh_t(H, N), dc(H, N);
  for (int t = frames_ - 1; t >= 0; --t) {
    dh_t = dh.middleCols(t * N, N) + dh_next;
    const auto gates = run.gates.middleCols(t * N, N).array();
    const auto i = gates.topRows(H), f = gates.middleRows(H, H), g = gates.middleRows(2 * H, H),
               o = gates.bottomRows(H);
    const Eigen::ArrayXXf tc = run.c.middleCols(t * N, N).array().tanh();
    dc = (dh_t.array() * o * (1.f - tc.square()) + dc_next.array()).matrix();
    auto a = da.middleCols(t * N, N).array();
    a.topRows(H) = dc.array() * g * i * (1.f - i);
    if (t > 0)
      a.middleRows(H, H) = dc.array() * run.c.middleCols((t - 1) * N, N).array() * f * (1.f - f);
    else
      a.middleRows(H, H).setZero();
    a.middleRows(2 * H, H) = dc.array() * i * (1.f - g.square());
    a.bottomRows(H) = dh_t.array() * tc * o * (1.f - o);
    for (int s = 0; s < N; ++s)
      if (source_frame(t, s, reverse) < 0) {
        da.col(t * N + s).setZero();
        dc.col(s).setZero();
      }
    dc_next = (dc.array() * f).matrix();
    if (t > 0) {
      dh_next.noalias() = U.transpose() * da.middleCols(t * N, N);
      dU.noalias() += da.middleCols(t * N, N) * run.h.middleCols((t - 1) * N, N).transpose();
    }
  }
  dW.noalias() += da * run.x.transpose();
  db += da.rowwise().sum();
  dx_cols.noalias() = W.transpose() * da;
}

void BiLstm::backward(Tensor& dx, const Tensor& dy, const Tensor& x, const Tensor& /*y*/, bool need_dx) {
  if (need_dx) {
    dx.resize(x.n, x.shape);
    dx.fill(0.f);
  }
  Mat dh(h_, frames_ * n_), dx_cols;
  for (int d = 0; d < 2; ++d) {
    // dL/dh of this direction, in its own frame order (padding zero: it was written as a constant).
    dh.setZero();
    for (int t = 0; t < frames_; ++t)
      for (int i = 0; i < n_; ++i) {
        const int s = source_frame(t, i, d == 1);
        if (s < 0) continue;
        const float* dyi = dy.sample(i) + size_t(d) * size_t(h_) * size_t(frames_);
        float* col = dh.col(t * n_ + i).data();
        for (int k = 0; k < h_; ++k) col[k] = dyi[size_t(k) * size_t(frames_) + size_t(s)];
      }
    run_backward(runs_[d], d, dh, dx_cols);
    if (!need_dx) continue;
    for (int t = 0; t < frames_; ++t)
      for (int i = 0; i < n_; ++i) {
        const int s = source_frame(t, i, d == 1);
        if (s < 0) continue;
        float* dxi = dx.sample(i);
        const float* col = dx_cols.col(t * n_ + i).data();
        for (int f = 0; f < in_; ++f) dxi[size_t(f) * size_t(frames_) + size_t(s)] += col[f];
      }
  }
}

}  // namespace scrawl

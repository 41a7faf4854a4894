#include "scrawl/nn/conv2d.h"

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

namespace {
bool g_winograd = true;
}  // namespace

void set_winograd(bool on) {
  g_winograd = on;
}

Conv2D::Conv2D(int k, int out_channels, int stride, int pad) : oc_(out_channels) {
  if (k <= 0 || out_channels <= 0 || stride <= 0)
    throw std::runtime_error("conv layer needs positive kernel size, channels and stride");
  g_.k = k;
  g_.stride = stride;
  g_.pad = pad < 0 ? k / 2 : pad;
}

std::string Conv2D::spec() const {
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "s" + std::to_string(...).
  std::string s = "conv" + std::to_string(g_.k) + "x" + std::to_string(g_.k) + "x" + std::to_string(oc_);
  if (g_.stride != 1) s.append("s").append(std::to_string(g_.stride));
  if (g_.pad != g_.k / 2) s.append("p").append(std::to_string(g_.pad));
  return s;
}

Shape Conv2D::setup(Shape in) {
  g_.c = in.c;
  g_.h = in.h;
  g_.w = in.w;
  if (g_.h + 2 * g_.pad < g_.k || g_.w + 2 * g_.pad < g_.k)
    throw std::runtime_error(spec() + ": input " + in.str() + " is smaller than the kernel");
  in_shape_ = in;
  out_shape_ = Shape{oc_, g_.out_h(), g_.out_w()};
  wino_.reset(g_winograd && winograd_suits(g_, oc_) ? new WinogradConv(g_, oc_) : nullptr);
  return out_shape_;
}

void Conv2D::bind(float* w, float* dw) {
  const size_t nw = static_cast<size_t>(oc_) * g_.rows();
  w_ = w;
  b_ = w + nw;
  dw_ = dw;
  db_ = dw ? dw + nw : nullptr;
}

void Conv2D::init_params(std::mt19937& rng, Init init) {
  const size_t nw = static_cast<size_t>(oc_) * g_.rows();
  const float fan_in = static_cast<float>(g_.rows()), fan_out = static_cast<float>(oc_ * g_.k * g_.k);
  // Same uniform limits as Dense: Xavier sqrt(6/(in+out)), He sqrt(6/in).
  const float limit = init == Init::He ? std::sqrt(6.f / fan_in) : std::sqrt(6.f / (fan_in + fan_out));
  std::uniform_real_distribution<float> u(-limit, limit);
  for (size_t i = 0; i < nw; ++i) w_[i] = init == Init::Zero ? 0.f : u(rng);
  std::fill(b_, b_ + oc_, 0.f);
}

void Conv2D::ensure_scratch(int threads) {
  const size_t ncol = static_cast<size_t>(g_.rows()) * g_.cols();
  if (static_cast<int>(col_.size()) < threads) {
    col_.resize(threads);
    dcol_.resize(threads);
    dw_t_.resize(threads);
    dy_tr_.resize(threads);
    dw_tr_.resize(threads);
  }
  for (int t = 0; t < threads; ++t) {
    col_[t].resize(ncol);
    dw_t_[t].resize(param_count());
    dy_tr_[t].resize(static_cast<size_t>(g_.cols()) * oc_);
    dw_tr_[t].resize(static_cast<size_t>(g_.rows()) * oc_);
  }
}

void Conv2D::forward(Tensor& y, const Tensor& x, const Pass&) {
  if (!(x.shape == in_shape_))
    throw std::runtime_error(spec() + ": expected input " + in_shape_.str() + ", got " + x.shape.str());
  if (wino_) {
    wino_->forward(y, x, w_, b_, loop_threads());
    return;
  }
  y.resize(x.n, out_shape_);
  const int threads = std::max(1, std::min(loop_threads(), x.n));
  ensure_scratch(threads);
  const int rows = g_.rows(), cols = g_.cols();
  Eigen::Map<const Eigen::VectorXf> B(b_, oc_);
  // One sample per product, samples spread over threads (a product inside the region runs on its thread).
  parallel_for(x.n, threads, [&](int i, int t) {
    float* col = col_[t].data();
    im2col(col, x.sample(i), g_);
    gemm(false, false, oc_, cols, rows, w_, rows, col, cols, 0.f, y.sample(i), cols);  // Y (OC, OH*OW) = W col
    MapRM(y.sample(i), oc_, cols).colwise() += B;
  });
}

void Conv2D::backward(Tensor& dx, const Tensor& dy, const Tensor& x, const Tensor&, bool need_dx) {
  if (wino_) {
    wino_->backward(dx, dy, x, w_, dw_, db_, need_dx, loop_threads());
    return;
  }
  const int threads = std::max(1, std::min(loop_threads(), x.n));
  ensure_scratch(threads);
  const int rows = g_.rows(), cols = g_.cols();
  const size_t nw = static_cast<size_t>(oc_) * rows;
  if (need_dx) {
    dx.resize(x.n, x.shape);
    for (int t = 0; t < threads; ++t) dcol_[t].resize(static_cast<size_t>(rows) * cols);
  }
  // The weight gradient in Eigen straight from dY where the kernel has fewer taps than outputs (a first layer: 9 or
  // 25 taps, 32 outputs): there transposing dY for a generated kernel cost 2.5-4x Eigen's product with col
  // transposed (0.93 against 0.36 ms a line-model sample, 0.054 against 0.028 ms a CNN glyph; session 17, Zen 3).
  // With more taps than outputs the two measured alike or the generated kernel ahead.
  const bool dw_in_eigen = rows <= oc_;
  int team = 1;  // the threads that ran: the runtime may give fewer than asked (OMP_DYNAMIC, a thread limit)
  run_team(threads, [&](int t, int team_size) {
    if (t == 0) team = team_size;
    std::vector<float>& part = dw_t_[t];
    // The bias sums, and the weights' when they are summed here (otherwise overwritten below).
    std::fill(part.begin() + (dw_in_eigen ? 0 : nw), part.end(), 0.f);
    std::fill(dw_tr_[t].begin(), dw_tr_[t].end(), 0.f);
    Eigen::Map<Eigen::VectorXf> dB(part.data() + nw, oc_);
    float* col = col_[t].data();
    const auto [begin, end] = static_share(x.n, t, team_size);
    for (int i = begin; i < end; ++i) {
      // Columns are recomputed rather than cached for the whole batch: cheap next to the GEMMs, far less memory.
      im2col(col, x.sample(i), g_);
      CMapRM dY(dy.sample(i), oc_, cols);  // (OC, OH*OW)
      if (dw_in_eigen) {
        gemm(false, true, oc_, rows, cols, dy.sample(i), cols, col, cols, 1.f, part.data(), rows);  // dW += dY col^T
      } else {
        // dW^T += col dY^T: both operands untransposed, so the product runs in a generated kernel; dY^T is the
        // small one to transpose.
        transpose(oc_, cols, dy.sample(i), cols, dy_tr_[t].data(), oc_);
        gemm(false, false, rows, oc_, cols, col, cols, dy_tr_[t].data(), oc_, 1.f, dw_tr_[t].data(), oc_);
      }
      dB += dY.rowwise().sum();
      if (need_dx) {
        gemm(true, false, rows, cols, oc_, w_, rows, dy.sample(i), cols, 0.f, dcol_[t].data(), cols);  // W^T dY
        float* dxi = dx.sample(i);
        std::fill(dxi, dxi + x.features(), 0.f);
        col2im_add(dxi, dcol_[t].data(), g_);
      }
    }
    if (!dw_in_eigen) transpose(rows, oc_, dw_tr_[t].data(), oc_, part.data(), rows);
  });
  // Fixed-order reduction keeps results identical run to run for a given thread count.
  const size_t np = param_count();
  for (int t = 0; t < team; ++t) {
    const float* part = dw_t_[t].data();
    for (size_t j = 0; j < np; ++j) dw_[j] += part[j];
  }
}

}  // namespace scrawl

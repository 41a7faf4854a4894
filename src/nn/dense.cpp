#include "scrawl/nn/dense.h"

#include <Eigen/Core>
#include <cmath>
#include <stdexcept>

#include "scrawl/nn/gemm.h"

namespace scrawl {

using MatRM = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MapRM = Eigen::Map<MatRM>;
using CMapRM = Eigen::Map<const MatRM>;

Shape Dense::setup(Shape in) {
  in_shape_ = in;
  in_ = in.size();
  if (out_ <= 0) throw std::runtime_error("fc layer needs a positive size, got " + std::to_string(out_));
  return Shape{out_, 1, 1};
}

void Dense::bind(float* w, float* dw) {
  w_ = w;
  b_ = w + static_cast<size_t>(in_) * out_;
  dw_ = dw;
  db_ = dw ? dw + static_cast<size_t>(in_) * out_ : nullptr;
}

void Dense::init_params(std::mt19937& rng, Init init) {
  const size_t nw = static_cast<size_t>(in_) * out_;
  float limit = 0.f;
  // Xavier uniform: Var[w] = 2/(n_in+n_out) -> U(-a, a) with a = sqrt(6/(n_in+n_out)).
  // He uniform: Var[w] = 2/n_in -> a = sqrt(6/n_in).
  if (init == Init::Xavier) limit = std::sqrt(6.f / static_cast<float>(in_ + out_));
  if (init == Init::He) limit = std::sqrt(6.f / static_cast<float>(in_));
  std::uniform_real_distribution<float> u(-limit, limit);
  for (size_t i = 0; i < nw; ++i) w_[i] = init == Init::Zero ? 0.f : u(rng);
  for (int j = 0; j < out_; ++j) b_[j] = 0.f;
}

void Dense::forward(Tensor& y, const Tensor& x, const Pass&) {
  if (x.features() != in_)
    throw std::runtime_error("fc: expected " + std::to_string(in_) + " inputs, got " + std::to_string(x.features()));
  y.resize(x.n, Shape{out_, 1, 1});
  Eigen::Map<const Eigen::RowVectorXf> B(b_, out_);
  MapRM Y(y.data.data(), x.n, out_);
  gemm(false, false, x.n, out_, in_, x.data.data(), in_, w_, out_, 0.f, y.data.data(), out_);
  Y.rowwise() += B;
}

void Dense::backward(Tensor& dx, const Tensor& dy, const Tensor& x, const Tensor&, bool need_dx) {
  CMapRM dY(dy.data.data(), dy.n, out_);
  Eigen::Map<Eigen::RowVectorXf> dB(db_, out_);
  gemm(true, false, in_, out_, x.n, x.data.data(), in_, dy.data.data(), out_, 1.f, dw_, out_);  // dW += X^T dY
  dB += dY.colwise().sum();
  if (need_dx) {
    dx.resize(x.n, x.shape);
    gemm(false, true, x.n, in_, out_, dy.data.data(), out_, w_, out_, 0.f, dx.data.data(), in_);  // dX = dY W^T
  }
}

}  // namespace scrawl

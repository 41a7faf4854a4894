#include "scrawl/nn/dense.h"

#include <omp.h>

#include <Eigen/Core>
#include <cmath>
#include <stdexcept>

namespace scrawl {

using MatRM = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MapRM = Eigen::Map<MatRM>;
using CMapRM = Eigen::Map<const MatRM>;

namespace {

// Eigen splits any GEMM of more than ~100k multiply-adds over its OpenMP threads. The MLP's batch-32 products
// (1.6M multiply-adds, ~25 us) gain little from that, and each split costs a fork/join whose barrier stalls
// whenever another process holds a core: BM_MlpEpoch/threads:2 ran 17x slower than threads:1 on the shared
// 2-core machine (BENCHMARKS.md). Products below this size run on the calling thread, exactly as with
// --threads 1 (Eigen may pick a different depth blocking when it splits, so results can differ from a split
// product in the last bits; small products now no longer depend on the thread count).
constexpr double kParallelGemmMacs = 1 << 22;

// Limits Eigen to one thread for its lifetime when the product is small. Inside an OpenMP region Eigen is
// already serial and the global thread setting is left alone (no writes from concurrent threads).
class SerialGemmScope {
 public:
  explicit SerialGemmScope(double macs) {
    if (macs >= kParallelGemmMacs || omp_in_parallel()) return;
    saved_ = Eigen::nbThreads();
    if (saved_ > 1) Eigen::setNbThreads(1);
  }
  ~SerialGemmScope() {
    // 0 = "follow omp_get_max_threads()", Eigen's default, when that is what nbThreads() reported.
    if (saved_ > 1) Eigen::setNbThreads(saved_ == omp_get_max_threads() ? 0 : saved_);
  }
  SerialGemmScope(const SerialGemmScope&) = delete;
  SerialGemmScope& operator=(const SerialGemmScope&) = delete;

 private:
  int saved_ = 0;
};

}  // namespace

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
  db_ = dw + static_cast<size_t>(in_) * out_;
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
  CMapRM X(x.data.data(), x.n, in_);
  CMapRM W(w_, in_, out_);
  Eigen::Map<const Eigen::RowVectorXf> B(b_, out_);
  MapRM Y(y.data.data(), x.n, out_);
  SerialGemmScope serial(static_cast<double>(x.n) * in_ * out_);
  Y.noalias() = X * W;
  Y.rowwise() += B;
}

void Dense::backward(Tensor& dx, const Tensor& dy, const Tensor& x, const Tensor&, bool need_dx) {
  CMapRM X(x.data.data(), x.n, in_);
  CMapRM dY(dy.data.data(), dy.n, out_);
  MapRM dW(dw_, in_, out_);
  Eigen::Map<Eigen::RowVectorXf> dB(db_, out_);
  SerialGemmScope serial(static_cast<double>(x.n) * in_ * out_);  // both products below have this size
  dW.noalias() += X.transpose() * dY;
  dB += dY.colwise().sum();
  if (need_dx) {
    dx.resize(x.n, x.shape);
    CMapRM W(w_, in_, out_);
    MapRM dX(dx.data.data(), x.n, in_);
    dX.noalias() = dY * W.transpose();
  }
}

}  // namespace scrawl

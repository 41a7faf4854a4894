#include "scrawl/nn/dropout.h"

#include <stdexcept>

namespace scrawl {

Dropout::Dropout(float p, std::string token) : p_(p), token_(std::move(token)) {
  if (!(p >= 0.f && p < 1.f)) throw std::runtime_error("dropout rate must be in [0, 1), got " + std::to_string(p));
  if (token_.empty()) token_ = "dropout" + std::to_string(p);
}

void Dropout::forward(Tensor& y, const Tensor& x, const Pass& pass) {
  y.resize(x.n, x.shape);
  masked_ = pass.training && p_ > 0.f;
  if (!masked_) {
    y.data = x.data;
    return;
  }
  if (!pass.rng) throw std::runtime_error(token_ + ": training pass without a random generator");
  mask_.resize(x.size());
  const float keep = 1.f / (1.f - p_);
  // Threshold on raw 32-bit draws: one rng call per value, same sequence on every platform.
  const uint64_t cut = static_cast<uint64_t>(static_cast<double>(p_) * 4294967296.0);
  std::mt19937& rng = *pass.rng;
  // A share of a batch split across ranks draws the whole batch's masks and keeps its own rows' (BatchRows).
  const size_t per_row = x.n ? x.size() / size_t(x.n) : 0;
  const bool share = pass.rows.total > 0;
  if (share) rng.discard(per_row * size_t(pass.rows.first));
  for (size_t i = 0; i < x.size(); ++i) mask_[i] = rng() < cut ? 0.f : keep;
  if (share) rng.discard(per_row * size_t(pass.rows.total - pass.rows.first - x.n));
  for (size_t i = 0; i < x.size(); ++i) y.data[i] = x.data[i] * mask_[i];
}

void Dropout::backward(Tensor& dx, const Tensor& dy, const Tensor& x, const Tensor&, bool need_dx) {
  if (!need_dx) return;
  dx.resize(x.n, x.shape);
  if (!masked_) {
    dx.data = dy.data;
    return;
  }
  for (size_t i = 0; i < x.size(); ++i) dx.data[i] = dy.data[i] * mask_[i];
}

}  // namespace scrawl

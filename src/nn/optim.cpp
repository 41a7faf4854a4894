#include "scrawl/nn/optim.h"

#include <cmath>
#include <stdexcept>

namespace scrawl {

void Sgd::step(float* w, const float* g, size_t n) {
  const float l = lr, d = weight_decay;
#pragma omp simd
  for (size_t i = 0; i < n; ++i) w[i] -= l * (g[i] + d * w[i]);
}

void Momentum::step(float* w, const float* g, size_t n) {
  if (velocity.size() != n) velocity.assign(n, 0.f);
  float* M = velocity.data();
  const float l = lr, d = weight_decay, mu_ = mu;
#pragma omp simd
  for (size_t i = 0; i < n; ++i) {
    M[i] = mu_ * M[i] - l * (g[i] + d * w[i]);
    w[i] += M[i];
  }
}

void Adam::step(float* w, const float* g, size_t n) {
  if (m.size() != n) {
    m.assign(n, 0.f);
    v.assign(n, 0.f);
    t = 0;
  }
  ++t;
  const float b1 = beta1, b2 = beta2, d = weight_decay, e = eps;
  const float c1 = 1.f / (1.f - std::pow(b1, static_cast<float>(t)));
  const float c2 = 1.f / (1.f - std::pow(b2, static_cast<float>(t)));
  const float l = lr;
  float* M = m.data();
  float* V = v.data();
#pragma omp simd
  for (size_t i = 0; i < n; ++i) {
    const float gi = g[i] + d * w[i];
    M[i] = b1 * M[i] + (1.f - b1) * gi;
    V[i] = b2 * V[i] + (1.f - b2) * gi * gi;
    w[i] -= l * (M[i] * c1) / (std::sqrt(V[i] * c2) + e);
  }
}

std::vector<float> Adam::state() const {
  std::vector<float> s(m);
  s.insert(s.end(), v.begin(), v.end());
  s.push_back(static_cast<float>(t));  // exact for t < 2^24 steps
  return s;
}

void Adam::set_state(const std::vector<float>& s) {
  if (s.empty()) return;
  const size_t n = (s.size() - 1) / 2;
  m.assign(s.begin(), s.begin() + n);
  v.assign(s.begin() + n, s.begin() + 2 * n);
  t = static_cast<long>(s.back());
}

std::unique_ptr<Optimizer> make_optimizer(const std::string& name, float lr) {
  std::unique_ptr<Optimizer> o;
  if (name == "sgd")
    o = std::make_unique<Sgd>();
  else if (name == "momentum")
    o = std::make_unique<Momentum>();
  else if (name == "adam")
    o = std::make_unique<Adam>();
  else
    throw std::runtime_error("unknown optimizer '" + name + "' (expected sgd, momentum or adam)");
  o->lr = lr;
  return o;
}

}  // namespace scrawl

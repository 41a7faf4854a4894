// Sums of probabilities kept as logs (CTC's forward-backward, its beam search): log(e^a + e^b) without overflow
// or underflow, with -inf as log 0.
#pragma once
#include <algorithm>
#include <cmath>
#include <limits>

namespace scrawl {

inline constexpr double kLogZero = -std::numeric_limits<double>::infinity();

inline double log_add(double a, double b) {
  if (a == kLogZero) return b;
  if (b == kLogZero) return a;
  return std::max(a, b) + std::log1p(std::exp(-std::abs(a - b)));
}

}  // namespace scrawl

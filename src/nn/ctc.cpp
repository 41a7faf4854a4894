#include "scrawl/nn/ctc.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "scrawl/util/log_math.h"

namespace scrawl {

namespace {
constexpr double kNegInf = kLogZero;

// log softmax over the K classes of each of the first `frames` frames: out[t * K + k].
std::vector<double> log_softmax_frames(const float* z, int K, int T, int frames) {
  std::vector<double> out(size_t(frames) * size_t(K));
  for (int t = 0; t < frames; ++t) {
    double m = kNegInf;
    for (int k = 0; k < K; ++k) m = std::max(m, double(z[size_t(k) * size_t(T) + size_t(t)]));
    double sum = 0;
    for (int k = 0; k < K; ++k) sum += std::exp(double(z[size_t(k) * size_t(T) + size_t(t)]) - m);
    const double log_z = m + std::log(sum);
    for (int k = 0; k < K; ++k)
      out[size_t(t) * size_t(K) + size_t(k)] = double(z[size_t(k) * size_t(T) + size_t(t)]) - log_z;
  }
  return out;
}

// One sequence: -log p(label) and, into g (K x T, layout of the logits), its gradient w.r.t. the logits.
double ctc_one(const float* z, int K, int T, int frames, const std::vector<int>& label, int blank, float* g) {
  const std::vector<double> lp = log_softmax_frames(z, K, T, frames);
  auto y = [&](int t, int k) { return lp[size_t(t) * size_t(K) + size_t(k)]; };
  // The extended label: blank, l1, blank, l2, ..., blank.
  const int S = 2 * int(label.size()) + 1;
  std::vector<int> ext(size_t(S), blank);
  for (size_t i = 0; i < label.size(); ++i) ext[2 * i + 1] = label[i];
  // A path may skip the blank between two characters only when they differ.
  auto can_skip = [&](int s) { return s >= 2 && ext[size_t(s)] != blank && ext[size_t(s)] != ext[size_t(s - 2)]; };
  std::fill(g, g + size_t(K) * size_t(T), 0.f);
  if (frames == 0) return label.empty() ? 0.0 : std::numeric_limits<double>::infinity();

  std::vector<double> alpha(size_t(frames) * size_t(S), kNegInf), beta(alpha.size(), kNegInf);
  auto A = [&](int t, int s) -> double& { return alpha[size_t(t) * size_t(S) + size_t(s)]; };
  auto B = [&](int t, int s) -> double& { return beta[size_t(t) * size_t(S) + size_t(s)]; };
  A(0, 0) = y(0, ext[0]);
  if (S > 1) A(0, 1) = y(0, ext[1]);
  for (int t = 1; t < frames; ++t)
    for (int s = 0; s < S; ++s) {
      double a = A(t - 1, s);
      if (s >= 1) a = log_add(a, A(t - 1, s - 1));
      if (can_skip(s)) a = log_add(a, A(t - 1, s - 2));
      if (a != kNegInf) A(t, s) = a + y(t, ext[size_t(s)]);
    }
  B(frames - 1, S - 1) = y(frames - 1, ext[size_t(S - 1)]);
  if (S > 1) B(frames - 1, S - 2) = y(frames - 1, ext[size_t(S - 2)]);
  for (int t = frames - 2; t >= 0; --t)
    for (int s = 0; s < S; ++s) {
      double b = B(t + 1, s);
      if (s + 1 < S) b = log_add(b, B(t + 1, s + 1));
      if (s + 2 < S && can_skip(s + 2)) b = log_add(b, B(t + 1, s + 2));
      if (b != kNegInf) B(t, s) = b + y(t, ext[size_t(s)]);
    }
  const double log_p = S > 1 ? log_add(A(frames - 1, S - 1), A(frames - 1, S - 2)) : A(frames - 1, S - 1);
  if (log_p == kNegInf) return std::numeric_limits<double>::infinity();

  // dL/dz_t(k) = y_t(k) - sum over extended positions s holding k of alpha_t(s) beta_t(s) / (y_t(k) p): both
  // alpha and beta include frame t's emission, so one y_t(k) is divided out.
  std::vector<double> occupancy(static_cast<size_t>(K));
  for (int t = 0; t < frames; ++t) {
    std::fill(occupancy.begin(), occupancy.end(), kNegInf);
    for (int s = 0; s < S; ++s) {
      const double ab = A(t, s) + B(t, s);
      if (ab != kNegInf) occupancy[size_t(ext[size_t(s)])] = log_add(occupancy[size_t(ext[size_t(s)])], ab);
    }
    for (int k = 0; k < K; ++k) {
      const double posterior = occupancy[size_t(k)] == kNegInf ? 0.0 : std::exp(occupancy[size_t(k)] - y(t, k) - log_p);
      g[size_t(k) * size_t(T) + size_t(t)] = float(std::exp(y(t, k)) - posterior);
    }
  }
  return -log_p;
}
}  // namespace

double CtcLoss::forward(const Tensor& logits, const std::vector<int>& lengths,
                        const std::vector<std::vector<int>>& labels) {
  const int K = logits.shape.c, T = logits.shape.w, N = logits.n;
  if (logits.shape.h != 1) throw std::invalid_argument("CTC: logits must be (classes, 1, frames)");
  if (int(lengths.size()) != N || int(labels.size()) != N)
    throw std::invalid_argument("CTC: " + std::to_string(N) + " samples but " + std::to_string(lengths.size()) +
                                " lengths and " + std::to_string(labels.size()) + " labels");
  if (blank < 0 || blank >= K) throw std::invalid_argument("CTC: blank class out of range");
  for (int i = 0; i < N; ++i) {
    if (lengths[size_t(i)] < 0 || lengths[size_t(i)] > T)
      throw std::invalid_argument("CTC: sample " + std::to_string(i) + " length " + std::to_string(lengths[size_t(i)]) +
                                  " outside 0.." + std::to_string(T));
    for (int c : labels[size_t(i)])
      if (c < 0 || c >= K || c == blank)
        throw std::invalid_argument("CTC: sample " + std::to_string(i) + " label class " + std::to_string(c) +
                                    " is blank or out of range");
  }
  grad.resize(N, logits.shape);
  losses.assign(size_t(N), 0.0);
#pragma omp parallel for schedule(dynamic) if (N > 1)
  for (int i = 0; i < N; ++i) {
    double l = ctc_one(logits.sample(i), K, T, lengths[size_t(i)], labels[size_t(i)], blank, grad.sample(i));
    if (std::isinf(l) && zero_infinity) {
      l = 0;
      std::fill(grad.sample(i), grad.sample(i) + grad.features(), 0.f);
    }
    losses[size_t(i)] = l;
  }
  // Summed in sample order, not as the threads finish: the same loss bits on every run.
  double sum = 0;
  for (double l : losses) sum += l;
  return N ? sum / N : 0.0;
}

void CtcLoss::backward(Tensor& dlogits) const {
  dlogits.resize(grad.n, grad.shape);
  const float inv = grad.n ? 1.f / float(grad.n) : 0.f;
  for (size_t j = 0; j < grad.size(); ++j) dlogits.data[j] = grad.data[j] * inv;
}

std::vector<int> ctc_greedy_decode(const Tensor& logits, int i, int frames, int blank) {
  const int K = logits.shape.c, T = logits.shape.w;
  const float* z = logits.sample(i);
  std::vector<int> out;
  int prev = blank;
  for (int t = 0; t < std::min(frames, T); ++t) {
    int best = 0;
    for (int k = 1; k < K; ++k)
      if (z[size_t(k) * size_t(T) + size_t(t)] > z[size_t(best) * size_t(T) + size_t(t)]) best = k;
    if (best != blank && best != prev) out.push_back(best);
    prev = best;
  }
  return out;
}

}  // namespace scrawl

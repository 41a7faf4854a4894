#include "scrawl/ocr/char_ngram.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace scrawl {

namespace {
constexpr int S = CharNgram::kSymbols;
constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// Witten-Bell: P(x|h) = (c(h,x) + T(h) * P_lower(x)) / (c(h) + T(h)), T(h) = distinct symbols seen after h.
// An unseen history backs off entirely to the lower order.
void witten_bell(const double* counts, const double* lower, double* out) {
  double total = 0, types = 0;
  for (int x = 0; x < S; ++x) {
    total += counts[x];
    types += counts[x] > 0;
  }
  for (int x = 0; x < S; ++x) out[x] = total > 0 ? (counts[x] + types * lower[x]) / (total + types) : lower[x];
}
}  // namespace

CharNgram CharNgram::train(const std::vector<std::string>& words) {
  std::vector<double> c1(S, 0), c2(S * S, 0), c3(S * S * S, 0);
  for (const auto& w : words) {
    bool ok = !w.empty();
    for (char ch : w) ok = ok && symbol(ch) > 0;
    if (!ok) continue;
    int h2 = 0, h1 = 0;
    for (size_t i = 0; i <= w.size(); ++i) {
      const int x = i < w.size() ? symbol(w[i]) : 0;
      c1[size_t(x)] += 1;
      c2[size_t(h1 * S + x)] += 1;
      c3[size_t((h2 * S + h1) * S + x)] += 1;
      h2 = h1;
      h1 = x;
    }
  }
  CharNgram m;
  std::vector<double> uniform(S, 1.0 / S), p1(S), p2(S * S), p3(S);
  witten_bell(c1.data(), uniform.data(), p1.data());
  for (int h1 = 0; h1 < S; ++h1) witten_bell(&c2[size_t(h1 * S)], p1.data(), &p2[size_t(h1 * S)]);
  m.lp_.resize(size_t(S * S * S));
  for (int h2 = 0; h2 < S; ++h2)
    for (int h1 = 0; h1 < S; ++h1) {
      const size_t h = size_t(h2 * S + h1);
      witten_bell(&c3[h * S], &p2[size_t(h1 * S)], p3.data());
      for (int x = 0; x < S; ++x) m.lp_[h * S + size_t(x)] = float(std::log(p3[size_t(x)]));
    }
  // P(length = n): forward over (h2, h1) states, summing the chance of ending after n letters.
  std::vector<double> prob(m.lp_.size());
  for (size_t i = 0; i < prob.size(); ++i) prob[i] = std::exp(double(m.lp_[i]));
  auto P = [&](int h2, int h1, int x) { return prob[size_t((h2 * S + h1) * S + x)]; };
  std::vector<double> alpha(S * S, 0), next(S * S);
  alpha[0] = 1;  // "^^"
  m.log_len_[0] = kNegInf;
  for (int n = 1; n <= kMaxLength; ++n) {
    std::fill(next.begin(), next.end(), 0.0);
    for (int h2 = 0; h2 < S; ++h2)
      for (int h1 = 0; h1 < S; ++h1) {
        const double a = alpha[size_t(h2 * S + h1)];
        if (a == 0) continue;
        for (int x = 1; x < S; ++x) next[size_t(h1 * S + x)] += a * P(h2, h1, x);
      }
    alpha.swap(next);
    double end = 0;
    for (int h2 = 0; h2 < S; ++h2)
      for (int h1 = 1; h1 < S; ++h1) end += alpha[size_t(h2 * S + h1)] * P(h2, h1, 0);
    m.log_len_[size_t(n)] = end > 0 ? std::log(end) : kNegInf;
  }
  m.trained_ = true;
  return m;
}

double CharNgram::log_prob(const std::string& word) const {
  if (!trained_ || word.empty()) return kNegInf;
  int h2 = 0, h1 = 0;
  double lp = 0;
  for (char ch : word) {
    const int x = symbol(ch);
    if (x <= 0) return kNegInf;
    lp += log_prob(h2, h1, x);
    h2 = h1;
    h1 = x;
  }
  return lp + log_prob(h2, h1, 0);
}

double CharNgram::log_length(size_t n) const {
  if (!trained_ || n < 1 || n > size_t(kMaxLength)) return kNegInf;
  return log_len_[n];
}

// Layout: u8 trained, then (when trained) the kSymbols^3 float table and the kMaxLength + 1 length log-probs.
void CharNgram::serialize(std::string& out) const {
  out.push_back(char(trained_));
  if (!trained_) return;
  out.append(reinterpret_cast<const char*>(lp_.data()), lp_.size() * sizeof(float));
  out.append(reinterpret_cast<const char*>(log_len_.data()), log_len_.size() * sizeof(double));
}

bool CharNgram::parse(std::string_view& in, CharNgram& lm) {
  if (in.empty() || uint8_t(in[0]) > 1) return false;
  lm = CharNgram();
  lm.trained_ = in[0] == 1;
  in.remove_prefix(1);
  if (!lm.trained_) return true;
  const size_t table = size_t(S * S * S) * sizeof(float), lengths = lm.log_len_.size() * sizeof(double);
  if (in.size() < table + lengths) return false;
  lm.lp_.resize(size_t(S * S * S));
  std::memcpy(lm.lp_.data(), in.data(), table);
  std::memcpy(lm.log_len_.data(), in.data() + table, lengths);
  in.remove_prefix(table + lengths);
  return true;
}

}  // namespace scrawl

#include "scrawl/nn/gradcheck.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "scrawl/nn/softmax_xent.h"

namespace scrawl {
namespace {

double rel_error(double a, double n) {
  return std::abs(a - n) / std::max(std::abs(a) + std::abs(n), 1e-4);
}

// Indices 0..n-1, or a seeded sample of `cap` of them.
std::vector<size_t> pick(size_t n, size_t cap, std::mt19937& rng) {
  std::vector<size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  if (cap && cap < n) {
    std::shuffle(idx.begin(), idx.end(), rng);
    idx.resize(cap);
  }
  return idx;
}

// For each picked entry of values[0..n): the central difference of eval() under +-eps against analytic[i].
// values is perturbed in place and restored; eval must read it (a parameter buffer or the input tensor).
template <class Eval>
void check_entries(GradCheckResult& r, float* values, const float* analytic, size_t n, size_t max_checks,
                   std::mt19937& rng, double eps, const Eval& eval) {
  for (size_t i : pick(n, max_checks, rng)) {
    const float keep = values[i];
    values[i] = static_cast<float>(keep + eps);
    const double lp = eval();
    values[i] = static_cast<float>(keep - eps);
    const double lm = eval();
    values[i] = keep;
    r.max_rel_error = std::max(r.max_rel_error, rel_error(analytic[i], (lp - lm) / (2 * eps)));
    ++r.checked;
  }
}

// Mean cross-entropy of softmax(logits) against labels, all in double: log p = z - zmax - log(sum exp(z - zmax)).
double reference_cross_entropy(const Tensor& logits, const std::vector<int>& labels) {
  const int k = logits.features();
  double loss = 0;
  for (int i = 0; i < logits.n; ++i) {
    const float* z = logits.sample(i);
    const double zmax = *std::max_element(z, z + k);
    double sum = 0;
    for (int j = 0; j < k; ++j) sum += std::exp(double(z[j]) - zmax);
    loss -= double(z[labels[size_t(i)]]) - zmax - std::log(sum);
  }
  return logits.n ? loss / logits.n : 0.0;
}

}  // namespace

GradCheckResult check_model_gradients(Model& model, const Tensor& x_in, const std::vector<int>& labels, double eps,
                                      size_t max_checks, unsigned seed) {
  std::mt19937 rng(seed);
  Tensor x = x_in;
  SoftmaxCrossEntropy loss;
  // The numerical side uses its own cross-entropy in double (exp and log-sum), not the training loss's float
  // exponentials: a loss near 1.6 must be exact well below the 2e-5 that eps = 1e-2 can resolve.
  auto eval = [&]() { return reference_cross_entropy(model.forward(x), labels); };

  loss.forward(model.forward(x), labels.data());
  model.zero_grad();
  Tensor dlogits;
  loss.backward(dlogits, labels.data());
  model.backward(dlogits, true);
  const FloatBuffer analytic = model.grads();
  const Tensor dx = model.input_grad();

  GradCheckResult r;
  auto& p = model.params();
  check_entries(r, p.data(), analytic.data(), p.size(), max_checks, rng, eps, eval);
  check_entries(r, x.data.data(), dx.data.data(), x.size(), max_checks, rng, eps, eval);
  return r;
}

GradCheckResult check_layer_gradients(Layer& layer, Shape in, int batch, double eps, unsigned seed, size_t max_checks) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.f, 1.f);
  const Shape out = layer.setup(in);
  std::vector<float> w(layer.param_count()), dw(layer.param_count(), 0.f);
  layer.bind(w.data(), dw.data());
  layer.init_params(rng, Init::Xavier);
  for (auto& v : w) v += 0.1f * normal(rng);  // nonzero biases too

  Tensor x(batch, in), y, dx;
  for (auto& v : x.data) v = normal(rng);
  Tensor r(batch, out);
  for (auto& v : r.data) v = normal(rng);
  Pass pass;
  auto eval = [&]() {
    layer.forward(y, x, pass);
    double s = 0;
    for (size_t i = 0; i < y.size(); ++i) s += static_cast<double>(y.data[i]) * r.data[i];
    return s;
  };
  eval();
  layer.backward(dx, r, x, y, true);

  GradCheckResult res;
  check_entries(res, w.data(), dw.data(), w.size(), max_checks, rng, eps, eval);
  check_entries(res, x.data.data(), dx.data.data(), x.size(), max_checks, rng, eps, eval);
  return res;
}

}  // namespace scrawl

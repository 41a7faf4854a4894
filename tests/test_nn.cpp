// The NN library: the course's theory results as tests, gradient checks, init statistics, optimizers.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <set>

#include "scrawl/nn/dense.h"
#include "scrawl/nn/gradcheck.h"
#include "scrawl/nn/model.h"
#include "scrawl/nn/optim.h"
#include "scrawl/nn/relu.h"
#include "scrawl/nn/sigmoid.h"
#include "scrawl/nn/softmax_xent.h"
#include "scrawl/nn/tanh.h"
#include "scrawl/train/trainer.h"

using namespace scrawl;

namespace {

Tensor random_tensor(int n, Shape s, unsigned seed, float scale = 1.f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, scale);
  Tensor t(n, s);
  for (auto& v : t.data) v = d(rng);
  return t;
}

}  // namespace

// softmax(x + c) = softmax(x): subtracting the row max is exact, not an approximation.
TEST(Softmax, TranslationInvariant) {
  Tensor x = random_tensor(4, Shape{10, 1, 1}, 1);
  Tensor shifted = x;
  for (auto& v : shifted.data) v += 37.5f;
  Tensor p, q;
  softmax(p, x);
  softmax(q, shifted);
  for (size_t i = 0; i < p.size(); ++i) EXPECT_NEAR(p.data[i], q.data[i], 1e-6);
}

TEST(Softmax, NoOverflowAtLargeInputs) {
  Tensor x(1, Shape{3, 1, 1});
  x.data = {1e4f, 1e4f - 1.f, -1e4f};
  Tensor p;
  softmax(p, x);
  for (float v : p.data) EXPECT_TRUE(std::isfinite(v));
  // Golden values: e^0/(1+e^-1), e^-1/(1+e^-1), ~0.
  EXPECT_NEAR(p.data[0], 1.0 / (1.0 + std::exp(-1.0)), 1e-6);
  EXPECT_NEAR(p.data[1], std::exp(-1.0) / (1.0 + std::exp(-1.0)), 1e-6);
  EXPECT_NEAR(p.data[2], 0.0, 1e-12);
  SoftmaxCrossEntropy loss;
  const int label = 2;  // the hopeless class: loss must be large and finite, not inf
  const double l = loss.forward(x, &label);
  EXPECT_TRUE(std::isfinite(l));
  EXPECT_NEAR(l, 2e4 + std::log(1.0 + std::exp(-1.0)), 1e-2);
}

// The reader's softmax (double sum and division, ocr/classifier) and the training one (float) are one function:
// each row is the exact quotient of its float exponentials by their double sum, and the float one is within a
// few float roundings of it.
TEST(Softmax, RowInDoubleAndFloatAgree) {
  const Tensor x = random_tensor(8, Shape{36, 1, 1}, 4, 3.f);
  Tensor p;
  softmax(p, x);
  std::vector<float> q(36);
  for (int i = 0; i < x.n; ++i) {
    const float* z = x.sample(i);
    softmax_row<double>(q.data(), z, 36);
    const float zmax = *std::max_element(z, z + 36);
    double sum = 0;
    for (int j = 0; j < 36; ++j) sum += std::exp(z[j] - zmax);
    for (int j = 0; j < 36; ++j) {
      EXPECT_EQ(q[size_t(j)], static_cast<float>(std::exp(z[j] - zmax) / sum));
      EXPECT_NEAR(p.sample(i)[j], q[size_t(j)], 1e-6);
    }
  }
}
TEST(Softmax, CrossEntropyGolden) {
  // logits (1, 2, 3), label 0: loss = log(e+e^2+e^3) - 1, computed independently here.
  Tensor x(1, Shape{3, 1, 1});
  x.data = {1.f, 2.f, 3.f};
  SoftmaxCrossEntropy loss;
  const int label = 0;
  EXPECT_NEAR(loss.forward(x, &label), std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0)) - 1.0, 1e-6);
  Tensor d;
  loss.backward(d, &label);
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  EXPECT_NEAR(d.data[0], std::exp(1.0) / z - 1.0, 1e-6);
  EXPECT_NEAR(d.data[2], std::exp(3.0) / z, 1e-6);
}

// sigma'(x) = sigma(x)(1 - sigma(x)), checked against a finite difference of the closed form.
TEST(Activation, SigmoidDerivative) {
  Sigmoid s;
  Tensor x(1, Shape{7, 1, 1});
  x.data = {-6.f, -2.f, -0.5f, 0.f, 0.5f, 2.f, 6.f};
  Tensor y, dx, dy(1, x.shape);
  dy.fill(1.f);
  s.forward(y, x, {});
  s.backward(dx, dy, x, y, true);
  for (int i = 0; i < 7; ++i) {
    const double xi = x.data[i], h = 1e-5;
    const double num = (1 / (1 + std::exp(-(xi + h))) - 1 / (1 + std::exp(-(xi - h)))) / (2 * h);
    EXPECT_NEAR(dx.data[i], num, 1e-6);
    EXPECT_NEAR(y.data[i], 1 / (1 + std::exp(-xi)), 1e-6);
  }
}

// tanh(x) = 2 sigma(2x) - 1.
TEST(Activation, TanhIsScaledSigmoid) {
  Tanh t;
  Sigmoid s;
  Tensor x = random_tensor(3, Shape{20, 1, 1}, 2, 2.f);
  Tensor x2 = x;
  for (auto& v : x2.data) v *= 2.f;
  Tensor yt, ys;
  t.forward(yt, x, {});
  s.forward(ys, x2, {});
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(yt.data[i], 2.f * ys.data[i] - 1.f, 1e-6);
}

TEST(Activation, ReluForwardBackward) {
  Relu r;
  Tensor x(1, Shape{4, 1, 1}), y, dx, dy(1, Shape{4, 1, 1});
  x.data = {-1.f, 0.f, 2.f, -3.f};
  dy.data = {5.f, 6.f, 7.f, 8.f};
  r.forward(y, x, {});
  r.backward(dx, dy, x, y, true);
  EXPECT_EQ(y.data, (FloatBuffer{0.f, 0.f, 2.f, 0.f}));
  EXPECT_EQ(dx.data, (FloatBuffer{0.f, 0.f, 7.f, 0.f}));
}

// Two dense layers with no activation between them compute one linear map: W = W1 W2, b = b1 W2 + b2.
TEST(Dense, StackedLinearLayersEqualOneLinearLayer) {
  InputSpec in;
  in.shape = Shape{6, 1, 1};
  Model two("fc5,fc4", in, "0123");
  two.init_params(3);
  auto* l1 = dynamic_cast<Dense*>(two.layers()[0].get());
  auto* l2 = dynamic_cast<Dense*>(two.layers()[1].get());
  ASSERT_TRUE(l1 && l2);
  // Compose by hand into a single fc4 model.
  Model one("fc4", in, "0123");
  FloatBuffer& p = one.params();
  for (int i = 0; i < 6; ++i)
    for (int k = 0; k < 4; ++k) {
      double s = 0;
      for (int j = 0; j < 5; ++j) s += static_cast<double>(l1->weights()[i * 5 + j]) * l2->weights()[j * 4 + k];
      p[i * 4 + k] = static_cast<float>(s);
    }
  for (int k = 0; k < 4; ++k) {
    double s = l2->bias()[k];
    for (int j = 0; j < 5; ++j) s += static_cast<double>(l1->bias()[j] + 0.25f) * l2->weights()[j * 4 + k];
    p[24 + k] = static_cast<float>(s);
  }
  // Give layer 1 nonzero biases so the bias composition is exercised.
  for (int j = 0; j < 5; ++j) two.params()[30 + j] = l1->bias()[j] + 0.25f;
  const Tensor x = random_tensor(8, in.shape, 4);
  const Tensor a = two.forward(x);
  const Tensor b = one.forward(x);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a.data[i], b.data[i], 1e-4);
}

// Xavier uniform: Var[w] = 2/(n_in+n_out); He: 2/n_in. 784x64 weights give a tight estimate.
TEST(Init, XavierAndHeVariance) {
  for (const std::string init : {"xavier", "he"}) {
    InputSpec in;
    in.shape = Shape{784, 1, 1};
    Model m("fc64,fc36", in, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    m.init_params(11, init);
    const size_t n = 784 * 64;
    double mean = 0, var = 0;
    for (size_t i = 0; i < n; ++i) mean += m.params()[i];
    mean /= n;
    for (size_t i = 0; i < n; ++i) var += (m.params()[i] - mean) * (m.params()[i] - mean);
    var /= n;
    const double want = init == "xavier" ? 2.0 / (784 + 64) : 2.0 / 784;
    EXPECT_NEAR(mean, 0.0, 3e-4) << init;
    EXPECT_NEAR(var / want, 1.0, 0.02) << init;
    for (int j = 0; j < 64; ++j) EXPECT_EQ(m.params()[n + j], 0.f) << "biases start at zero";
  }
}

// With zero init every hidden unit computes the same thing and gets the same gradient, so training can
// never make them differ: the network behaves as if it had one hidden unit.
TEST(Init, ZeroInitGivesIdenticalHiddenUnits) {
  InputSpec in;
  in.shape = Shape{20, 1, 1};
  Model m("fc8,sigmoid,fc3", in, "ABC");
  m.init_params(1, "zero");
  auto opt = make_optimizer("sgd", 0.5f);
  std::vector<int> labels{0, 1, 2, 1, 0, 2};
  const Tensor x = random_tensor(6, in.shape, 5);
  SoftmaxCrossEntropy loss;
  Tensor d;
  for (int step = 0; step < 20; ++step) {
    loss.forward(m.forward(x), labels.data());
    m.zero_grad();
    loss.backward(d, labels.data());
    m.backward(d);
    opt->step(m.params().data(), m.grads().data(), m.param_count());
  }
  // W1 is (20 x 8): every column (hidden unit) must equal column 0.
  const float* w = m.params().data();
  double max_diff = 0, spread = 0;
  for (int i = 0; i < 20; ++i)
    for (int j = 1; j < 8; ++j) {
      max_diff = std::max<double>(max_diff, std::abs(w[i * 8 + j] - w[i * 8]));
      spread = std::max<double>(spread, std::abs(w[i * 8]));
    }
  EXPECT_EQ(max_diff, 0.0);
  EXPECT_GT(spread, 0.0) << "weights did move, they just moved identically";
}

TEST(GradCheck, EveryLayerAlone) {
  Dense fc(7);
  Sigmoid sg;
  Tanh th;
  Relu re;
  for (Layer* l : std::vector<Layer*>{&fc, &sg, &th, &re}) {
    const auto r = check_layer_gradients(*l, Shape{9, 1, 1}, 4, 1e-2, 3);
    EXPECT_GT(r.checked, 0u);
    EXPECT_LT(r.max_rel_error, 2e-2) << l->spec();
  }
}

TEST(GradCheck, TwoLayerModel) {
  InputSpec in;
  in.shape = Shape{12, 1, 1};
  for (const std::string act : {"sigmoid", "tanh"}) {
    Model m("fc10," + act + ",fc5", in, "ABCDE");
    m.init_params(7);
    const Tensor x = random_tensor(6, in.shape, 8);
    const auto r = check_model_gradients(m, x, {0, 1, 2, 3, 4, 0}, 1e-2);
    EXPECT_EQ(r.checked, m.param_count() + x.size());
    // The forward pass is float32: with a loss near 1.6 and 2 eps = 0.02 the numerical gradient carries ~2e-5 of
    // rounding noise, ~2% of the smallest entries checked (|a| + |n| ~ 1e-3). Measured: 2.25% with AVX2's summation
    // order, under 2% with AVX-512's. A wrong gradient shows errors near 100% (DetectsABrokenGradient).
    EXPECT_LT(r.max_rel_error, 3e-2) << act;
  }
}

// The checker must notice a wrong gradient: break one weight's gradient and expect a large error.
TEST(GradCheck, DetectsABrokenGradient) {
  struct BrokenDense : Layer {  // a Dense whose input gradient is 50% off in one entry
    Dense fc{4};
    std::string spec() const override { return "broken"; }
    Shape setup(Shape in) override { return fc.setup(in); }
    size_t param_count() const override { return fc.param_count(); }
    void bind(float* w, float* dw) override { fc.bind(w, dw); }
    void init_params(std::mt19937& rng, Init init) override { fc.init_params(rng, init); }
    void forward(Tensor& y, const Tensor& x, const Pass& p) override { fc.forward(y, x, p); }
    void backward(Tensor& dx, const Tensor& dy, const Tensor& x, const Tensor& y, bool need_dx) override {
      fc.backward(dx, dy, x, y, need_dx);
      if (need_dx) dx.data[0] *= 1.5f;
    }
  } broken;
  const auto r = check_layer_gradients(broken, Shape{5, 1, 1}, 2, 1e-2, 3);
  EXPECT_GT(r.max_rel_error, 0.1);
}

TEST(Batches, EveryEpochCoversEachSampleOnce) {
  std::mt19937 rng(42);
  const auto a = epoch_order(1000, rng);
  const auto b = epoch_order(1000, rng);
  std::vector<int> sa = a, sb = b, want(1000);
  std::iota(want.begin(), want.end(), 0);
  std::sort(sa.begin(), sa.end());
  std::sort(sb.begin(), sb.end());
  EXPECT_EQ(sa, want);
  EXPECT_EQ(sb, want);
  EXPECT_NE(a, b) << "each epoch draws a fresh permutation";
  std::mt19937 again(42);
  EXPECT_EQ(epoch_order(1000, again), a) << "same seed, same order";
}

// Optimizers on f(w) = 0.5 * sum(c_i * w_i^2): each must converge toward 0.
TEST(Optim, ConvergeOnQuadratic) {
  for (const std::string name : {"sgd", "momentum", "adam"}) {
    auto opt = make_optimizer(name, name == "adam" ? 0.05f : 0.1f);
    std::vector<float> w{3.f, -2.f, 1.f}, g(3);
    const std::vector<float> c{1.f, 2.f, 0.5f};
    for (int step = 0; step < 500; ++step) {
      for (int i = 0; i < 3; ++i) g[i] = c[i] * w[i];
      opt->step(w.data(), g.data(), 3);
    }
    for (float v : w) EXPECT_LT(std::abs(v), 1e-2) << name;
  }
}

// One step of each optimizer against the formulas written out by hand.
TEST(Optim, SingleStepGolden) {
  std::vector<float> w{1.f}, g{0.5f};
  Momentum m;
  m.lr = 0.1f;
  m.step(w.data(), g.data(), 1);  // M = -0.05, w = 0.95
  m.step(w.data(), g.data(), 1);  // M = 0.9*-0.05 - 0.05 = -0.095, w = 0.855
  EXPECT_NEAR(w[0], 0.855f, 1e-6);
  Adam a;
  a.lr = 0.1f;
  std::vector<float> v{1.f};
  a.step(v.data(), g.data(), 1);  // bias-corrected m/sqrt(v) = g/|g| = 1 -> w = 1 - 0.1
  EXPECT_NEAR(v[0], 0.9f, 1e-5);
}

TEST(Model, WrongOutputSizeIsAClearError) {
  InputSpec in;
  try {
    Model m("fc64,sigmoid,fc10", in, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("10 outputs"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("36 classes"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Model("fc64,bogus,fc36", in, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"), std::runtime_error);
}

TEST(Model, CanOverfit32Samples) {
  InputSpec in;
  in.shape = Shape{16, 1, 1};
  Model m("fc32,relu,fc4", in, "ABCD");
  m.init_params(9);
  const Tensor x = random_tensor(32, in.shape, 10);
  std::vector<int> y(32);
  for (int i = 0; i < 32; ++i) y[i] = (i * 7) % 4;
  auto opt = make_optimizer("adam", 0.01f);
  SoftmaxCrossEntropy loss;
  Tensor d;
  double l = 0;
  for (int step = 0; step < 500; ++step) {
    l = loss.forward(m.forward(x), y.data());
    m.zero_grad();
    loss.backward(d, y.data());
    m.backward(d);
    opt->step(m.params().data(), m.grads().data(), m.param_count());
  }
  loss.forward(m.forward(x), y.data());
  EXPECT_EQ(loss.correct(y.data()), 32);
  EXPECT_LT(l, 0.05);
}

// Activations over more than 1 MB run in blocks spread over the threads; every block starts aligned, so the result
// is the one a single whole-array pass gives, byte for byte, at any thread count (sigmoid: vector and scalar exp
// differ in the last bit, so a block split that moved the vector/scalar boundary would show).
TEST(Activation, LargeTensorsReadTheSameAtAnyThreadCount) {
  const int n = (1 << 20) + 37;  // 4 MB and a ragged tail
  scrawl::Tensor x(1, scrawl::Shape{1, 1, n});
  std::mt19937 rng(9);
  std::normal_distribution<float> normal(0.f, 3.f);
  for (auto& v : x.data) v = normal(rng);
  scrawl::FloatBuffer whole(static_cast<size_t>(n));  // aligned as tensors are
  scrawl::SigmoidFn::f_array(whole.data(), x.data.data(), size_t(n));
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    scrawl::Sigmoid layer;
    layer.setup(x.shape);
    scrawl::Tensor y;
    layer.forward(y, x, scrawl::Pass{});
    EXPECT_TRUE(std::equal(whole.begin(), whole.end(), y.data.begin())) << threads << " threads";
  }
}

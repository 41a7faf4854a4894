// The bidirectional LSTM sequence layer: gradients against central differences, outputs against a plain
// double-precision loop written from the equations, and padded batches against lines read alone.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "scrawl/nn/gradcheck.h"
#include "scrawl/nn/lstm.h"
#include "scrawl/nn/model.h"

using scrawl::BiLstm;
using scrawl::Shape;
using scrawl::Tensor;

namespace {
Tensor random_sequence(int n, int features, int frames, unsigned seed) {
  Tensor x(n, Shape{features, 1, frames});
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (auto& v : x.data) v = u(rng);
  return x;
}

// A layer bound to its own random parameters (biases too, so every term is exercised).
struct Bound {
  BiLstm layer;
  std::vector<float> w, dw;
  Bound(int hidden, Shape in, unsigned seed) : layer(hidden) {
    layer.setup(in);
    w.resize(layer.param_count());
    dw.assign(layer.param_count(), 0.f);
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-0.8f, 0.8f);
    for (auto& v : w) v = u(rng);
    layer.bind(w.data(), dw.data());
  }
};

double sigmoid(double a) {
  return 1 / (1 + std::exp(-a));
}
}  // namespace

TEST(BiLstm, GradientsMatchNumericalDifferences) {
  BiLstm layer(3);
  const auto r = scrawl::check_layer_gradients(layer, Shape{4, 1, 6}, 2, 1e-2, 7);
  EXPECT_GT(r.checked, 100u);
  EXPECT_LT(r.max_rel_error, 2e-2);
}

TEST(BiLstm, MatchesTheEquationsWrittenAsLoops) {
  // F = 3 features, H = 2, T = 5 frames: each direction computed here in double, gate by gate.
  const int F = 3, H = 2, T = 5;
  Bound b(H, Shape{F, 1, T}, 11);
  const Tensor x = random_sequence(1, F, T, 12);
  Tensor y;
  b.layer.forward(y, x, {});
  ASSERT_EQ(y.shape, (Shape{2 * H, 1, T}));
  const size_t per_dir = size_t(4 * H) * (F + H + 1);
  for (int d = 0; d < 2; ++d) {
    const float* W = b.w.data() + d * per_dir;
    const float* U = W + 4 * H * F;
    const float* bias = U + 4 * H * H;
    std::vector<double> h(H, 0.0), c(H, 0.0);
    for (int step = 0; step < T; ++step) {
      const int t = d == 0 ? step : T - 1 - step;
      std::vector<double> a(4 * H);
      for (int r = 0; r < 4 * H; ++r) {
        a[r] = bias[r];
        for (int f = 0; f < F; ++f) a[r] += double(W[r * F + f]) * x.sample(0)[f * T + t];
        for (int k = 0; k < H; ++k) a[r] += double(U[r * H + k]) * h[k];
      }
      for (int k = 0; k < H; ++k) {
        const double i = sigmoid(a[k]), fg = sigmoid(a[H + k]), g = std::tanh(a[2 * H + k]), o = sigmoid(a[3 * H + k]);
        c[k] = fg * c[k] + i * g;
        h[k] = o * std::tanh(c[k]);
      }
      for (int k = 0; k < H; ++k) EXPECT_NEAR(y.sample(0)[(d * H + k) * T + t], h[k], 1e-5) << d << " " << t;
    }
  }
}

TEST(BiLstm, PaddedFramesComputeWhatTheLineAloneComputes) {
  // Sample 1 of a batch has 4 real frames of 7 (the rest junk): its outputs and gradients equal those of the
  // 4 frames read alone (the backward direction starts at frame 3, not 6); padding is written and passed as zeros.
  const int F = 3, H = 2;
  Bound alone(H, Shape{F, 1, 4}, 21), padded(H, Shape{F, 1, 7}, 21);
  const Tensor short_x = random_sequence(1, F, 4, 22);
  Tensor long_x = random_sequence(2, F, 7, 23);
  for (int f = 0; f < F; ++f)
    for (int t = 0; t < 4; ++t) long_x.sample(1)[f * 7 + t] = short_x.sample(0)[f * 4 + t];
  const std::vector<int> frames{7, 4};
  scrawl::Pass pass;
  pass.frames = &frames;
  Tensor y1, y2, dx1, dx2;
  alone.layer.forward(y1, short_x, {});
  padded.layer.forward(y2, long_x, pass);
  for (int o = 0; o < 2 * H; ++o) {
    for (int t = 0; t < 4; ++t) EXPECT_NEAR(y2.sample(1)[o * 7 + t], y1.sample(0)[o * 4 + t], 1e-6);
    for (int t = 4; t < 7; ++t) EXPECT_EQ(y2.sample(1)[o * 7 + t], 0.f);
  }
  // Gradient only through sample 1: sample 0's dy is zero.
  Tensor dy1(1, Shape{2 * H, 1, 4}), dy2(2, Shape{2 * H, 1, 7});
  dy2.fill(0.f);
  std::mt19937 rng(24);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (int o = 0; o < 2 * H; ++o)
    for (int t = 0; t < 7; ++t) dy2.sample(1)[o * 7 + t] = u(rng);
  for (int o = 0; o < 2 * H; ++o)
    for (int t = 0; t < 4; ++t) dy1.sample(0)[o * 4 + t] = dy2.sample(1)[o * 7 + t];
  alone.layer.backward(dx1, dy1, short_x, y1, true);
  padded.layer.backward(dx2, dy2, long_x, y2, true);
  for (size_t i = 0; i < alone.dw.size(); ++i) EXPECT_NEAR(padded.dw[i], alone.dw[i], 1e-5) << "weight " << i;
  for (int f = 0; f < F; ++f) {
    for (int t = 0; t < 4; ++t) EXPECT_NEAR(dx2.sample(1)[f * 7 + t], dx1.sample(0)[f * 4 + t], 1e-6);
    for (int t = 4; t < 7; ++t) EXPECT_EQ(dx2.sample(1)[f * 7 + t], 0.f);
  }
}

TEST(BiLstm, IsALayerToken) {
  scrawl::InputSpec in;
  in.shape = Shape{1, 8, 16};
  in.normalization = "line";
  scrawl::Model m("conv3x3x4s2p1,relu,seq,blstm5,tconv1x4", in, "_ABC");
  EXPECT_EQ(m.arch(), "conv3x3x4s2p1,relu,seq,blstm5,tconv1x4");
  EXPECT_THROW(scrawl::Model("fc4,blstm3", in, "_ABC"), std::runtime_error);  // not a sequence
}

// CTC loss against brute-force enumeration of every frame-by-frame path, against numerical gradients, and on the
// degenerate cases (label longer than the input, empty label, all blank, long peaked sequences).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "scrawl/nn/ctc.h"

using scrawl::CtcLoss;
using scrawl::Shape;
using scrawl::Tensor;

namespace {
Tensor random_logits(int n, int K, int T, unsigned seed, float scale = 2.f) {
  Tensor x(n, Shape{K, 1, T});
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, scale);
  for (auto& v : x.data) v = d(rng);
  return x;
}

// -log p(label) by summing the probability of every one of the K^T paths that collapses to the label.
double brute_force_loss(const Tensor& x, int i, int frames, const std::vector<int>& label, int blank) {
  const int K = x.shape.c, T = x.shape.w;
  const float* z = x.sample(i);
  std::vector<std::vector<double>> y(static_cast<size_t>(frames), std::vector<double>(static_cast<size_t>(K)));
  for (int t = 0; t < frames; ++t) {
    double sum = 0;
    for (int k = 0; k < K; ++k) sum += std::exp(double(z[k * T + t]));
    for (int k = 0; k < K; ++k) y[size_t(t)][size_t(k)] = std::exp(double(z[k * T + t])) / sum;
  }
  double p = 0;
  std::vector<int> path(size_t(frames), 0);
  for (long code = 0; code < std::lround(std::pow(K, frames)); ++code) {
    long c = code;
    double prob = 1;
    for (int t = 0; t < frames; ++t) {
      path[size_t(t)] = int(c % K);
      c /= K;
      prob *= y[size_t(t)][size_t(path[size_t(t)])];
    }
    std::vector<int> collapsed;
    for (int t = 0; t < frames; ++t)
      if (path[size_t(t)] != blank && (t == 0 || path[size_t(t)] != path[size_t(t - 1)]))
        collapsed.push_back(path[size_t(t)]);
    if (collapsed == label) p += prob;
  }
  return -std::log(p);
}
}  // namespace

TEST(Ctc, MatchesBruteForceOnEveryAlignment) {
  // 3 classes (blank 0), up to 6 frames: 729 paths. Labels with repeats (which need a blank between), of every
  // length that fits, and the empty one.
  const std::vector<std::vector<int>> labels{{}, {1}, {2}, {1, 2}, {1, 1}, {2, 1, 2}, {1, 1, 1}, {1, 2, 2}};
  for (int frames : {1, 3, 5, 6}) {
    const Tensor x = random_logits(int(labels.size()), 3, 6, unsigned(frames));
    CtcLoss ctc;
    ctc.forward(x, std::vector<int>(labels.size(), frames), labels);
    for (size_t i = 0; i < labels.size(); ++i) {
      const double want = brute_force_loss(x, int(i), frames, labels[i], 0);
      if (std::isinf(want)) {
        EXPECT_TRUE(std::isinf(ctc.losses[i])) << "frames " << frames << " label " << i;
      } else {
        EXPECT_NEAR(ctc.losses[i], want, 1e-9 * std::max(1.0, want)) << "frames " << frames << " label " << i;
      }
    }
  }
}

TEST(Ctc, BlankNeedNotBeClassZero) {
  const Tensor x = random_logits(1, 4, 5, 3);
  CtcLoss ctc;
  ctc.blank = 3;
  ctc.forward(x, {5}, {{0, 2, 2}});
  EXPECT_NEAR(ctc.losses[0], brute_force_loss(x, 0, 5, {0, 2, 2}, 3), 1e-9);
}

TEST(Ctc, GradientMatchesNumericalDifferences) {
  // Two samples of different lengths in one padded batch: the padding gets no gradient, and each frame's
  // gradient matches central differences of the mean loss in double-precision loss evaluations.
  Tensor x = random_logits(2, 5, 7, 11);
  const std::vector<int> lengths{7, 5};
  const std::vector<std::vector<int>> labels{{1, 3, 3, 2}, {4, 1}};
  CtcLoss ctc;
  ctc.forward(x, lengths, labels);
  Tensor d;
  ctc.backward(d);
  const double eps = 1e-3;
  double worst = 0;
  for (size_t j = 0; j < x.size(); ++j) {
    const float keep = x.data[j];
    x.data[j] = float(keep + eps);
    CtcLoss plus;
    const double lp = plus.forward(x, lengths, labels);
    x.data[j] = float(keep - eps);
    CtcLoss minus;
    const double lm = minus.forward(x, lengths, labels);
    x.data[j] = keep;
    const double numeric = (lp - lm) / (2 * eps);
    worst = std::max(worst, std::abs(numeric - double(d.data[j])));
  }
  EXPECT_LT(worst, 1e-4);
  for (int t = 5; t < 7; ++t)
    for (int k = 0; k < 5; ++k) EXPECT_EQ(d.sample(1)[k * 7 + t], 0.f) << "padding frame " << t;
  // Each frame's gradient sums to zero over the classes (softmax), and is not all zero.
  double norm = 0;
  for (int t = 0; t < 7; ++t) {
    double sum = 0;
    for (int k = 0; k < 5; ++k) {
      sum += d.sample(0)[k * 7 + t];
      norm += std::abs(d.sample(0)[k * 7 + t]);
    }
    EXPECT_NEAR(sum, 0, 1e-6);
  }
  EXPECT_GT(norm, 0.1);
}

TEST(Ctc, LabelLongerThanTheInputIsImpossible) {
  const Tensor x = random_logits(2, 3, 4, 5);
  CtcLoss ctc;
  // 5 characters in 4 frames; "1 1 1" needs 5 frames (blanks between the repeats).
  const double mean = ctc.forward(x, {4, 4}, {{1, 2, 1, 2, 1}, {1, 1, 1}});
  EXPECT_TRUE(std::isinf(ctc.losses[0]));
  EXPECT_TRUE(std::isinf(ctc.losses[1]));
  EXPECT_TRUE(std::isinf(mean));
  Tensor d;
  ctc.backward(d);
  for (float v : d.data) EXPECT_EQ(v, 0.f);
  // zero_infinity: impossible samples count as 0 and leave the possible one alone.
  CtcLoss lenient;
  lenient.zero_infinity = true;
  const Tensor y = random_logits(2, 3, 4, 6);
  const double m = lenient.forward(y, {4, 4}, {{1, 2, 1, 2, 1}, {1, 2}});
  EXPECT_EQ(lenient.losses[0], 0.0);
  EXPECT_NEAR(lenient.losses[1], brute_force_loss(y, 1, 4, {1, 2}, 0), 1e-9);
  EXPECT_NEAR(m, lenient.losses[1] / 2, 1e-12);
}

TEST(Ctc, EmptyLabelIsAllBlank) {
  const Tensor x = random_logits(1, 4, 6, 9);
  CtcLoss ctc;
  ctc.forward(x, {6}, {{}});
  double want = 0;  // -sum_t log y_t(blank), computed directly
  for (int t = 0; t < 6; ++t) {
    double sum = 0;
    for (int k = 0; k < 4; ++k) sum += std::exp(double(x.sample(0)[k * 6 + t]));
    want -= double(x.sample(0)[t]) - std::log(sum);
  }
  EXPECT_NEAR(ctc.losses[0], want, 1e-9);
  // No frames at all: the empty label is certain, any other impossible.
  CtcLoss none;
  none.forward(x, {0}, {{}});
  EXPECT_EQ(none.losses[0], 0.0);
  none.forward(x, {0}, {{1}});
  EXPECT_TRUE(std::isinf(none.losses[0]));
}

TEST(Ctc, LongPeakedSequenceStaysFinite) {
  // 2,000 frames of logits at +-60 (probabilities down to e^-120, far below float's range when multiplied):
  // the network emits "1 2 1 2 ..." with a blank between, almost surely. Loss ~ 0, gradient finite and tiny.
  const int K = 3, T = 2000;
  Tensor x(1, Shape{K, 1, T});
  std::vector<int> label;
  for (int t = 0; t < T; ++t) {
    const int cls = t % 2 ? 0 : 1 + (t / 2) % 2;
    if (cls) label.push_back(cls);
    for (int k = 0; k < K; ++k) x.sample(0)[k * T + t] = k == cls ? 60.f : -60.f;
  }
  CtcLoss ctc;
  ctc.forward(x, {T}, {label});
  EXPECT_TRUE(std::isfinite(ctc.losses[0]));
  EXPECT_LT(std::abs(ctc.losses[0]), 1e-40);  // the true loss is ~T e^-120 ~ 1e-49; rounding may flip its sign
  // A wrong label on the same outputs: large but finite (every path is possible, just unlikely).
  std::vector<int> wrong = label;
  wrong[500] = wrong[500] == 1 ? 2 : 1;
  ctc.forward(x, {T}, {wrong});
  EXPECT_TRUE(std::isfinite(ctc.losses[0]));
  EXPECT_GT(ctc.losses[0], 100.0);
  Tensor d;
  ctc.backward(d);
  for (float v : d.data) ASSERT_TRUE(std::isfinite(v));
}

TEST(Ctc, RejectsBadLabelsAndLengths) {
  const Tensor x = random_logits(1, 3, 4, 1);
  CtcLoss ctc;
  EXPECT_THROW(ctc.forward(x, {4}, {{0}}), std::invalid_argument);  // blank inside a label
  EXPECT_THROW(ctc.forward(x, {4}, {{3}}), std::invalid_argument);  // no such class
  EXPECT_THROW(ctc.forward(x, {5}, {{1}}), std::invalid_argument);  // more frames than the tensor has
  EXPECT_THROW(ctc.forward(x, {4, 4}, {{1}}), std::invalid_argument);
}

TEST(Ctc, GreedyDecodingMergesRepeatsAndDropsBlanks) {
  // Frame argmaxes 1 1 0 1 2 2 0 0 2 -> "1 1 2 2".
  const std::vector<int> best{1, 1, 0, 1, 2, 2, 0, 0, 2};
  const int T = int(best.size());
  Tensor x(1, Shape{3, 1, T});
  for (int t = 0; t < T; ++t)
    for (int k = 0; k < 3; ++k) x.sample(0)[k * T + t] = k == best[size_t(t)] ? 1.f : 0.f;
  EXPECT_EQ(scrawl::ctc_greedy_decode(x, 0, T), (std::vector<int>{1, 1, 2, 2}));
  EXPECT_EQ(scrawl::ctc_greedy_decode(x, 0, 4), (std::vector<int>{1, 1}));
  EXPECT_TRUE(scrawl::ctc_greedy_decode(x, 0, 0).empty());
}

// The sequence layers a line model is built from.
#include "scrawl/nn/gradcheck.h"
#include "scrawl/nn/temporal_conv.h"

TEST(TemporalConv, GradientsMatchNumericalDifferences) {
  for (int k : {1, 3, 5}) {
    scrawl::TemporalConv tc(k, 4);
    const auto r = scrawl::check_layer_gradients(tc, Shape{3, 1, 9}, 2, 1e-2, 5);
    EXPECT_GT(r.checked, 0u);
    EXPECT_LT(r.max_rel_error, 2e-2) << "kernel " << k;
  }
}

TEST(TemporalConv, MatchesADirectConvolution) {
  // y[o][t] = b[o] + sum_f sum_j W[o][f][j] x[f][t + j - 1], zero outside the sequence, computed here by loops.
  scrawl::TemporalConv tc(3, 2);
  tc.setup(Shape{2, 1, 5});
  std::vector<float> w(tc.param_count()), dw(tc.param_count());
  for (size_t i = 0; i < w.size(); ++i) w[i] = 0.1f * float(i) - 0.5f;
  tc.bind(w.data(), dw.data());
  const Tensor x = random_logits(1, 2, 5, 4);
  Tensor y;
  tc.forward(y, x, {});
  for (int o = 0; o < 2; ++o)
    for (int t = 0; t < 5; ++t) {
      double want = w[12 + size_t(o)];
      for (int f = 0; f < 2; ++f)
        for (int j = 0; j < 3; ++j) {
          const int s = t + j - 1;
          if (s >= 0 && s < 5) want += double(w[size_t((o * 2 + f) * 3 + j)]) * x.sample(0)[f * 5 + s];
        }
      EXPECT_NEAR(y.sample(0)[o * 5 + t], want, 1e-5) << o << "," << t;
    }
}

TEST(TemporalConv, PaddedFramesComputeWhatTheLineAloneComputes) {
  // A 4-frame line padded to 7 frames (padding filled with junk) reads exactly like the 4 frames alone, writes
  // zeros on the padding, and passes no gradient to it.
  scrawl::TemporalConv alone(3, 2), padded(3, 2);
  alone.setup(Shape{3, 1, 4});
  padded.setup(Shape{3, 1, 7});
  const size_t np = alone.param_count();
  std::vector<float> w(np, 0.f), dw1(np, 0.f), dw2(np, 0.f);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (auto& v : w) v = u(rng);
  alone.bind(w.data(), dw1.data());
  padded.bind(w.data(), dw2.data());
  const Tensor short_x = random_logits(1, 3, 4, 8);
  Tensor long_x = random_logits(1, 3, 7, 9);  // frames 4..6 are junk
  for (int f = 0; f < 3; ++f)
    for (int t = 0; t < 4; ++t) long_x.sample(0)[f * 7 + t] = short_x.sample(0)[f * 4 + t];
  const std::vector<int> frames{4};
  scrawl::Pass pass;
  pass.frames = &frames;
  Tensor y1, y2, dx1, dx2;
  alone.forward(y1, short_x, {});
  padded.forward(y2, long_x, pass);
  for (int o = 0; o < 2; ++o) {
    for (int t = 0; t < 4; ++t) EXPECT_FLOAT_EQ(y2.sample(0)[o * 7 + t], y1.sample(0)[o * 4 + t]);
    for (int t = 4; t < 7; ++t) EXPECT_EQ(y2.sample(0)[o * 7 + t], 0.f);
  }
  Tensor dy1(1, Shape{2, 1, 4}), dy2(1, Shape{2, 1, 7});
  for (auto& v : dy2.data) v = u(rng);
  for (int o = 0; o < 2; ++o)
    for (int t = 0; t < 4; ++t) dy1.sample(0)[o * 4 + t] = dy2.sample(0)[o * 7 + t];
  alone.backward(dx1, dy1, short_x, y1, true);
  padded.backward(dx2, dy2, long_x, y2, true);
  for (size_t i = 0; i < w.size(); ++i) EXPECT_NEAR(dw2[i], dw1[i], 1e-5) << "weight " << i;
  for (int f = 0; f < 3; ++f) {
    for (int t = 0; t < 4; ++t) EXPECT_NEAR(dx2.sample(0)[f * 7 + t], dx1.sample(0)[f * 4 + t], 1e-6);
    for (int t = 4; t < 7; ++t) EXPECT_EQ(dx2.sample(0)[f * 7 + t], 0.f);
  }
}

TEST(ToSequence, FramesAreTheColumnsOfTheFeatureMap) {
  scrawl::ToSequence seq;
  EXPECT_EQ(seq.setup(Shape{2, 3, 4}), (Shape{6, 1, 4}));
  Tensor x = random_logits(2, 2, 12, 1);
  x.shape = Shape{2, 3, 4};
  Tensor y, dx;
  seq.forward(y, x, {});
  EXPECT_EQ(y.shape, (Shape{6, 1, 4}));
  // Feature (c*H + h) of frame w is x(c, h, w).
  EXPECT_EQ(y.sample(1)[(1 * 3 + 2) * 4 + 3], x.sample(1)[1 * 12 + 2 * 4 + 3]);
  const auto r = scrawl::check_layer_gradients(seq, Shape{2, 3, 4}, 2, 1e-2, 2);
  EXPECT_LT(r.max_rel_error, 1e-2);
}

#include "scrawl/nn/model.h"

TEST(LineModel, ConvToSequenceToCtcGradientsMatchNumericalDifferences) {
  // A miniature line recognizer: conv features over a 8x16 line image, strided to 8 frames (no max pool: its ties make
  // central differences meaningless), two temporal convolutions, 5 classes (blank + 4) per frame, trained by CTC.
  // Backprop through the whole stack agrees with central differences of the CTC loss for every parameter.
  scrawl::InputSpec in;
  in.shape = Shape{1, 8, 16};
  scrawl::Model m("conv3x3x4s2p1,tanh,seq,tconv3x6,tanh,tconv1x5", in, "_ABCD");
  m.init_params(3);
  Tensor x = random_logits(2, 1, 8 * 16, 12, 1.f);
  x.shape = in.shape;
  const std::vector<int> frames{8, 8};
  const std::vector<std::vector<int>> labels{{1, 2, 2}, {4, 3}};
  auto loss = [&] {
    CtcLoss ctc;
    return ctc.forward(m.forward(x), frames, labels);
  };
  CtcLoss ctc;
  const Tensor& logits = m.forward(x);
  ASSERT_EQ(logits.shape, (Shape{5, 1, 8}));
  ctc.forward(logits, frames, labels);
  Tensor d;
  ctc.backward(d);
  m.zero_grad();
  m.backward(d);
  const std::vector<float> analytic(m.grads().begin(), m.grads().end());
  double worst = 0;
  for (size_t j = 0; j < m.param_count(); ++j) {
    const float keep = m.params()[j];
    m.params()[j] = keep + 1e-2f;
    const double lp = loss();
    m.params()[j] = keep - 1e-2f;
    const double lm = loss();
    m.params()[j] = keep;
    const double numeric = (lp - lm) / 2e-2;
    const double e = std::abs(numeric - analytic[j]) / std::max(std::abs(numeric) + std::abs(analytic[j]), 1e-3);
    if (e > 3e-2) std::printf("param %zu numeric %g analytic %g\n", j, numeric, double(analytic[j]));
    worst = std::max(worst, e);
  }
  EXPECT_LT(worst, 3e-2);
}

TEST(LineModel, ReadsLinesOfAnyWidth) {
  // The same parameters read a 16- and a 40-column line: frames follow the width (stride 2 halves it), and the
  // first frames of a line do not depend on how much line follows beyond the receptive field... checked exactly
  // on a line that is the 16-column one padded with paper.
  scrawl::InputSpec in;
  in.shape = Shape{1, 8, 16};
  scrawl::Model m("conv3x3x4s2p1,relu,seq,tconv3x6,relu,tconv1x5", in, "_ABCD");
  m.init_params(9);
  const size_t params = m.param_count();
  Tensor x16 = random_logits(1, 1, 8 * 16, 2, 1.f);
  x16.shape = in.shape;
  const Tensor y16 = m.forward(x16);
  EXPECT_EQ(y16.shape, (Shape{5, 1, 8}));
  m.set_input_width(40);
  EXPECT_EQ(m.param_count(), params);
  EXPECT_EQ(m.input().shape, (Shape{1, 8, 40}));
  Tensor x40(1, Shape{1, 8, 40});
  x40.fill(0.f);
  for (int r = 0; r < 8; ++r)
    for (int c = 0; c < 16; ++c) x40.sample(0)[r * 40 + c] = x16.sample(0)[r * 16 + c];
  const Tensor& y40 = m.forward(x40);
  ASSERT_EQ(y40.shape, (Shape{5, 1, 20}));
  // Frames 0..5 see only columns 0..15 (receptive field: 2 tconv3 layers = +-2 frames = +-4 columns, conv +-1).
  for (int k = 0; k < 5; ++k)
    for (int t = 0; t < 6; ++t) EXPECT_NEAR(y40.sample(0)[k * 20 + t], y16.sample(0)[k * 8 + t], 1e-5) << k << "," << t;
  // A model whose parameters depend on the width refuses, and stays usable.
  scrawl::InputSpec glyph;
  scrawl::Model fc("conv3x3x2,flatten,fc3", glyph, "abc");
  EXPECT_THROW(fc.set_input_width(20), std::runtime_error);
  EXPECT_EQ(fc.input().shape, (Shape{1, 28, 28}));
  Tensor g(1, glyph.shape);
  g.fill(0.5f);
  EXPECT_EQ(fc.forward(g).shape, (Shape{3, 1, 1}));
}

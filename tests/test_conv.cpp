// Conv2D, MaxPool, Flatten, Dropout: gradient checks, im2col+GEMM against a direct convolution, hand examples.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <tuple>
#include <utility>

#include "scrawl/nn/conv2d.h"
#include "scrawl/nn/dropout.h"
#include "scrawl/nn/flatten.h"
#include "scrawl/nn/gradcheck.h"
#include "scrawl/nn/im2col.h"
#include "scrawl/nn/maxpool.h"
#include "scrawl/nn/model.h"
#include "scrawl/nn/model_io.h"
#include "scrawl/nn/softmax_xent.h"
#include "scrawl/nn/threads.h"
#include "scrawl/nn/winograd.h"
#include "test_util.h"

namespace scrawl {
namespace {

// float32 forward passes with double-accumulated losses: the float rounding of the loss, divided by 2*eps, is
// the error floor. Conv and pool are piecewise linear, so a large eps is exact up to that rounding and keeps the
// floor low; a wrong formula gives O(1) errors. Measured maxima are printed by each test. A convolution is linear
// in its weights and in its input separately, so its central differences are exact at any eps: 0.1 (at 1e-2 the
// floor reached 1.1e-2 on a stride-2 convolution whose products summed in another order, nn/gemm's kernels).
constexpr double kTol = 1e-2;
constexpr double kEpsLinear = 1e-1;

TEST(Conv2D, GradientSamePadding) {
  Conv2D conv(3, 4);  // conv3x3x4: stride 1, pad 1
  const auto r = check_layer_gradients(conv, Shape{3, 6, 5}, 2, kEpsLinear);
  EXPECT_EQ(r.checked, conv.param_count() + 2u * 3 * 6 * 5);
  EXPECT_LT(r.max_rel_error, kTol) << "checked " << r.checked;
  std::printf("conv3x3x4 on 3x6x5: max rel error %.2e over %zu entries\n", r.max_rel_error, r.checked);
  // A first layer, 9 taps for 16 outputs: its weight gradient comes from Eigen's product with the columns transposed.
  Conv2D first(3, 16);
  const auto r2 = check_layer_gradients(first, Shape{1, 6, 7}, 3, kEpsLinear);
  EXPECT_EQ(r2.checked, first.param_count() + 3u * 6 * 7);
  EXPECT_LT(r2.max_rel_error, kTol) << "checked " << r2.checked;
  std::printf("conv3x3x16 on 1x6x7: max rel error %.2e\n", r2.max_rel_error);
}

TEST(Conv2D, GradientStrideAndPadding) {
  Conv2D conv(3, 5, 2, 1);  // conv3x3x5s2p1
  EXPECT_EQ(conv.setup(Shape{2, 7, 8}), (Shape{5, 4, 4}));
  const auto r = check_layer_gradients(conv, Shape{2, 7, 8}, 3, kEpsLinear);
  EXPECT_LT(r.max_rel_error, kTol) << "checked " << r.checked;
  Conv2D big(5, 3, 2, 2);  // 5x5 kernel, stride 2, pad 2
  const auto r2 = check_layer_gradients(big, Shape{2, 9, 9}, 2, kEpsLinear);
  EXPECT_LT(r2.max_rel_error, kTol);
  std::printf("conv3x3x5s2p1: %.2e, conv5x5x3s2p2: %.2e\n", r.max_rel_error, r2.max_rel_error);
}

TEST(MaxPool, Gradient) {
  MaxPool pool(2);
  const auto r = check_layer_gradients(pool, Shape{3, 6, 6}, 2);
  EXPECT_LT(r.max_rel_error, kTol);
  MaxPool overlap(3, 2);  // overlapping windows share inputs: backward must accumulate
  const auto r2 = check_layer_gradients(overlap, Shape{2, 7, 7}, 2);
  EXPECT_LT(r2.max_rel_error, kTol);
  std::printf("pool2: %.2e, pool3s2: %.2e\n", r.max_rel_error, r2.max_rel_error);
}

TEST(Flatten, GradientAndShape) {
  Flatten f;
  EXPECT_EQ(f.setup(Shape{3, 4, 5}), (Shape{60, 1, 1}));
  const auto r = check_layer_gradients(f, Shape{3, 4, 5}, 2);
  EXPECT_LT(r.max_rel_error, 1e-4);
}

// Dropout with a fixed mask: the rng is re-seeded before every forward, so every evaluation drops the same units.
TEST(Dropout, GradientWithFixedMask) {
  const Shape in{2, 5, 5};
  const int n = 4;
  Dropout d(0.4f);
  d.setup(in);
  std::mt19937 data_rng(7);
  std::normal_distribution<float> normal(0.f, 1.f);
  Tensor x(n, in), r(n, in), y, dx;
  for (auto& v : x.data) v = normal(data_rng);
  for (auto& v : r.data) v = normal(data_rng);
  auto eval = [&]() {
    std::mt19937 rng(99);
    d.forward(y, x, Pass{true, &rng, nullptr, {}});
    double s = 0;
    for (size_t i = 0; i < y.size(); ++i) s += static_cast<double>(y.data[i]) * r.data[i];
    return s;
  };
  eval();
  d.backward(dx, r, x, y, true);
  int dropped = 0;
  double worst = 0;
  const double eps = 1e-3;
  for (size_t i = 0; i < x.size(); ++i) {
    if (y.data[i] == 0.f) ++dropped;
    const float keep = x.data[i];
    x.data[i] = keep + static_cast<float>(eps);
    const double lp = eval();
    x.data[i] = keep - static_cast<float>(eps);
    const double lm = eval();
    x.data[i] = keep;
    const double num = (lp - lm) / (2 * eps);
    worst = std::max(worst, std::abs(num - dx.data[i]) / std::max(std::abs(num) + std::abs(dx.data[i]), 1e-4));
  }
  EXPECT_LT(worst, kTol);
  // 200 values at p = 0.4: 80 expected, binomial sd ~7.
  EXPECT_GT(dropped, 50);
  EXPECT_LT(dropped, 110);
  // Survivors are scaled by 1/(1-p) so the expected activation is unchanged.
  for (size_t i = 0; i < x.size(); ++i)
    if (y.data[i] != 0.f) {
      EXPECT_NEAR(y.data[i], x.data[i] / 0.6f, 1e-5f);
    }
}

TEST(Dropout, IdentityAtInference) {
  Dropout d(0.5f);
  d.setup(Shape{10, 1, 1});
  Tensor x(3, Shape{10, 1, 1}), y;
  for (size_t i = 0; i < x.size(); ++i) x.data[i] = static_cast<float>(i) - 7.f;
  d.forward(y, x, Pass{});
  EXPECT_EQ(y.data, x.data);
}

// Runs conv (set up for `in`) forward on a batch of 3 random inputs with random weights, and the direct loops on
// the same: the pair of outputs, sample after sample.
struct ConvAndDirect {
  std::vector<float> y, ref;
};
ConvAndDirect conv_and_direct(Conv2D& conv, Shape in, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.f, 1.f);
  const Shape out = conv.setup(in);
  std::vector<float> w(conv.param_count()), dw(conv.param_count());
  conv.bind(w.data(), dw.data());
  for (auto& v : w) v = normal(rng);
  Tensor x(3, in), y;
  for (auto& v : x.data) v = normal(rng);
  conv.forward(y, x, Pass{});
  EXPECT_EQ(y.shape, out);
  ConvAndDirect r{std::vector<float>(y.data.begin(), y.data.end()), std::vector<float>(y.data.size())};
  const size_t nw = static_cast<size_t>(conv.out_channels()) * conv.geom().rows();
  for (int i = 0; i < x.n; ++i)
    conv2d_direct(r.ref.data() + static_cast<size_t>(i) * out.size(), x.sample(i), w.data(), w.data() + nw,
                  conv.out_channels(), conv.geom());
  return r;
}

TEST(Conv2D, Im2colMatchesDirectConvolution) {
  struct Case {
    int c, h, w, k, oc, stride, pad;
  };
  const Case cases[] = {{1, 28, 28, 5, 8, 1, 2}, {3, 9, 7, 3, 4, 1, 1}, {2, 10, 11, 3, 5, 2, 1},
                        {4, 8, 8, 5, 3, 1, 0},   {2, 7, 9, 4, 6, 3, 2}, {1, 5, 5, 1, 2, 1, 0}};
  std::mt19937 rng(3);
  for (const Case& c : cases) {
    Conv2D conv(c.k, c.oc, c.stride, c.pad);
    const ConvAndDirect r = conv_and_direct(conv, Shape{c.c, c.h, c.w}, rng);
    for (size_t j = 0; j < r.y.size(); ++j)
      ASSERT_NEAR(r.y[j], r.ref[j], 1e-4f * (1.f + std::abs(r.ref[j]))) << "k" << c.k << " s" << c.stride;
  }
}

// col2im_add is im2col's adjoint: <im2col(x), c> = <x, col2im(c)> for any x and c, which checks every tap's
// placement, the borders included, independently of the convolution tests.
TEST(Conv2D, Col2imIsTheAdjointOfIm2col) {
  struct Case {
    int c, h, w, k, stride, pad;
  };
  // Same padding, none, wider than the kernel (whole rows and columns outside), strided, a 1-pixel-wide image.
  // Then planes no taller than the pad (rows of taps wholly above or below the image: a review found the fast
  // path writing past the row there).
  const Case cases[] = {{2, 6, 9, 3, 1, 1}, {1, 5, 7, 3, 1, 0}, {2, 4, 3, 3, 1, 3}, {3, 7, 8, 3, 2, 1},
                        {1, 6, 1, 3, 1, 1}, {2, 5, 6, 5, 1, 2}, {1, 1, 5, 3, 1, 1}, {2, 2, 4, 5, 1, 2},
                        {1, 3, 1, 5, 1, 2}, {1, 1, 1, 3, 1, 1}};
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.f, 1.f);
  for (const Case& t : cases) {
    ConvGeom g;
    g.c = t.c, g.h = t.h, g.w = t.w, g.k = t.k, g.stride = t.stride, g.pad = t.pad;
    const size_t nx = size_t(g.c) * g.h * g.w, ncol = size_t(g.rows()) * g.cols();
    // One float past the columns, as a guard: im2col must not write it.
    std::vector<float> x(nx), c(ncol), col(ncol + 1, 123.f), img(nx, 0.f);
    for (auto& v : x) v = normal(rng);
    for (auto& v : c) v = normal(rng);
    const std::vector<float> c0 = c;  // col2im_add may zero c's out-of-image taps: the product uses the original
    im2col(col.data(), x.data(), g);
    col2im_add(img.data(), c.data(), g);
    EXPECT_EQ(col[ncol], 123.f);
    double lhs = 0, rhs = 0;
    for (size_t i = 0; i < ncol; ++i) lhs += double(col[i]) * c0[i];
    for (size_t i = 0; i < nx; ++i) rhs += double(x[i]) * img[i];
    EXPECT_NEAR(lhs, rhs, 1e-4 * (1 + std::abs(lhs)))
        << "c" << t.c << " h" << t.h << " w" << t.w << " k" << t.k << " s" << t.stride << " p" << t.pad;
    // Taps outside the image read as zero: at least one whole row of columns is zero when the pad exceeds K/2.
    if (t.pad >= t.k) {
      EXPECT_EQ(col[0], 0.f);
    }
  }
}

// Winograd's transforms, checked in double against a direct 1-D correlation y_i = sum_k g_k d_{i+k} for every (m, r)
// Conv2D may use. And two rows of the 6 x 6 input transform worked out by hand: from the points 0, -1, 1, 1/2, -2
// and infinity, row 0 holds the coefficients of (x + 1)(x - 1)(x - 1/2)(x + 2) = 1 - 1.5x - 2x^2 + 1.5x^3 + x^4
// (scaled by (0 + 1)(0 - 1)(0 - 1/2)(0 + 2) = 1), the last row those of x times that.
TEST(Winograd, TransformsComputeACorrelation) {
  std::mt19937 rng(5);
  std::normal_distribution<double> normal(0., 1.);
  for (const auto& [m, r] : {std::pair{4, 3}, {2, 5}, {2, 3}, {4, 5}}) {
    const WinogradMatrices t = winograd_matrices(m, r);
    ASSERT_EQ(t.a, m + r - 1);
    for (int trial = 0; trial < 5; ++trial) {
      std::vector<double> g(r), d(t.a), gg(t.a, 0.), dd(t.a, 0.);
      for (auto& v : g) v = normal(rng);
      for (auto& v : d) v = normal(rng);
      for (int j = 0; j < t.a; ++j)
        for (int k = 0; k < r; ++k) gg[j] += t.g[j * r + k] * g[k];
      for (int j = 0; j < t.a; ++j)
        for (int k = 0; k < t.a; ++k) dd[j] += t.bt[j * t.a + k] * d[k];
      for (int i = 0; i < m; ++i) {
        double y = 0, ref = 0;
        for (int j = 0; j < t.a; ++j) y += t.at[i * t.a + j] * gg[j] * dd[j];
        for (int k = 0; k < r; ++k) ref += g[k] * d[i + k];
        EXPECT_NEAR(y, ref, 1e-12 * (1 + std::abs(ref))) << "F(" << m << "," << r << ") output " << i;
      }
    }
  }
  const WinogradMatrices f43 = winograd_matrices(4, 3);
  const std::vector<double> row0(f43.bt.begin(), f43.bt.begin() + 6), row5(f43.bt.begin() + 30, f43.bt.end());
  EXPECT_EQ(row0, (std::vector<double>{1, -1.5, -2, 1.5, 1, 0}));
  EXPECT_EQ(row5, (std::vector<double>{0, 1, -1.5, -2, 1.5, 1}));
}

// The Winograd path against the direct loops: channel counts that are and are not multiples of the 8-lane
// vectors (also on planes wide enough for the register-transposed tiles, whose last chunk of 4 channels must take
// the element-wise path), planes that are not multiples of the tile (the last tiles hang over), a plane smaller
// than one tile, and the CNN benchmark's conv5x5x64 over 32 channels; at 1 and 2 threads.
TEST(Winograd, ForwardMatchesDirectConvolution) {
  struct Case {
    int c, h, w, k, oc;
  };
  const Case cases[] = {{8, 7, 9, 3, 5},     {9, 6, 5, 5, 3},     {16, 4, 17, 3, 16},
                        {8, 1, 1, 3, 8},     {12, 3, 2, 5, 9},    {32, 14, 14, 5, 64},
                        {32, 16, 24, 3, 64}, {12, 16, 24, 3, 20}, {12, 16, 24, 5, 20}};
  std::mt19937 rng(3);
  double worst = 0;
  for (int threads : {1, 2}) {
    set_threads(threads);
    for (const Case& c : cases) {
      Conv2D conv(c.k, c.oc);
      const ConvAndDirect r = conv_and_direct(conv, Shape{c.c, c.h, c.w}, rng);
      ASSERT_TRUE(conv.uses_winograd()) << "c" << c.c << " k" << c.k;
      // Sums of c*k*k products of unit normals: |ref| is typically sqrt(c)*k. The transforms round at about 2e-5 of
      // that (F(4, 5) on 32 channels, the worst case here).
      const float scale = std::sqrt(static_cast<float>(c.c)) * c.k;
      for (size_t j = 0; j < r.y.size(); ++j) {
        const double err = std::abs(r.y[j] - r.ref[j]) / scale;
        worst = std::max(worst, err);
        ASSERT_LT(err, 1e-4) << "c" << c.c << " h" << c.h << " w" << c.w << " k" << c.k << " at " << j;
      }
    }
  }
  set_threads(0);
  std::printf("Winograd forward: worst error %.2e of the terms' scale\n", worst);
}

// The transforms round more than im2col's sums (below), which raises the floor of the central differences; the
// convolution is linear in its weights and in its input, so a larger step is as exact and lowers it 10x.
constexpr double kEpsWinograd = 1.0;

TEST(Winograd, Gradients) {
  Conv2D f43(3, 5);  // F(4, 3), a plane of 2 x 2 tiles, the last hanging over
  f43.setup(Shape{8, 6, 7});
  ASSERT_TRUE(f43.uses_winograd());
  const auto r = check_layer_gradients(f43, Shape{8, 6, 7}, 2, kEpsWinograd, 1, 1500);
  EXPECT_LT(r.max_rel_error, kTol) << "checked " << r.checked;
  Conv2D f45(5, 9);  // F(4, 5), 9 channels in (padded to 16) and 9 out
  f45.setup(Shape{9, 5, 4});
  ASSERT_TRUE(f45.uses_winograd());
  const auto r2 = check_layer_gradients(f45, Shape{9, 5, 4}, 2, kEpsWinograd, 1, 1500);
  EXPECT_LT(r2.max_rel_error, kTol) << "checked " << r2.checked;
  std::printf("Winograd conv3x3x5 on 8x6x7: %.2e, conv5x5x9 on 9x5x4: %.2e\n", r.max_rel_error, r2.max_rel_error);
}

// Backward on both paths against plain loops in double, at 1 and 2 threads: dx[c][p] = sum dy[o][p - t] w[o][c][t],
// dW[o][c][t] = sum dy[o][p] x[c][p + t], db[o] = sum dy[o][p]. Errors are relative to the sums' typical size
// (sqrt of the terms' count). The weight gradient is added to what was there (backward accumulates).
TEST(Winograd, BackwardMatchesDoubleLoops) {
  std::mt19937 rng(9);
  std::normal_distribution<float> normal(0.f, 1.f);
  double worst_fast = 0, worst_slow = 0;
  for (int threads : {1, 2}) {
    set_threads(threads);
    for (const auto& [k, c, oc, h, w] :
         {std::tuple{3, 32, 64, 14, 14}, {5, 16, 24, 13, 17}, {3, 12, 20, 16, 24}, {5, 12, 20, 16, 24}}) {
      const int n = 5, pad = k / 2;
      Conv2D fast(k, oc), slow(k, oc);
      fast.setup(Shape{c, h, w});
      set_winograd(false);
      slow.setup(Shape{c, h, w});
      set_winograd(true);
      ASSERT_TRUE(fast.uses_winograd());
      ASSERT_FALSE(slow.uses_winograd());
      std::vector<float> wt(fast.param_count()), dw_fast(wt.size(), 0.5f), dw_slow(wt.size(), 0.5f);
      for (auto& v : wt) v = normal(rng);
      fast.bind(wt.data(), dw_fast.data());
      slow.bind(wt.data(), dw_slow.data());
      Tensor x(n, Shape{c, h, w}), dy(n, Shape{oc, h, w}), y1, y2, dx1, dx2;
      for (auto& v : x.data) v = normal(rng);
      for (auto& v : dy.data) v = normal(rng);
      Pass training;
      training.training = true;
      fast.forward(y1, x, training);
      slow.forward(y2, x, training);
      fast.backward(dx1, dy, x, y1, true);
      slow.backward(dx2, dy, x, y2, true);
      std::vector<double> dx(x.size(), 0.), dw(wt.size(), 0.5);
      const size_t kk = static_cast<size_t>(k) * k, nw = static_cast<size_t>(oc) * c * kk;
      for (int s = 0; s < n; ++s)
        for (int o = 0; o < oc; ++o)
          for (int py = 0; py < h; ++py)
            for (int px = 0; px < w; ++px) {
              const double g = dy.sample(s)[(o * h + py) * w + px];
              dw[nw + o] += g;
              for (int ci = 0; ci < c; ++ci)
                for (int ky = 0; ky < k; ++ky)
                  for (int kx = 0; kx < k; ++kx) {
                    const int iy = py + ky - pad, ix = px + kx - pad;
                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                    const size_t wi = (o * c + ci) * kk + ky * k + kx, xi = (ci * h + iy) * w + ix;
                    dw[wi] += g * x.sample(s)[xi];
                    dx[s * x.features() + xi] += g * wt[wi];
                  }
            }
      const double sx = std::sqrt(double(oc) * k * k), sw = std::sqrt(double(n) * h * w);
      for (size_t i = 0; i < dx.size(); ++i) {
        worst_fast = std::max(worst_fast, std::abs(dx1.data[i] - dx[i]) / sx);
        worst_slow = std::max(worst_slow, std::abs(dx2.data[i] - dx[i]) / sx);
      }
      for (size_t i = 0; i < dw.size(); ++i) {
        worst_fast = std::max(worst_fast, std::abs(dw_fast[i] - dw[i]) / sw);
        worst_slow = std::max(worst_slow, std::abs(dw_slow[i] - dw[i]) / sw);
      }
    }
  }
  set_threads(0);
  // The transforms' entries reach 8 and 1/90 (F(4, 5)): they round more than im2col's plain sums, at a few 1e-5
  // of a sum's size, which training does not notice.
  EXPECT_LT(worst_fast, 1e-4);
  EXPECT_LT(worst_slow, 1e-5);
  std::printf("backward, worst error of the sums' scale: Winograd %.2e, im2col %.2e\n", worst_fast, worst_slow);
}

// Same seed, same batch, same thread count: the same bits (the per-thread kernel gradient sums are reduced in
// thread order).
TEST(Winograd, RepeatableAtEachThreadCount) {
  for (int threads : {1, 2}) {
    set_threads(threads);
    std::vector<float> first;
    for (int run = 0; run < 2; ++run) {
      Conv2D conv(3, 16);
      conv.setup(Shape{16, 10, 12});
      std::vector<float> w(conv.param_count()), dw(w.size(), 0.f);
      conv.bind(w.data(), dw.data());
      std::mt19937 rng(21);
      conv.init_params(rng, Init::He);
      Tensor x(7, Shape{16, 10, 12}), y, dx;
      std::normal_distribution<float> normal(0.f, 1.f);
      for (auto& v : x.data) v = normal(rng);
      Pass training;
      training.training = true;
      conv.forward(y, x, training);
      conv.backward(dx, y, x, y, true);
      std::vector<float> all(y.data.begin(), y.data.end());
      all.insert(all.end(), dx.data.begin(), dx.data.end());
      all.insert(all.end(), dw.begin(), dw.end());
      if (run == 0)
        first = all;
      else
        EXPECT_EQ(all, first) << threads << " threads";
    }
  }
  set_threads(0);
}

// pool2 against a plain scan (first maximum in row-major window order wins), on inputs with many ties, odd sizes
// (a dropped border) and even ones (backward writes whole windows instead of clearing first). Forward keeps the
// maxima alone and backward finds each winner again from them: checked after a training and a reading pass, and
// after an earlier pass on other values, whose winners must play no part.
TEST(MaxPool, Pool2MatchesAPlainScanWithTies) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> level(0, 3);  // four values: ties in most windows
  for (bool training : {true, false})
    for (Shape in : {Shape{3, 6, 8}, Shape{2, 7, 5}, Shape{1, 4, 9}}) {
      MaxPool pool(2);
      const Shape out = pool.setup(in);
      Tensor x(2, in), y, dx, dy(2, out);
      for (auto& v : x.data) v = float(level(rng));
      for (size_t i = 0; i < dy.size(); ++i) dy.data[i] = float(i + 1);
      if (!training) {  // a pass on other values first
        Tensor other(2, in), y_other;
        for (auto& v : other.data) v = float(level(rng));
        pool.forward(y_other, other, Pass{true, &rng, nullptr, {}});
      }
      pool.forward(y, x, training ? Pass{true, &rng, nullptr, {}} : Pass{});
      dx.resize(2, in);
      dx.fill(99.f);  // stale values must not survive backward
      pool.backward(dx, dy, x, y, true);
      std::vector<float> want_dx(x.size(), 0.f);
      for (int i = 0; i < 2; ++i)
        for (int c = 0; c < in.c; ++c)
          for (int oy = 0; oy < out.h; ++oy)
            for (int ox = 0; ox < out.w; ++ox) {
              const size_t base = size_t(i) * in.size() + size_t(c) * in.h * in.w;
              size_t best = base + size_t(2 * oy) * in.w + 2 * ox;
              for (int ky = 0; ky < 2; ++ky)
                for (int kx = 0; kx < 2; ++kx) {
                  const size_t at = base + size_t(2 * oy + ky) * in.w + 2 * ox + kx;
                  if (x.data[at] > x.data[best]) best = at;
                }
              const size_t j = size_t(i) * out.size() + size_t(c * out.h + oy) * out.w + ox;
              ASSERT_EQ(y.data[j], x.data[best]) << in.str() << (training ? " training" : " reading");
              want_dx[best] += dy.data[j];
            }
      EXPECT_EQ(std::vector<float>(dx.data.begin(), dx.data.end()), want_dx) << in.str();
    }
}

// 3x3 image 1..9, 2x2 kernel [[1,2],[3,4]], no padding, bias 1: worked by hand.
TEST(Conv2D, HandComputedExample) {
  auto layer = make_layer("conv2x2x1p0");
  ASSERT_EQ(layer->setup(Shape{1, 3, 3}), (Shape{1, 2, 2}));
  std::vector<float> w = {1, 2, 3, 4, 1}, dw(5, 0.f);
  layer->bind(w.data(), dw.data());
  Tensor x(1, Shape{1, 3, 3}), y, dx;
  for (int i = 0; i < 9; ++i) x.data[i] = static_cast<float>(i + 1);
  layer->forward(y, x, Pass{});
  // y00 = 1*1+2*2+3*4+4*5 + 1 = 38; y01 = 2+6+15+24 + 1 = 48; y10 = 4+10+21+32 + 1 = 68; y11 = 5+12+24+36 + 1 = 78
  EXPECT_EQ(y.data, (FloatBuffer{38, 48, 68, 78}));
  // dy = 1 everywhere: dW[k] = sum of the inputs under tap k; dx[p] = sum of the kernel taps covering p.
  Tensor dy(1, Shape{1, 2, 2});
  dy.fill(1.f);
  layer->backward(dx, dy, x, y, true);
  EXPECT_EQ(dw, (std::vector<float>{1 + 2 + 4 + 5, 2 + 3 + 5 + 6, 4 + 5 + 7 + 8, 5 + 6 + 8 + 9, 4}));
  EXPECT_EQ(dx.data, (FloatBuffer{1, 3, 2, 4, 10, 6, 3, 7, 4}));
}

TEST(MaxPool, HandComputedExample) {
  MaxPool pool(2);
  pool.setup(Shape{1, 4, 4});
  Tensor x(1, Shape{1, 4, 4}), y, dx;
  x.data = {1, 5, 2, 0, 3, 4, 8, 1, -1, -2, 0, 0, -3, -4, 0, 6};
  pool.forward(y, x, Pass{});
  EXPECT_EQ(y.data, (FloatBuffer{5, 8, -1, 6}));
  Tensor dy(1, Shape{1, 2, 2});
  dy.data = {10, 20, 30, 40};
  pool.backward(dx, dy, x, y, true);
  EXPECT_EQ(dx.data, (FloatBuffer{0, 10, 0, 0, 0, 0, 20, 0, 30, 0, 0, 0, 0, 0, 0, 40}));
}

TEST(Arch, TokensRoundTrip) {
  for (const std::string tok :
       {"conv5x5x32", "conv3x3x64s2p0", "conv3x3x8s2", "conv5x5x4p0", "pool2", "pool3s2", "flatten", "dropout0.3"})
    EXPECT_EQ(make_layer(tok)->spec(), tok);
  EXPECT_EQ(make_layer("conv3x3x64s2p1")->spec(), "conv3x3x64s2");  // p1 is the default ("same") for K=3
  for (const std::string bad : {"conv3x5x8", "conv3x3", "pool", "dropout1.5", "conv0x0x4"})
    EXPECT_THROW(make_layer(bad), std::runtime_error) << bad;
}

// Normwise relative error ||a - n|| / (||a|| + ||n||) over every parameter and input. Unlike the per-entry max it
// is not dominated by entries whose gradient is below the float32 noise of the loss (~1e-7 / 2 eps).
double normwise_error(Model& m, const Tensor& x_in, const std::vector<int>& labels, double eps) {
  Tensor x = x_in;
  SoftmaxCrossEntropy loss;
  auto eval = [&]() { return loss.forward(m.forward(x), labels.data()); };
  eval();
  m.zero_grad();
  Tensor dlogits;
  loss.backward(dlogits, labels.data());
  m.backward(dlogits, true);
  std::vector<double> a(m.grads().begin(), m.grads().end());
  a.insert(a.end(), m.input_grad().data.begin(), m.input_grad().data.end());
  std::vector<double> num;
  auto probe = [&](float& v) {
    const float keep = v;
    v = static_cast<float>(keep + eps);
    const double lp = eval();
    v = static_cast<float>(keep - eps);
    const double lm = eval();
    v = keep;
    num.push_back((lp - lm) / (2 * eps));
  };
  for (float& p : m.params()) probe(p);
  for (float& v : x.data) probe(v);
  double d = 0, na = 0, nn = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    d += (a[i] - num[i]) * (a[i] - num[i]);
    na += a[i] * a[i];
    nn += num[i] * num[i];
  }
  return std::sqrt(d) / (std::sqrt(na) + std::sqrt(nn));
}

// conv (same and strided) + tanh/sigmoid + pool + flatten + dropout (identity at inference) + dense.
TEST(Model, WholeCnnGradient) {
  InputSpec in;
  in.shape = Shape{1, 8, 8};
  Model m("conv3x3x4,tanh,pool2,conv3x3x5s2p1,sigmoid,flatten,dropout0.2,fc6,tanh,fc3", in, "abc");
  m.init_params(5, "auto");
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.f, 1.f);
  Tensor x(1, in.shape);
  for (auto& v : x.data) v = normal(rng);
  const auto r = check_model_gradients(m, x, {2}, 3e-3, 0, 1);
  EXPECT_EQ(r.checked, m.param_count() + x.size());
  // Per-entry max: measured 1.8e-2, set by entries with |grad| ~1e-4 where float32 loss noise dominates.
  EXPECT_LT(r.max_rel_error, 5e-2);
  Tensor x2(3, in.shape);
  for (auto& v : x2.data) v = normal(rng);
  const double nw = normwise_error(m, x2, {0, 2, 1}, 3e-3);
  EXPECT_LT(nw, 1e-2);  // measured 3.0e-3
  std::printf("whole CNN: per-entry max rel error %.2e over %zu entries; normwise %.2e\n", r.max_rel_error, r.checked,
              nw);
}

// ReLU and max-pool kinks make a few entries' central differences straddle a kink, so only the normwise
// error is asserted here; the per-entry max is printed for the record.
TEST(Model, CnnWithReluGradient) {
  InputSpec in;
  in.shape = Shape{1, 10, 10};
  Model m("conv3x3x6,relu,pool2,conv3x3x8,relu,pool2,fc8,relu,fc4", in, "wxyz");
  m.init_params(2, "auto");
  std::mt19937 rng(4);
  std::normal_distribution<float> normal(0.f, 1.f);
  Tensor x(2, in.shape);
  for (auto& v : x.data) v = normal(rng);
  const auto r = check_model_gradients(m, x, {3, 1}, 1e-3, 0, 1);
  const double nw = normwise_error(m, x, {3, 1}, 1e-3);
  EXPECT_LT(nw, 1e-2);
  std::printf("relu CNN: per-entry max rel error %.2e over %zu entries; normwise %.2e\n", r.max_rel_error, r.checked,
              nw);
}

// A ReLU before max pooling runs after it (Model's runnable_layers): the layers run in the swapped order, and the
// logits, the parameter gradients and the input gradient are bit for bit those of the layers run as written, here
// a copy of parse_arch's layers bound to the same parameters. Inputs with many exact zeros and ties after the
// convolution's ReLU (a zero bias and integer inputs) try the cases where the order could matter.
TEST(Model, ReluBeforePoolRunsAfterItWithTheSameResults) {
  InputSpec in;
  in.shape = Shape{1, 8, 10};
  const std::string arch = "conv3x3x4,relu,pool2,conv3x3x8,relu,pool2s1,flatten,fc6,relu,fc3";
  Model m(arch, in, "abc");
  m.init_params(3, "auto");
  std::vector<std::string> order;
  for (const auto& l : m.layers()) order.push_back(l->spec());
  EXPECT_EQ(order, (std::vector<std::string>{"conv3x3x4", "pool2", "relu", "conv3x3x8", "pool2s1", "relu", "flatten",
                                             "fc6", "relu", "fc3"}));
  EXPECT_EQ(m.arch(), arch);  // saved as written

  std::vector<std::unique_ptr<Layer>> written = parse_arch(arch);
  std::vector<float> w(m.param_count(), 0.f), dw(m.param_count(), 0.f);
  std::copy(m.params().begin(), m.params().end(), w.begin());
  // The same slices as the model's: parameter layers keep their order and 16-float alignment.
  size_t off = 0;
  Shape s = in.shape;
  for (auto& l : written) {
    s = l->setup(s);
    if (l->param_count() > 0) off = (off + 15) / 16 * 16;
    l->bind(w.data() + off, dw.data() + off);
    off += l->param_count();
  }
  ASSERT_EQ(off, m.param_count());

  std::mt19937 rng(8);
  std::uniform_int_distribution<int> level(-2, 2);
  Tensor x(3, in.shape);
  for (auto& v : x.data) v = float(level(rng));
  std::vector<Tensor> acts(written.size() + 1), grads(written.size() + 1);
  acts[0] = x;
  Pass training;
  training.training = true;
  training.rng = &rng;
  for (size_t i = 0; i < written.size(); ++i) written[i]->forward(acts[i + 1], acts[i], training);
  const Tensor& logits = m.forward(x, training);
  ASSERT_EQ(std::vector<float>(logits.data.begin(), logits.data.end()),
            std::vector<float>(acts.back().data.begin(), acts.back().data.end()));

  Tensor dlogits(3, acts.back().shape);
  for (size_t i = 0; i < dlogits.size(); ++i) dlogits.data[i] = float(int(i % 5) - 2) * 0.5f;
  grads.back() = dlogits;
  for (size_t i = written.size(); i-- > 0;) written[i]->backward(grads[i], grads[i + 1], acts[i], acts[i + 1], true);
  m.zero_grad();
  m.backward(dlogits, true);
  EXPECT_EQ(std::vector<float>(m.grads().begin(), m.grads().end()), dw);
  EXPECT_EQ(std::vector<float>(m.input_grad().data.begin(), m.input_grad().data.end()),
            std::vector<float>(grads[0].data.begin(), grads[0].data.end()));
  float largest = 0.f;
  for (float g : dw) largest = std::max(largest, std::abs(g));
  EXPECT_GT(largest, 0.f);  // gradients reached the parameters
}

TEST(Model, CnnSaveLoadRoundTrip) {
  InputSpec in;
  Model m("conv3x3x4,relu,pool2,conv3x3x4s2p1,relu,dropout0.5,fc5", in, "abcde");
  m.init_params(9);
  scrawl::test::TempDir tmp;
  save_model(m, tmp / "cnn.scrawl");
  Model back = load_model(tmp / "cnn.scrawl");
  EXPECT_EQ(back.arch(), m.arch());
  Tensor x(2, in.shape);
  for (size_t i = 0; i < x.size(); ++i) x.data[i] = static_cast<float>((i * 37) % 11) / 10.f;
  const Tensor a = m.forward(x);
  EXPECT_EQ(back.forward(x).data, a.data);
}

}  // namespace
}  // namespace scrawl

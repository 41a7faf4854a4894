// The layers' matrix products (nn/gemm): the generated kernels and the Eigen fallback against plain loops in
// double, for every transpose combination, both betas, padded row strides, the MLP's and CNN's shapes, products
// split over threads with a short last block; and the same bits whatever the thread count.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>
#include <tuple>
#include <utility>
#include <vector>

#include "scrawl/nn/gemm.h"
#include "scrawl/nn/threads.h"

namespace {

struct Case {
  bool ta, tb;
  int m, n, k;
  float beta;
  int pad;  // extra elements at the end of every stored row
};

struct Operands {
  std::vector<float> a, b, c;
  int lda, ldb, ldc;
};

Operands make(const Case& t, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  Operands o;
  o.lda = (t.ta ? t.m : t.k) + t.pad;
  o.ldb = (t.tb ? t.k : t.n) + t.pad;
  o.ldc = t.n + t.pad;
  o.a.resize(static_cast<size_t>(t.ta ? t.k : t.m) * o.lda);
  o.b.resize(static_cast<size_t>(t.tb ? t.n : t.k) * o.ldb);
  o.c.resize(static_cast<size_t>(t.m) * o.ldc);
  for (auto* v : {&o.a, &o.b, &o.c})
    for (float& x : *v) x = u(rng);
  return o;
}

// C = op(A) op(B) + beta C by definition, in double.
std::vector<double> reference(const Case& t, const Operands& o) {
  std::vector<double> c(o.c.begin(), o.c.end());
  for (int i = 0; i < t.m; ++i)
    for (int j = 0; j < t.n; ++j) {
      double s = 0;
      for (int p = 0; p < t.k; ++p) {
        const double av = t.ta ? o.a[size_t(p) * o.lda + i] : o.a[size_t(i) * o.lda + p];
        const double bv = t.tb ? o.b[size_t(j) * o.ldb + p] : o.b[size_t(p) * o.ldb + j];
        s += av * bv;
      }
      c[size_t(i) * o.ldc + j] = s + t.beta * c[size_t(i) * o.ldc + j];
    }
  return c;
}

void expect_product(const Case& t, bool eigen_only) {
  SCOPED_TRACE(testing::Message() << "ta " << t.ta << " tb " << t.tb << " m " << t.m << " n " << t.n << " k " << t.k
                                  << " beta " << t.beta << " pad " << t.pad << (eigen_only ? " eigen" : ""));
  Operands o = make(t, 1234);
  const std::vector<double> want = reference(t, o);
  (eigen_only ? scrawl::gemm_eigen : scrawl::gemm)(t.ta, t.tb, t.m, t.n, t.k, o.a.data(), o.lda, o.b.data(), o.ldb,
                                                   t.beta, o.c.data(), o.ldc);
  // Float sums of k products of values in [-1, 1]: error well under 1e-5 * k.
  const double tol = 1e-5 * (t.k + 1);
  int bad = 0;  // every element of C's storage: the padding after each row must be left as it was
  for (size_t i = 0; i < want.size(); ++i)
    if (std::abs(want[i] - o.c[i]) > tol && ++bad <= 3)
      ADD_FAILURE() << "element " << i << ": " << o.c[i] << " vs " << want[i];
  EXPECT_EQ(bad, 0);
}

}  // namespace

TEST(Gemm, MatchesTheDefinitionForEveryTransposeBetaAndStride) {
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      for (float beta : {0.f, 1.f})
        for (int pad : {0, 3})
          for (auto [m, n, k] : {std::tuple{1, 1, 1}, {5, 7, 3}, {17, 9, 33}, {32, 64, 784}, {64, 36, 64}}) {
            const Case t{ta, tb, m, n, k, beta, pad};
            expect_product(t, false);
            expect_product(t, true);
          }
}

TEST(Gemm, LargeProductsSplitOverThreadsWithAShortLastBlock) {
  // 8.4M+ multiply-adds split by rows of C; 301 rows leave a last block shorter than the others. Its B (300 x 256)
  // is over 256 KB, so it also runs as products 64 deep, the last 44.
  omp_set_num_threads(2);
  for (bool ta : {false, true}) expect_product({ta, false, 301, 256, 300, 1.f, 1}, false);
}

TEST(Gemm, ProductsWithALargeBRunInSlicesOfTheirDepth) {
  // Two slices (the second the last), and four whole slices of 64, beta 0 and 1, at 1 thread and at 2 (both
  // products are over the 8.4M multiply-adds that split by rows: 211 and 150 rows leave a short last block).
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    for (bool ta : {false, true})
      for (float beta : {0.f, 1.f}) {
        expect_product({ta, false, 211, 600, 128, beta, 2}, false);
        expect_product({ta, false, 150, 300, 256, beta, 0}, false);
      }
  }
  // The slices run in generated kernels: the line model's temporal convolution, 2304 deep.
  EXPECT_TRUE(scrawl::gemm_generated(false, false, 192, 128, 2304));
}

TEST(Gemm, ResultsDoNotDependOnTheThreadCount) {
  for (bool ta : {false, true}) {
    const Case t{ta, false, 301, 256, 300, 0.f, 0};
    Operands one = make(t, 5), two = make(t, 5);
    omp_set_num_threads(1);
    scrawl::gemm(t.ta, t.tb, t.m, t.n, t.k, one.a.data(), one.lda, one.b.data(), one.ldb, 0.f, one.c.data(), one.ldc);
    omp_set_num_threads(2);
    scrawl::gemm(t.ta, t.tb, t.m, t.n, t.k, two.a.data(), two.lda, two.b.data(), two.ldb, 0.f, two.c.data(), two.ldc);
    EXPECT_EQ(one.c, two.c);
  }
}

TEST(Gemm, TheModelsProductsRunInGeneratedKernels) {
  // The MLP's forward and weight-gradient products (batch 32, 784-64), the CNN's second convolution (64 x 784
  // outputs from 288 taps) and its input gradient: generated; B transposed: Eigen.
  EXPECT_TRUE(scrawl::gemm_generated(false, false, 32, 64, 784));
  EXPECT_TRUE(scrawl::gemm_generated(true, false, 784, 64, 32));
  EXPECT_TRUE(scrawl::gemm_generated(false, false, 32, 784, 288));
  EXPECT_TRUE(scrawl::gemm_generated(true, false, 288, 784, 32));
  EXPECT_FALSE(scrawl::gemm_generated(false, true, 32, 784, 64));
}

// GemmPlan, the lookup-once product the Winograd layers run, against the definition: both orientations of A, both
// betas, padded strides, and the same plan run twice on new operands (it keeps no state from a call).
TEST(Gemm, APlanComputesTheProductItWasMadeFor) {
  for (bool ta : {false, true})
    for (float beta : {0.f, 1.f}) {
      const Case t{ta, false, 37, 24, 32, beta, 3};
      Operands o = make(t, 0);
      const scrawl::GemmPlan plan(t.ta, t.m, t.n, t.k, o.lda, o.ldb, o.ldc, t.beta);
      for (uint32_t seed : {21u, 22u}) {
        o = make(t, seed);
        const std::vector<double> want = reference(t, o);
        plan(o.a.data(), o.b.data(), o.c.data());
        for (size_t i = 0; i < want.size(); ++i)
          ASSERT_NEAR(o.c[i], want[i], 1e-5 * (t.k + 1)) << "ta " << ta << " beta " << beta << " element " << i;
      }
    }
}

TEST(Gemm, AnEmptySumLeavesBetaTimesC) {
  std::vector<float> c = {1, 2, 3, 4};
  scrawl::gemm(false, false, 2, 2, 0, nullptr, 1, nullptr, 2, 1.f, c.data(), 2);
  EXPECT_EQ(c, (std::vector<float>{1, 2, 3, 4}));
  scrawl::gemm(false, false, 2, 2, 0, nullptr, 1, nullptr, 2, 0.f, c.data(), 2);
  EXPECT_EQ(c, (std::vector<float>{0, 0, 0, 0}));
  EXPECT_THROW(scrawl::gemm(false, false, 2, 2, 1, c.data(), 1, c.data(), 2, 0.5f, c.data(), 2), std::invalid_argument);
}

TEST(Transpose, MatchesTheDefinitionAndLeavesRowPaddingAlone) {
  // Shapes of the layers' transposes (a convolution's output gradient, 32 x 16384 at its widest) in small, plus odd
  // sizes and row strides longer than a row.
  for (auto [rows, cols, lda, ldb] : {std::tuple{1, 1, 1, 1},
                                      {3, 5, 5, 3},
                                      {7, 13, 16, 9},
                                      {32, 1000, 1000, 32},
                                      {64, 37, 40, 70},
                                      {288, 64, 64, 288}}) {
    SCOPED_TRACE(testing::Message() << rows << " x " << cols << " lda " << lda << " ldb " << ldb);
    std::vector<float> a(size_t(rows) * lda), b(size_t(cols) * ldb, -7.f);
    for (size_t i = 0; i < a.size(); ++i) a[i] = float(i % 9973) * 0.5f;
    scrawl::transpose(rows, cols, a.data(), lda, b.data(), ldb);
    int bad = 0;
    for (int j = 0; j < cols; ++j)
      for (int i = 0; i < ldb; ++i) {
        const float want = i < rows ? a[size_t(i) * lda + j] : -7.f;  // past the row's end: untouched
        if (b[size_t(j) * ldb + i] != want && ++bad <= 3)
          ADD_FAILURE() << "b(" << j << "," << i << ") = " << b[size_t(j) * ldb + i] << ", want " << want;
      }
    EXPECT_EQ(bad, 0);
  }
  std::vector<float> a(6), b(6);
  EXPECT_THROW(scrawl::transpose(2, 3, a.data(), 2, b.data(), 2), std::invalid_argument);  // lda < cols
}

// nn/threads: the layers' parallel loops. The shares must tile [0, n) as OpenMP's static schedule does (the
// per-thread sums are reduced in thread order, so the split decides the bits), and one-thread work must not open a
// parallel region (a team of one still ends in a futex system call).
TEST(Threads, StaticSharesTileTheRangeLikeOpenMP) {
  for (int n : {0, 1, 5, 7, 64, 1001})
    for (int team : {1, 2, 3, 8}) {
      int next = 0;
      for (int t = 0; t < team; ++t) {
        const auto [begin, end] = scrawl::static_share(n, t, team);
        EXPECT_EQ(begin, next) << n << " over " << team;
        EXPECT_EQ(end - begin > n / team, t < n % team) << "the first n % team threads take one more";
        EXPECT_LE(end - begin, n / team + 1);
        next = end;
      }
      EXPECT_EQ(next, n);
    }
  // Written out: 7 iterations over 3 threads are 0-2, 3-4, 5-6; and libgomp's own static schedule agrees.
  EXPECT_EQ(scrawl::static_share(7, 0, 3), std::make_pair(0, 3));
  EXPECT_EQ(scrawl::static_share(7, 1, 3), std::make_pair(3, 5));
  EXPECT_EQ(scrawl::static_share(7, 2, 3), std::make_pair(5, 7));
  std::vector<int> owner(7, -1);
  int team = 0;
#pragma omp parallel for schedule(static) num_threads(3)
  for (int i = 0; i < 7; ++i) {
    owner[i] = omp_get_thread_num();
    if (i == 0) team = omp_get_num_threads();
  }
  if (team == 3) {
    EXPECT_EQ(owner, (std::vector<int>{0, 0, 0, 1, 1, 2, 2}));
  }
}

TEST(Threads, OneThreadRunsInlineAndSeveralRunEachIterationOnce) {
  std::vector<int> seen(100, 0);
  bool opened = false;
  scrawl::parallel_for(100, 1, [&](int i, int thread) {
    ++seen[i];
    opened = opened || omp_get_level() > 0 || thread != 0;  // level counts a team of one too
  });
  EXPECT_FALSE(opened) << "one thread must not open a parallel region";
  EXPECT_EQ(seen, std::vector<int>(100, 1));

  std::vector<int> by(100, -1);
  scrawl::parallel_for(100, 2, [&](int i, int thread) { by[i] = thread; });
  for (int i = 0; i < 100; ++i) ASSERT_GE(by[i], 0) << i;
  int team = 0;
  scrawl::run_team(2, [&](int thread, int size) {
    if (thread == 0) team = size;
  });
  for (int i = 0; i < 100; ++i) EXPECT_EQ(by[i], i < (100 + team - 1) / team ? 0 : 1) << "static shares, in order";

  // Inside a parallel region (a layer called from an OpenMP loop) the loops run on the calling thread as thread 0,
  // opening no nested region, so they index their own scratch from 0 whatever the outer thread's number.
  std::vector<int> inner(2, -1), level(2, -1);
#pragma omp parallel num_threads(2)
  {
    int max_thread = 0, max_level = 0;
    scrawl::parallel_for(10, 2, [&](int, int thread) {
      max_thread = std::max(max_thread, thread);
      max_level = std::max(max_level, omp_get_level());
    });
    inner[omp_get_thread_num()] = max_thread;
    level[omp_get_thread_num()] = max_level;
  }
  for (int t = 0; t < 2; ++t) {
    if (inner[t] != -1) {
      EXPECT_EQ(inner[t], 0);
      EXPECT_EQ(level[t], 1) << "no nested region";
    }
  }
}

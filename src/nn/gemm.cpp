#include "scrawl/nn/gemm.h"

#include <libxsmm.h>
#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <stdexcept>
#include <string>

#include "scrawl/nn/threads.h"

namespace scrawl {

namespace {

using MatRM = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Stride = Eigen::OuterStride<>;
using MapRM = Eigen::Map<MatRM, 0, Stride>;
using CMapRM = Eigen::Map<const MatRM, 0, Stride>;

// A product of at least this many multiply-adds is split over the OpenMP threads by rows of C (when not already
// inside a parallel region): the CNN's fc256 layer at batch 64 (51M) splits, the MLP's batch-32 products (1.6M,
// ~8 us in the generated kernel) do not, as a fork/join would cost them more than it buys.
constexpr double kParallelMacs = 1 << 23;

// Rows of C per thread are a multiple of this, so each thread's block keeps whole vector rows of the kernel.
constexpr int kRowGrain = 8;

// libxsmm's kernels do not block for the cache: where B is larger than this, they stream it from memory for every
// few rows of A, and a line model's temporal convolution (192 x 128 x 2304) ran at 27-38 GFLOP/s on a Zen 3 core
// whose peak is 95. Such products run as a sum of products kDepth deep (B's slice then stays in L1/L2): 54-61
// GFLOP/s for chunks of 64-256 (session 17). The MLP's products (B of 200 KB) stay whole.
constexpr size_t kDeepBBytes = 256 << 10;
constexpr int kDepth = 64;

// The depth of each product gemm() runs for a B of k x n: all of k, or kDepth.
int slice_depth(int n, int k) {
  return static_cast<size_t>(k) * n * sizeof(float) > kDeepBBytes && k >= 2 * kDepth ? kDepth : k;
}

// The generated kernel for C(m x n) = op(A) B + beta C, row-major, or null where libxsmm has none. libxsmm is
// column-major: a row-major C is its transpose, C^T = B^T op(A)^T, so its "A" is our B and its "B" our A, and
// our trans_a is its transposed B (supported); our trans_b would be its transposed A (not generated in 1.17).
libxsmm_smmfunction kernel(bool trans_a, int m, int n, int k, int lda, int ldb, int ldc, float beta) {
  const libxsmm_blasint xm = n, xn = m, xk = k, xlda = ldb, xldb = lda, xldc = ldc;
  const int flags = trans_a ? LIBXSMM_GEMM_FLAG_TRANS_B : LIBXSMM_GEMM_FLAG_NONE;
  const float alpha = 1.f;
  // No prefetch: a prefetching kernel reads three more pointer arguments than the call below passes (libxsmm's
  // default, -1, lets it choose one).
  const int prefetch = LIBXSMM_PREFETCH_NONE;
  return libxsmm_smmdispatch(xm, xn, xk, &xlda, &xldb, &xldc, &alpha, &beta, &flags, &prefetch);
}

// Eigen splits any product of more than ~100k multiply-adds over its OpenMP threads; below kParallelMacs the
// fork/join costs more than it buys (BM_MlpEpoch/threads:2 once ran 17x slower than threads:1 on a shared 2-core
// machine, BENCHMARKS.md), so this limits Eigen to one thread for its lifetime. Inside an OpenMP region Eigen is
// already serial and the global setting is left alone (no writes from concurrent threads).
class SerialEigenScope {
 public:
  explicit SerialEigenScope(double macs) {
    if (macs >= kParallelMacs || omp_in_parallel()) return;
    saved_ = Eigen::nbThreads();
    if (saved_ > 1) Eigen::setNbThreads(1);
  }
  ~SerialEigenScope() {
    // 0 = "follow omp_get_max_threads()", Eigen's default, when that is what nbThreads() reported.
    if (saved_ > 1) Eigen::setNbThreads(saved_ == omp_get_max_threads() ? 0 : saved_);
  }
  SerialEigenScope(const SerialEigenScope&) = delete;
  SerialEigenScope& operator=(const SerialEigenScope&) = delete;

 private:
  int saved_ = 0;
};

}  // namespace

void gemm_eigen(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda, const float* b, int ldb,
                float beta, float* c, int ldc) {
  MapRM C(c, m, n, Stride(ldc));
  const CMapRM A(a, trans_a ? k : m, trans_a ? m : k, Stride(lda));
  const CMapRM B(b, trans_b ? n : k, trans_b ? k : n, Stride(ldb));
  auto product = [&](const auto& opa, const auto& opb) {
    if (beta == 0.f)
      C.noalias() = opa * opb;
    else
      C.noalias() += opa * opb;
  };
  if (trans_a && trans_b)
    product(A.transpose(), B.transpose());
  else if (trans_a)
    product(A.transpose(), B);
  else if (trans_b)
    product(A, B.transpose());
  else
    product(A, B);
}

void gemm_prepare() {
  libxsmm_init();
}

void transpose(int rows, int cols, const float* a, int lda, float* b, int ldb) {
  if (rows <= 0 || cols <= 0) return;
  if (lda < cols || ldb < rows) throw std::invalid_argument("transpose: row stride shorter than a row");
  // libxsmm is column-major: row-major A (rows x cols) is its cols x rows matrix with leading dimension lda.
  libxsmm_otrans(b, a, sizeof(float), cols, rows, lda, ldb);
}

GemmPlan::GemmPlan(bool trans_a, int m, int n, int k, int lda, int ldb, int ldc, float beta)
    : trans_a_(trans_a), m_(m), n_(n), k_(k), lda_(lda), ldb_(ldb), ldc_(ldc), beta_(beta) {
  if (beta != 0.f && beta != 1.f) throw std::invalid_argument("GemmPlan: beta must be 0 or 1");
  if (m > 0 && n > 0 && k > 0) kernel_ = reinterpret_cast<void (*)()>(kernel(trans_a, m, n, k, lda, ldb, ldc, beta));
}

void GemmPlan::operator()(const float* a, const float* b, float* c) const {
  if (kernel_)
    reinterpret_cast<libxsmm_smmfunction>(kernel_)(b, a, c);  // libxsmm is column-major: operands swapped
  else
    gemm_eigen(trans_a_, false, m_, n_, k_, a, lda_, b, ldb_, beta_, c, ldc_);
}

bool gemm_generated(bool trans_a, bool trans_b, int m, int n, int k) {
  if (trans_b) return false;
  const int depth = slice_depth(n, k), tail = k % depth == 0 ? depth : k % depth, lda = trans_a ? m : k;
  return kernel(trans_a, m, n, depth, lda, n, n, 0.f) != nullptr &&
         (depth == k || kernel(trans_a, m, n, tail, lda, n, n, 1.f) != nullptr);
}

void gemm(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda, const float* b, int ldb, float beta,
          float* c, int ldc) {
  if (beta != 0.f && beta != 1.f) throw std::invalid_argument("gemm: beta must be 0 or 1, got " + std::to_string(beta));
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {  // an empty sum: C = beta C
    if (beta == 0.f)
      for (int i = 0; i < m; ++i)
        std::fill(c + static_cast<size_t>(i) * ldc, c + static_cast<size_t>(i) * ldc + n, 0.f);
    return;
  }
  const double macs = static_cast<double>(m) * n * k;
  const int threads = omp_in_parallel() || macs < kParallelMacs ? 1 : std::max(1, omp_get_max_threads());
  // Rows of C per block: all of them, or an even share per thread rounded up to the grain.
  const int share = (m + threads - 1) / threads;
  const int rows = std::min(m, (share + kRowGrain - 1) / kRowGrain * kRowGrain);
  const int tail_rows = m % rows == 0 ? rows : m % rows;
  // Depth per call: all of k, or chunks of kDepth (the first with the caller's beta, the rest adding, the last
  // shorter) where B is large.
  const int depth = slice_depth(n, k), tail_depth = k % depth == 0 ? depth : k % depth;
  const bool deep = depth < k;
  // kernels[row block is the last][chunk: 0 first, 1 middle, 2 last]
  libxsmm_smmfunction kernels[2][3] = {};
  bool generated = !trans_b;
  for (int r = 0; r < (tail_rows == rows ? 1 : 2) && generated; ++r)
    for (int q = 0; q < (deep ? 3 : 1) && generated; ++q) {
      kernels[r][q] =
          kernel(trans_a, r ? tail_rows : rows, n, q == 2 ? tail_depth : depth, lda, ldb, ldc, q == 0 ? beta : 1.f);
      generated = kernels[r][q] != nullptr;
    }
  if (!generated) {
    SerialEigenScope serial(macs);
    gemm_eigen(trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  const int blocks = (m + rows - 1) / rows, chunks = (k + depth - 1) / depth;
  // Each block of C's rows is op(A)'s rows (A's columns when transposed) times all of B.
  parallel_for(blocks, threads, [&](int blk, int) {
    const int r0 = blk * rows;
    const bool last_rows = r0 + rows > m;
    for (int q = 0; q < chunks; ++q) {
      const int k0 = q * depth;
      const float* ab = trans_a ? a + static_cast<size_t>(k0) * lda + r0 : a + static_cast<size_t>(r0) * lda + k0;
      const int kind = q == 0 ? 0 : (q == chunks - 1 ? 2 : 1);
      kernels[last_rows][kind](b + static_cast<size_t>(k0) * ldb, ab, c + static_cast<size_t>(r0) * ldc);
    }
  });
}

}  // namespace scrawl

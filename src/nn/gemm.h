// The layers' matrix products, on row-major float matrices: C = op(A) op(B) + beta C.
//
// Small and medium products (every shape scrawl's models use) run in kernels that libxsmm generates at run time
// for the CPU it finds (AVX-512 where the CPU has it, AVX2 where not), so the installed library stays free of
// AVX-512 code and still uses it where it exists; on Zen 5 they run the MLP's products 2.3x faster than Eigen's
// AVX2 ones (BENCHMARKS.md, "Matrix products"). Products libxsmm has no kernel for (B transposed, or too large)
// run in Eigen. Either way a product's result depends only on its shape and operands, not on the thread count.
#pragma once

namespace scrawl {

// op(A) is m x k: A stored m x k with row stride lda, or k x m when trans_a (op(A) = A^T). op(B) is k x n: B
// stored k x n (row stride ldb), or n x k when trans_b. C is m x n with row stride ldc. beta is 0 (C is
// overwritten, its old values never read) or 1 (the product is added to C).
void gemm(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda, const float* b, int ldb, float beta,
          float* c, int ldc);

// One product shape, C (m x n) = op(A) B + beta C (B untransposed), looked up once: a layer that runs the same
// shape many times in a loop (Winograd's a^2 products a block) skips gemm's kernel lookup, about 5% of a CNN
// training step when done per call. Runs on the calling thread, whole (never sliced by depth, unlike gemm() where
// B is large: meant for products whose B fits the cache), in the generated kernel where libxsmm has one and in
// Eigen where not.
class GemmPlan {
 public:
  GemmPlan(bool trans_a, int m, int n, int k, int lda, int ldb, int ldc, float beta);
  void operator()(const float* a, const float* b, float* c) const;

 private:
  bool trans_a_ = false;
  int m_ = 0, n_ = 0, k_ = 0, lda_ = 0, ldb_ = 0, ldc_ = 0;
  float beta_ = 0.f;
  void (*kernel_)() = nullptr;  // libxsmm's kernel (its own pointer type stays out of this header)
};

// Whether gemm runs this product (dense operands, beta 0) in a generated kernel rather than in Eigen: for tests and
// benchmarks, which must know which path they measured.
bool gemm_generated(bool trans_a, bool trans_b, int m, int n, int k);

// The same product in Eigen alone: the reference the fast path is tested against, and its fallback.
void gemm_eigen(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda, const float* b, int ldb,
                float beta, float* c, int ldc);

// Sets the kernel generator up now rather than at the first product: libxsmm_init allocates and locks its kernel
// registry (10 MB, about 5 ms on the Zen 3 VM of session 21), work a command can do while another thread decodes a
// page. Safe from any thread and more than once.
void gemm_prepare();

// B (cols x rows, row stride ldb) = A^T, A rows x cols with row stride lda: the operands the generated kernels
// need untransposed. libxsmm's cache-blocked copy; 2-14x faster than Eigen's transposed assignment on the
// layers' shapes (32 x 16384 ... 288 x 64), whose strided reads walk a new page for every element.
void transpose(int rows, int cols, const float* a, int lda, float* b, int ldb);

}  // namespace scrawl

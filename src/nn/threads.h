// The NN library's worker threads: Eigen's GEMM and the OpenMP loops in the layers.
#pragma once

namespace scrawl {

// Sets the worker-thread count for GEMM and parallel loops (0 = all cores).
void set_threads(int threads);

}  // namespace scrawl

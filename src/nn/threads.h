// The NN library's worker threads: Eigen's GEMM and the OpenMP loops in the layers.
#pragma once

#include <algorithm>
#include <functional>
#include <utility>

namespace scrawl {

// Sets the worker-thread count for GEMM and parallel loops (0 = all cores) on the calling thread (OpenMP keeps a
// count per thread; a thread started later begins at every core) and for Eigen (process-wide).
void set_threads(int threads);

// The cores this process may run on: its CPU affinity mask (taskset, a container's or a job's cpuset), not the
// machine's count.
int available_cores();

// The thread count set_threads() left for a parallel loop started here: 1 inside a parallel region (nested regions
// run on one thread anyway).
int loop_threads();

// Runs work(thread, team) once on each thread of a team of up to `threads` (the runtime may give fewer: OMP_DYNAMIC,
// a thread limit), or work(0, 1) on the calling thread when that is one thread or it is already inside a parallel
// region. A team of one still ends in libgomp's barrier, a futex system call: 1.2 us a region on a paravirtual VM,
// six a batch, about 10% of a 1-thread MLP epoch (BENCHMARKS.md, session 13), so one-thread work never opens one.
void run_team(int threads, const std::function<void(int thread, int team)>& work);

// The iterations [begin, end) of n that thread `thread` of `team` takes: contiguous shares whose sizes differ by at
// most one, the first n % team threads taking the larger (OpenMP's static schedule), so a sum kept per thread and
// reduced in thread order is the same on every run with that many threads.
inline std::pair<int, int> static_share(int n, int thread, int team) {
  const int q = n / team, r = n % team;
  const int begin = thread * q + std::min(thread, r);
  return {begin, begin + q + (thread < r ? 1 : 0)};
}

// body(i, thread) for every i in [0, n), in static shares over up to `threads` threads (thread indexes the caller's
// per-thread scratch).
template <class Body>
void parallel_for(int n, int threads, Body&& body) {
  if (n <= 0) return;
  run_team(std::min(threads, n), [&](int thread, int team) {
    const auto [begin, end] = static_share(n, thread, team);
    for (int i = begin; i < end; ++i) body(i, thread);
  });
}

}  // namespace scrawl

#include "scrawl/nn/threads.h"

#include <omp.h>

#include <Eigen/Core>

namespace scrawl {

void set_threads(int threads) {
  const int t = threads > 0 ? threads : omp_get_num_procs();
  omp_set_num_threads(t);
  Eigen::setNbThreads(t);
}

int available_cores() {
  return omp_get_num_procs();  // libgomp counts the CPUs of the affinity mask
}

int loop_threads() {
  return omp_in_parallel() ? 1 : std::max(1, omp_get_max_threads());
}

void run_team(int threads, const std::function<void(int thread, int team)>& work) {
  if (threads <= 1 || omp_in_parallel()) {
    work(0, 1);
    return;
  }
#pragma omp parallel num_threads(threads)
  work(omp_get_thread_num(), omp_get_num_threads());
}

}  // namespace scrawl

#include "scrawl/nn/threads.h"

#include <omp.h>

#include <Eigen/Core>

namespace scrawl {

void set_threads(int threads) {
  const int t = threads > 0 ? threads : omp_get_num_procs();
  omp_set_num_threads(t);
  Eigen::setNbThreads(t);
}

}  // namespace scrawl

#include "scrawl/nn/sigmoid.h"

#include <Eigen/Core>

namespace scrawl {

void SigmoidFn::f_array(float* y, const float* x, size_t n) {
  const Eigen::Map<const Eigen::ArrayXf> in(x, Eigen::Index(n));
  Eigen::Map<Eigen::ArrayXf>(y, Eigen::Index(n)) = ((-in).exp() + 1.f).inverse();
}

template class Activation<SigmoidFn>;  // compiled once here, not in every file that builds a model

}  // namespace scrawl

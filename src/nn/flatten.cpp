#include "scrawl/nn/flatten.h"

namespace scrawl {

void Flatten::forward(Tensor& y, const Tensor& x, const Pass&) {
  y.n = x.n;
  y.shape = Shape{x.features(), 1, 1};
  y.data = x.data;
}

void Flatten::backward(Tensor& dx, const Tensor& dy, const Tensor& x, const Tensor&, bool need_dx) {
  if (!need_dx) return;
  dx.n = x.n;
  dx.shape = x.shape;
  dx.data = dy.data;
}

}  // namespace scrawl

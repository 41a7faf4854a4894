#include "scrawl/nn/tensor.h"

#include <algorithm>

namespace scrawl {

std::string Shape::str() const {
  return std::to_string(c) + "x" + std::to_string(h) + "x" + std::to_string(w);
}

void Tensor::fill(float v) {
  std::fill(data.begin(), data.end(), v);
}

}  // namespace scrawl

// Tensor: a batch of samples in channels-first layout, stored densely as float32.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace scrawl {

// Shape of one sample: channels x height x width. A dense vector of n features is (n,1,1).
struct Shape {
  int c = 1, h = 1, w = 1;
  int size() const { return c * h * w; }
  bool operator==(const Shape&) const = default;
  std::string str() const;
};

// A batch of n samples, each of `shape`, in one contiguous buffer: data[i*shape.size() + ...].
struct Tensor {
  int n = 0;
  Shape shape;
  std::vector<float> data;

  Tensor() = default;
  Tensor(int n_, Shape s) { resize(n_, s); }
  // Resizes without clearing: callers that accumulate must fill() first.
  void resize(int n_, Shape s) {
    n = n_;
    shape = s;
    data.resize(static_cast<size_t>(n_) * s.size());
  }
  int features() const { return shape.size(); }
  size_t size() const { return data.size(); }
  float* sample(int i) { return data.data() + static_cast<size_t>(i) * shape.size(); }
  const float* sample(int i) const { return data.data() + static_cast<size_t>(i) * shape.size(); }
  void fill(float v);
};

}  // namespace scrawl

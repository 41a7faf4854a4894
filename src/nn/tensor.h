// Tensor: a batch of samples in channels-first layout, stored densely as float32.
#pragma once
#include <cstddef>
#include <new>
#include <string>
#include <vector>

namespace scrawl {

// Allocates on 64-byte boundaries. Vectorized loops (omp simd, Eigen) peel an unaligned head off with scalar
// code, and scalar and vector exp/tanh differ in the last bit: with a fixed alignment the split, and so every
// result, is the same in every process, whatever the heap looked like.
template <typename T>
struct AlignedAllocator {
  using value_type = T;
  static constexpr std::align_val_t kAlign{64};
  AlignedAllocator() = default;
  template <typename U>
  AlignedAllocator(const AlignedAllocator<U>&) noexcept {}
  T* allocate(size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlign)); }
  void deallocate(T* p, size_t) noexcept { ::operator delete(p, kAlign); }
  template <typename U>
  bool operator==(const AlignedAllocator<U>&) const noexcept {
    return true;
  }
};
using FloatBuffer = std::vector<float, AlignedAllocator<float>>;

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
  FloatBuffer data;

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

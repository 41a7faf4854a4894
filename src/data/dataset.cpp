#include "scrawl/data/dataset.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace scrawl {

std::vector<int> Dataset::class_counts() const {
  std::vector<int> c(classes.size(), 0);
  for (int l : labels) ++c.at(l);
  return c;
}

void Dataset::gather(Tensor& x, std::vector<int>& y, const std::vector<int>& idx, size_t begin, size_t end) const {
  const int n = static_cast<int>(end - begin);
  x.resize(n, Shape{1, h, w});
  y.resize(n);
  for (int i = 0; i < n; ++i) {
    const int s = idx[begin + i];
    std::memcpy(x.sample(i), image(s), sizeof(float) * pixels());
    y[i] = labels[s];
  }
}

void Dataset::prefetch(const std::vector<int>& idx, size_t begin, size_t end) const {
  constexpr size_t kLine = 64;  // bytes per cache line
  const size_t bytes = sizeof(float) * static_cast<size_t>(pixels());
  for (size_t i = begin; i < std::min(end, idx.size()); ++i) {
    const char* row = reinterpret_cast<const char*>(image(idx[i]));
    for (size_t off = 0; off < bytes; off += kLine) __builtin_prefetch(row + off, 0, 2);
  }
}

void transpose_images(std::vector<float>& images, int h, int w) {
  const size_t px = static_cast<size_t>(h) * w;
  std::vector<float> tmp(px);
  for (size_t off = 0; off + px <= images.size(); off += px) {
    // stored (w, h) row-major -> upright (h, w)
    for (int r = 0; r < h; ++r)
      for (int c = 0; c < w; ++c) tmp[r * w + c] = images[off + static_cast<size_t>(c) * h + r];
    std::copy(tmp.begin(), tmp.end(), images.begin() + off);
  }
}

Dataset load_dataset(const std::string& prefix, const std::string& split) {
  const std::filesystem::path p(prefix);
  if (p.extension() == ".mat") return load_mat(prefix, split);
  return load_idx(prefix);
}

}  // namespace scrawl

// Dataset: labelled glyph images in memory, always upright with ink high (0 = paper, 1 = ink).
// Every loader converts to this one form, so orientation and polarity are handled in one place each.
#pragma once
#include <string>
#include <vector>

#include "scrawl/nn/tensor.h"

namespace scrawl {

// The 36 classes of emnist36: label k is kClasses36[k].
inline constexpr const char* kClasses36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

struct Dataset {
  int h = 0, w = 0;
  std::vector<float> images;  // size() * h * w, row-major, upright, ink high in [0, 1] (may overshoot slightly)
  std::vector<int> labels;    // class indices into `classes`
  std::string classes;        // one character per class
  std::string source;         // file or prefix it came from, for messages

  int size() const { return static_cast<int>(labels.size()); }
  int pixels() const { return h * w; }
  const float* image(int i) const { return images.data() + static_cast<size_t>(i) * pixels(); }
  float* image(int i) { return images.data() + static_cast<size_t>(i) * pixels(); }
  std::vector<int> class_counts() const;
  // Copies samples idx[begin..end) into a batch tensor of shape (n, 1, h, w) and their labels.
  void gather(Tensor& x, std::vector<int>& y, const std::vector<int>& idx, size_t begin, size_t end) const;
  // Asks the CPU to fetch samples idx[begin..end) toward its caches (a hint: nothing changes), so that the next
  // batch's gather, called after this batch's work, finds its rows there instead of in memory.
  void prefetch(const std::vector<int>& idx, size_t begin, size_t end) const;
};

// Transposes each h x w image in place (EMNIST and the course's .mat files store glyphs transposed).
void transpose_images(std::vector<float>& images, int h, int w);

// IDX (MNIST/EMNIST) pair, gzip or plain: PREFIX-images-idx3-ubyte[.gz] and PREFIX-labels-idx1-ubyte[.gz].
// `transposed` = true for EMNIST files (the default): images are transposed to upright.
Dataset load_idx(const std::string& prefix, bool transposed = true);
// The same from the (already decompressed) bytes of both files; the paths only name them in errors.
Dataset parse_idx(const std::string& images, const std::string& labels, const std::string& images_path,
                  const std::string& labels_path, bool transposed, const std::string& source);

// The course's .mat format: `split`_data (N x H*W doubles, transposed glyphs, ink low) and
// `split`_labels (N x K one-hot). split is "train", "valid" or "test"; K=26 means A-Z, K=36 means A-Z then 0-9.
Dataset load_mat(const std::string& path, const std::string& split);

// PREFIX is an IDX prefix or a .mat file; for .mat, `split` picks the variables (falls back to the only one).
Dataset load_dataset(const std::string& prefix, const std::string& split);

// Reads a whole file, transparently gunzipping it (gzip magic), with a byte limit.
std::string read_maybe_gz(const std::string& path);

}  // namespace scrawl

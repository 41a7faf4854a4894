// 1-D convolution over the frames of a sequence: the line recognizer's sequence layer (a stack of these sees a
// widening window of the line, like a bidirectional recurrent layer, at the cost of GEMMs). Token: tconvKxC
// (kernel K frames, C output features, stride 1, "same" padding K/2).
//
// Input (F, 1, T) per sample, as `seq` turns a conv feature map into; output (C, 1, T). A batch of lines of
// different widths is padded to one T: with Pass::frames set, sample i holds frames[i] real frames, and the layer
// reads frames at or past it as zeros and writes zeros there, so a padded line computes exactly what it would alone.
#pragma once
#include <vector>

#include "scrawl/nn/layer.h"

namespace scrawl {

class TemporalConv final : public Layer {
 public:
  TemporalConv(int kernel, int outputs);
  std::string spec() const override { return "tconv" + std::to_string(k_) + "x" + std::to_string(out_); }
  Shape setup(Shape in) override;
  size_t param_count() const override { return size_t(out_) * size_t(in_) * size_t(k_) + size_t(out_); }
  void bind(float* w, float* dw) override;
  void init_params(std::mt19937& rng, Init init) override;
  // W: (C, F, K) row-major, b: (C).
  void forward(Tensor& y, const Tensor& x, const Pass& pass) override;
  void backward(Tensor& dx, const Tensor& dy, const Tensor& x, const Tensor& y, bool need_dx) override;

 private:
  int k_, out_, in_ = 0, frames_ = 0;
  float *w_ = nullptr, *b_ = nullptr, *dw_ = nullptr, *db_ = nullptr;
  std::vector<int> valid_;  // real frames of each sample in the last forward
  // Per-thread scratch, kept between batches so training does not allocate per batch. Aligned like tensors: Eigen's
  // sums over dy's rows split into vector and scalar parts by address, and so would differ in the last bit from
  // one allocation to the next.
  struct Scratch {
    FloatBuffer col, dcol;  // (F*K, T) windows of one sample, and their gradient
    FloatBuffer dy, dy_tr;  // one sample's output gradient (C, T), padded frames zeroed, and transposed (T, C)
    FloatBuffer dw_tr, db;  // the thread's weight gradient sums (F*K, C) and bias sums (C)
  };
  std::vector<Scratch> scratch_;
  FloatBuffer dw_sum_;  // the batch's weight gradient (C, F*K), transposed back
  // Scratch for the threads a batch of `samples` runs on (the windows only, unless for `backward`); returns how many.
  int ensure_scratch(int samples, bool backward);
  void windows(float* col, const float* x, int valid) const;  // fills col (F*K, T) from one sample
};

// Map-to-sequence: a conv feature map (C, H, W) becomes a sequence of W frames of C*H features, (C*H, 1, W).
// The memory layout is the same, so this only renames the shape. Token: seq.
class ToSequence final : public Layer {
 public:
  std::string spec() const override { return "seq"; }
  Shape setup(Shape in) override { return Shape{in.c * in.h, 1, in.w}; }
  void forward(Tensor& y, const Tensor& x, const Pass& pass) override;
  void backward(Tensor& dx, const Tensor& dy, const Tensor& x, const Tensor& y, bool need_dx) override;
};

}  // namespace scrawl

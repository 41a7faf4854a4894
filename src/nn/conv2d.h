// 2-D convolution as im2col + GEMM, channels-first. Token: convKxKxC[sS][pP] (default stride 1, pad K/2).
#pragma once
#include <vector>

#include "scrawl/nn/im2col.h"
#include "scrawl/nn/layer.h"

namespace scrawl {

class Conv2D final : public Layer {
 public:
  Conv2D(int k, int out_channels, int stride = 1, int pad = -1);  // pad -1: "same" (K/2)
  std::string spec() const override;
  Shape setup(Shape in) override;
  size_t param_count() const override { return static_cast<size_t>(oc_) * g_.rows() + oc_; }
  void bind(float* w, float* dw) override;
  void init_params(std::mt19937& rng, Init init) override;
  // x: (N,C,H,W), y: (N,OC,OH,OW), W: (OC,C,K,K) row-major, b: (OC)
  void forward(Tensor& y, const Tensor& x, const Pass& pass) override;
  void backward(Tensor& dx, const Tensor& dy, const Tensor& x, const Tensor& y, bool need_dx) override;

  const ConvGeom& geom() const { return g_; }
  int out_channels() const { return oc_; }

 private:
  int oc_;
  ConvGeom g_;
  Shape in_shape_, out_shape_;
  float *w_ = nullptr, *b_ = nullptr, *dw_ = nullptr, *db_ = nullptr;
  // Per-thread scratch, kept between batches so training does not allocate per batch.
  std::vector<std::vector<float>> col_;    // [thread]: (C*K*K, OH*OW) columns of the current sample
  std::vector<std::vector<float>> dcol_;   // [thread]: gradient w.r.t. col_
  std::vector<std::vector<float>> dw_t_;   // [thread]: weight+bias gradient partial sums, reduced after the batch
  std::vector<std::vector<float>> dy_tr_;  // [thread]: the current sample's output gradient transposed (OH*OW, OC)
  std::vector<std::vector<float>> dw_tr_;  // [thread]: weight gradient partial sums transposed (C*K*K, OC)
  void ensure_scratch(int threads);
};

}  // namespace scrawl

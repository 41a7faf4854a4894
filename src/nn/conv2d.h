// 2-D convolution, channels-first. Token: convKxKxC[sS][pP] (default stride 1, pad K/2). Stride-1 "same" 3x3 and
// 5x5 convolutions over 8 or more channels run in Winograd form (nn/winograd.h), the others as im2col + GEMM.
#pragma once
#include <memory>
#include <vector>

#include "scrawl/nn/im2col.h"
#include "scrawl/nn/layer.h"
#include "scrawl/nn/winograd.h"

namespace scrawl {

// Whether Conv2D layers set up from now on may use Winograd's algorithm (default on). Off, every convolution runs
// as im2col + GEMM: for tests and for benchmarks that compare the two.
void set_winograd(bool on);

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
  bool uses_winograd() const { return wino_ != nullptr; }

 private:
  int oc_;
  ConvGeom g_;
  Shape in_shape_, out_shape_;
  float *w_ = nullptr, *b_ = nullptr, *dw_ = nullptr, *db_ = nullptr;
  std::unique_ptr<WinogradConv> wino_;  // set up where the geometry suits it
  // Per-thread scratch, kept between batches so training does not allocate per batch.
  std::vector<std::vector<float>> col_;    // [thread]: (C*K*K, OH*OW) columns of the current sample
  std::vector<std::vector<float>> dcol_;   // [thread]: gradient w.r.t. col_
  std::vector<std::vector<float>> dw_t_;   // [thread]: weight+bias gradient partial sums, reduced after the batch
  std::vector<std::vector<float>> dy_tr_;  // [thread]: the current sample's output gradient transposed (OH*OW, OC)
  std::vector<std::vector<float>> dw_tr_;  // [thread]: weight gradient partial sums transposed (C*K*K, OC)
  void ensure_scratch(int threads);
};

}  // namespace scrawl

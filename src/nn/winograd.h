// Winograd's minimal filtering for stride-1 "same" convolutions (Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016): each m x m block of outputs ("tile") is computed from an a x a block of
// inputs (a = m + r - 1) as Y = A^T [(G g G^T) . (B^T d B)] A, so that the products over channels become a^2
// independent matrix products of the transformed tiles with the transformed kernels. F(4x4, 3x3) does 36 multiply-
// adds a tile and channel pair where im2col does 144 (4x fewer); F(4x4, 5x5) 64 where im2col does 400 (6.25x). The
// transforms cost a few adds per element, so it pays where there are enough channels to spread them over.
//
// Backward is the same algorithm's adjoint: the output gradient is taken into the transformed domain with A, the
// products run transposed, and the input and kernel gradients come back with B and G^T.
#pragma once

#include <vector>

#include "scrawl/nn/im2col.h"
#include "scrawl/nn/tensor.h"

namespace scrawl {

// The transforms of F(m, r) in 1-D, built from the interpolation points 0, -1, 1, 1/2, -2, 2, -1/2 (the first a - 1
// of them) and infinity, row-major: at (m x a), g (a x r), bt (a x a). The 2-D algorithm applies each on both sides.
struct WinogradMatrices {
  int m = 0, r = 0, a = 0;
  std::vector<double> at, g, bt;
};
WinogradMatrices winograd_matrices(int m, int r);

// Whether a convolution of this geometry (with `out_channels` outputs) runs in Winograd form: stride 1, "same"
// padding, a 3x3 or 5x5 kernel, and enough input channels for the transforms to pay (kWinogradMinChannels).
bool winograd_suits(const ConvGeom& g, int out_channels);

// A convolution of fixed geometry in Winograd form, with its scratch. Results agree with im2col + GEMM to a few
// 1e-5 of a sum's size (tests/test_conv.cpp compares both with direct loops and checks the gradients).
class WinogradConv {
 public:
  WinogradConv(const ConvGeom& g, int out_channels);
  // y: (n, OC, H, W) = conv(x: (n, C, H, W)) with weights w: (OC, C, r, r) and bias b: (OC).
  void forward(Tensor& y, const Tensor& x, const float* w, const float* b, int threads);
  // Adds the weight and bias gradients to dw, db; sets dx when need_dx.
  void backward(Tensor& dx, const Tensor& dy, const Tensor& x, const float* w, float* dw, float* db, bool need_dx,
                int threads);

 private:
  ConvGeom g_;
  int oc_, m_, r_, a_;
  int cp_, ocp_;           // channel counts rounded up to the vector width (the transforms work 8 channels at once)
  int tiles_h_, tiles_w_;  // output tiles per column and row of a sample
  int block_;              // tiles transformed and multiplied together
  // The transformed kernels, a^2 matrices each: u_ (a^2, OCp, Cp) for the input gradient, ut_ (a^2, Cp, OCp) for
  // the forward products.
  std::vector<float> u_, ut_;
  std::vector<float> w_seen_;  // the weights u_ and ut_ were transformed from
  struct Scratch {
    std::vector<float> v;   // transformed input tiles: (a^2, block, Cp)
    std::vector<float> mt;  // transformed products or output gradients: (a^2, block, OCp)
    std::vector<float> du;  // kernel gradient sums in the transformed domain: (a^2, Cp, OCp)
    std::vector<float> db;  // bias gradient sums
  };
  std::vector<Scratch> scratch_;
  std::vector<float> du_sum_;

  void transform_kernels(const float* w);
};

}  // namespace scrawl

// im2col / col2im for channels-first images, and a direct-loop convolution kept as the reference that the
// im2col + GEMM path in Conv2D is tested against.
#pragma once

namespace scrawl {

// Geometry of one 2-D convolution (or pooling) window sweep over a C x H x W image.
struct ConvGeom {
  int c = 1, h = 1, w = 1;  // input
  int k = 1, stride = 1, pad = 0;
  int out_h() const { return (h + 2 * pad - k) / stride + 1; }
  int out_w() const { return (w + 2 * pad - k) / stride + 1; }
  int rows() const { return c * k * k; }  // im2col rows: one per (channel, ky, kx)
  int cols() const { return out_h() * out_w(); }
};

// img: (C,H,W) -> col: (C*K*K, OH*OW); out-of-image taps read as 0.
void im2col(float* col, const float* img, const ConvGeom& g);
// Adds col: (C*K*K, OH*OW) back into img: (C,H,W) (img must be zeroed or hold values to add to). col is scratch:
// its out-of-image taps, which have no pixel to go to, may be zeroed on the way.
void col2im_add(float* img, float* col, const ConvGeom& g);

// Reference: y: (OC,OH,OW) = sum over c,ky,kx of w: (OC,C,K,K) * x: (C,H,W), plus b: (OC). Plain loops.
void conv2d_direct(float* y, const float* x, const float* w, const float* b, int out_channels, const ConvGeom& g);

}  // namespace scrawl

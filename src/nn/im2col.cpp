#include "scrawl/nn/im2col.h"

#include <algorithm>
#include <cstring>

namespace scrawl {

void im2col(float* col, const float* img, const ConvGeom& g) {
  const int oh = g.out_h(), ow = g.out_w();
  for (int c = 0; c < g.c; ++c)
    for (int ky = 0; ky < g.k; ++ky)
      for (int kx = 0; kx < g.k; ++kx) {
        float* row = col + (static_cast<size_t>(c * g.k + ky) * g.k + kx) * oh * ow;
        const float* plane = img + static_cast<size_t>(c) * g.h * g.w;
        for (int oy = 0; oy < oh; ++oy) {
          const int iy = oy * g.stride - g.pad + ky;
          float* dst = row + oy * ow;
          if (iy < 0 || iy >= g.h) {
            std::memset(dst, 0, sizeof(float) * ow);
            continue;
          }
          const float* src = plane + iy * g.w;
          if (g.stride == 1) {
            // Contiguous run: only the left/right borders [0, lo) and [hi, ow) fall outside the image.
            const int x0 = kx - g.pad, lo = std::clamp(-x0, 0, ow), hi = std::clamp(g.w - x0, lo, ow);
            std::fill(dst, dst + lo, 0.f);
            std::copy(src + x0 + lo, src + x0 + hi, dst + lo);
            std::fill(dst + hi, dst + ow, 0.f);
          } else {
            for (int ox = 0; ox < ow; ++ox) {
              const int ix = ox * g.stride - g.pad + kx;
              dst[ox] = (ix >= 0 && ix < g.w) ? src[ix] : 0.f;
            }
          }
        }
      }
}

void col2im_add(float* img, const float* col, const ConvGeom& g) {
  const int oh = g.out_h(), ow = g.out_w();
  for (int c = 0; c < g.c; ++c)
    for (int ky = 0; ky < g.k; ++ky)
      for (int kx = 0; kx < g.k; ++kx) {
        const float* row = col + (static_cast<size_t>(c * g.k + ky) * g.k + kx) * oh * ow;
        float* plane = img + static_cast<size_t>(c) * g.h * g.w;
        for (int oy = 0; oy < oh; ++oy) {
          const int iy = oy * g.stride - g.pad + ky;
          if (iy < 0 || iy >= g.h) continue;
          const float* src = row + oy * ow;
          float* dst = plane + iy * g.w;
          if (g.stride == 1) {  // a contiguous run, as in im2col
            const int x0 = kx - g.pad, lo = std::clamp(-x0, 0, ow), hi = std::clamp(g.w - x0, lo, ow);
#pragma omp simd
            for (int ox = lo; ox < hi; ++ox) dst[x0 + ox] += src[ox];
            continue;
          }
          for (int ox = 0; ox < ow; ++ox) {
            const int ix = ox * g.stride - g.pad + kx;
            if (ix >= 0 && ix < g.w) dst[ix] += src[ox];
          }
        }
      }
}

void conv2d_direct(float* y, const float* x, const float* w, const float* b, int out_channels, const ConvGeom& g) {
  const int oh = g.out_h(), ow = g.out_w();
  for (int o = 0; o < out_channels; ++o)
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox) {
        double s = b ? b[o] : 0.0;
        for (int c = 0; c < g.c; ++c)
          for (int ky = 0; ky < g.k; ++ky)
            for (int kx = 0; kx < g.k; ++kx) {
              const int iy = oy * g.stride - g.pad + ky, ix = ox * g.stride - g.pad + kx;
              if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
              s += static_cast<double>(w[((o * g.c + c) * g.k + ky) * g.k + kx]) * x[(c * g.h + iy) * g.w + ix];
            }
        y[(o * oh + oy) * ow + ox] = static_cast<float>(s);
      }
}

}  // namespace scrawl

#include "scrawl/nn/im2col.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace scrawl {

namespace {

// A stride-1 convolution as wide as its input ("same" padding): tap (ky, kx)'s row of columns is the image plane
// shifted by (ky - pad) rows and (kx - pad) columns, so it is one flat run of the plane apart from the rows that
// fall off the top or bottom and the |kx - pad| columns at one side of every row that wrap into the neighbouring
// row. Copying runs instead of testing every tap is what makes im2col cheap on the small planes of a glyph CNN.
bool same_width(const ConvGeom& g) {
  return g.stride == 1 && g.out_w() == g.w;
}

// The part of a tap's row inside the image, for a same-width sweep: output rows [oy0, oy1), and in every row the
// columns [lo, hi); `shift` is the plane index minus the column index.
struct TapRun {
  int oy0, oy1, lo, hi, shift;
};

// The runs of every tap (ky, kx), in im2col's row order: the same for every channel.
std::vector<TapRun> tap_runs(const ConvGeom& g) {
  const int oh = g.out_h(), ow = g.out_w();
  std::vector<TapRun> runs;
  for (int ky = 0; ky < g.k; ++ky)
    for (int kx = 0; kx < g.k; ++kx) {
      const int dy = ky - g.pad, dx = kx - g.pad;
      TapRun r;
      r.oy0 = std::clamp(-dy, 0, oh);
      r.oy1 = std::clamp(g.h - dy, r.oy0, oh);
      r.lo = std::clamp(-dx, 0, ow);
      r.hi = std::clamp(g.w - dx, r.lo, ow);
      r.shift = dy * g.w + dx;
      runs.push_back(r);
    }
  return runs;
}

// Zeroes the columns [0, lo) and [hi, ow) of rows [oy0, oy1): a column at a time, a few floats per row, which a
// per-row fill would spend in memset calls.
void zero_wrapped_columns(float* row, int ow, const TapRun& r) {
  for (int x = 0; x < r.lo; ++x)
    for (int oy = r.oy0; oy < r.oy1; ++oy) row[oy * ow + x] = 0.f;
  for (int x = r.hi; x < ow; ++x)
    for (int oy = r.oy0; oy < r.oy1; ++oy) row[oy * ow + x] = 0.f;
}

}  // namespace

void im2col(float* col, const float* img, const ConvGeom& g) {
  const int oh = g.out_h(), ow = g.out_w();
  const bool same = same_width(g);
  const std::vector<TapRun> runs = same ? tap_runs(g) : std::vector<TapRun>{};
  for (int c = 0; c < g.c; ++c)
    for (int ky = 0; ky < g.k; ++ky)
      for (int kx = 0; kx < g.k; ++kx) {
        float* row = col + (static_cast<size_t>(c * g.k + ky) * g.k + kx) * oh * ow;
        const float* plane = img + static_cast<size_t>(c) * g.h * g.w;
        if (same) {
          const TapRun& r = runs[size_t(ky * g.k + kx)];
          const int a = r.oy0 * ow, b = r.oy1 * ow;
          // The flat run, kept inside the plane (its first and last taps may lie a column outside it).
          const int ca = std::clamp(-r.shift, a, b), cb = std::clamp(g.h * g.w - r.shift, ca, b);
          std::fill(row, row + ca, 0.f);
          if (cb > ca) std::copy(plane + ca + r.shift, plane + cb + r.shift, row + ca);
          std::fill(row + cb, row + oh * ow, 0.f);
          zero_wrapped_columns(row, ow, r);  // the taps that wrapped into the neighbouring row
          continue;
        }
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
            if (hi > lo) std::copy(src + x0 + lo, src + x0 + hi, dst + lo);
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

void col2im_add(float* img, float* col, const ConvGeom& g) {
  const int oh = g.out_h(), ow = g.out_w();
  const bool same = same_width(g);
  const std::vector<TapRun> runs = same ? tap_runs(g) : std::vector<TapRun>{};
  for (int c = 0; c < g.c; ++c)
    for (int ky = 0; ky < g.k; ++ky)
      for (int kx = 0; kx < g.k; ++kx) {
        float* row = col + (static_cast<size_t>(c * g.k + ky) * g.k + kx) * oh * ow;
        float* plane = img + static_cast<size_t>(c) * g.h * g.w;
        if (same) {
          // As im2col: out-of-image taps zeroed in place, then one flat run added.
          const TapRun& r = runs[size_t(ky * g.k + kx)];
          zero_wrapped_columns(row, ow, r);
          const int a = r.oy0 * ow, b = r.oy1 * ow;
          const int ca = std::clamp(-r.shift, a, b), cb = std::clamp(g.h * g.w - r.shift, ca, b);
#pragma omp simd
          for (int j = ca; j < cb; ++j) plane[j + r.shift] += row[j];
          continue;
        }
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

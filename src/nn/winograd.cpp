#include "scrawl/nn/winograd.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "scrawl/nn/gemm.h"
#include "scrawl/nn/threads.h"

namespace scrawl {

namespace {

// Input channels below which im2col stays: with one channel (a glyph or line image) a transformed product would
// be a^2 matrix products of depth 1, and the channels are padded to 8 for the vector transforms.
constexpr int kWinogradMinChannels = 8;

// The transforms work on 8 channels at once (one AVX2 register; the compiler splits it where vectors are narrower).
constexpr int kLanes = 8;

// Output tile size, for 3x3 and 5x5 kernels alike (6 x 6 and 8 x 8 input tiles). F(2x2, 5x5), with 6 x 6 tiles,
// rounded a little less (the backward test's worst error 1.6e-5 of a sum's size against 2.7e-5) but trained the
// CNN benchmark 14-25% slower (three alternating runs, session 17, Zen 3).
constexpr int kTile = 4;

// Transformed tiles per block: the block's input tiles and products, a^2 (C + OC) floats a tile, are sized near a
// 512 KB L2 cache between the transforms and the products. Blocks of 128 KB to 2 MB ran the line model's
// conv3x3x64 / conv3x3x96 and the CNN's conv5x5x64 within this VM's +-15% run-to-run noise of each other; 512 KB was
// never the slowest in two sweeps (session 17, Zen 3).
constexpr size_t kBlockBytes = 512 << 10;

// Interpolation points for the Toom-Cook construction, in the order they are taken (a - 1 of them, then
// infinity). Lavin & Gray's 0, +-1, +-2 for 6 x 6 tiles round about 2.5x more than 0, -1, 1, 1/2, -2: forward error
// 1.9e-5 against 7.4e-6 of the sums' size, backward 4.4e-5 against 1.6e-5 (tests/test_conv.cpp's Winograd cases,
// then run with F(4, 3) and F(2, 5), session 17).
constexpr double kPoints[] = {0, -1, 1, 0.5, -2, 2, -0.5};
constexpr int kMaxTile = 8;  // a = m + r - 1 up to one point at infinity plus the seven above

struct Tables {
  int m = 0, r = 0, a = 0;
  double at[kMaxTile][kMaxTile]{}, g[kMaxTile][kMaxTile]{}, bt[kMaxTile][kMaxTile]{};
};

constexpr double ipow(double x, int e) {
  double p = 1;
  while (e-- > 0) p *= x;
  return p;
}

constexpr double abs_of(double x) {
  return x < 0 ? -x : x;
}

// An entry within 1e-9 of an integer is that integer: the inverse's rounding must not turn a 0 or a 1 of B^T into
// a product the transforms then compute.
constexpr double snap(double x) {
  const double n = static_cast<double>(static_cast<long long>(x + (x >= 0 ? 0.5 : -0.5)));
  return abs_of(x - n) < 1e-9 ? n : x;
}

// Toom-Cook for correlation: y = V_m^T [(V_r g) . (V_a^-T d)], V_k the a x k Vandermonde matrix of the points with
// a last row for infinity (the leading coefficient). Row j of V_a^-T holds the coefficients of prod_{l != j}
// (x - p_l) divided by prod_{l != j} (p_j - p_l); that divisor moves to G, so B^T holds the polynomials' own
// coefficients (small multiples of 1/4: few distinct values, exact in float).
constexpr Tables make_tables(int m, int r) {
  Tables t;
  t.m = m;
  t.r = r;
  t.a = m + r - 1;
  const int a = t.a, n = a - 1;  // n finite points and infinity
  double v[kMaxTile][kMaxTile]{}, inv[kMaxTile][kMaxTile]{};
  for (int j = 0; j < n; ++j)
    for (int k = 0; k < a; ++k) v[j][k] = ipow(kPoints[j], k);
  v[n][a - 1] = 1;
  for (int i = 0; i < a; ++i) inv[i][i] = 1;
  for (int col = 0; col < a; ++col) {  // Gauss-Jordan with partial pivoting
    int piv = col;
    for (int i = col + 1; i < a; ++i)
      if (abs_of(v[i][col]) > abs_of(v[piv][col])) piv = i;
    for (int k = 0; k < a; ++k) {
      std::swap(v[piv][k], v[col][k]);
      std::swap(inv[piv][k], inv[col][k]);
    }
    const double d = v[col][col];
    for (int k = 0; k < a; ++k) {
      v[col][k] /= d;
      inv[col][k] /= d;
    }
    for (int i = 0; i < a; ++i) {
      if (i == col) continue;
      const double f = v[i][col];
      for (int k = 0; k < a; ++k) {
        v[i][k] -= f * v[col][k];
        inv[i][k] -= f * inv[col][k];
      }
    }
  }
  for (int j = 0; j < a; ++j) {
    double f = 1;
    if (j < n)
      for (int l = 0; l < n; ++l)
        if (l != j) f *= kPoints[j] - kPoints[l];
    for (int k = 0; k < a; ++k) t.bt[j][k] = snap(inv[k][j] * f);
    for (int k = 0; k < r; ++k) t.g[j][k] = (j < n ? ipow(kPoints[j], k) : (k == r - 1 ? 1 : 0)) / f;
  }
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < a; ++j) t.at[i][j] = j < n ? ipow(kPoints[j], i) : (i == m - 1 ? 1 : 0);
  return t;
}

template <int M, int R>
inline constexpr Tables kTables = make_tables(M, R);

// The six matrices the 2-D transforms apply (T in T^T), as types whose entries are compile-time constants, so each
// transform is unrolled with its zeros dropped and its +-1 entries as plain adds.
template <int M, int R>
struct InputT {  // B^T: input tile -> transformed tile
  static constexpr int rows = M + R - 1, cols = M + R - 1;
  static constexpr float at(int i, int k) { return static_cast<float>(kTables<M, R>.bt[i][k]); }
};
template <int M, int R>
struct InputAdjointT {  // B: transformed gradient -> input tile gradient
  static constexpr int rows = M + R - 1, cols = M + R - 1;
  static constexpr float at(int i, int k) { return static_cast<float>(kTables<M, R>.bt[k][i]); }
};
template <int M, int R>
struct OutputT {  // A^T: transformed product -> output tile
  static constexpr int rows = M, cols = M + R - 1;
  static constexpr float at(int i, int k) { return static_cast<float>(kTables<M, R>.at[i][k]); }
};
template <int M, int R>
struct OutputAdjointT {  // A: output tile gradient -> transformed gradient
  static constexpr int rows = M + R - 1, cols = M;
  static constexpr float at(int i, int k) { return static_cast<float>(kTables<M, R>.at[k][i]); }
};
template <int M, int R>
struct KernelT {  // G: kernel -> transformed kernel
  static constexpr int rows = M + R - 1, cols = R;
  static constexpr float at(int i, int k) { return static_cast<float>(kTables<M, R>.g[i][k]); }
};
template <int M, int R>
struct KernelAdjointT {  // G^T: transformed kernel gradient -> kernel gradient
  static constexpr int rows = R, cols = M + R - 1;
  static constexpr float at(int i, int k) { return static_cast<float>(kTables<M, R>.g[k][i]); }
};

typedef float V8 __attribute__((vector_size(kLanes * sizeof(float))));

inline V8 load8(const float* p) {
  V8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store8(float* p, V8 v) {
  std::memcpy(p, &v, sizeof v);
}
typedef float V4 __attribute__((vector_size(4 * sizeof(float))));
// Four floats into the low half of a vector whose high half is zero (a store of zeros, then of four floats, then a
// load of eight would stall on store forwarding).
inline V8 load4_low(const float* p) {
  V4 v;
  std::memcpy(&v, p, sizeof v);
  return __builtin_shufflevector(v, V4{}, 0, 1, 2, 3, 4, 5, 6, 7);
}
inline void store4_low(float* p, V8 v) {
  const V4 low = __builtin_shufflevector(v, v, 0, 1, 2, 3);
  std::memcpy(p, &low, sizeof low);
}

template <class T, int I, int K>
inline void term(V8& acc, const V8* in, int stride) {
  constexpr float c = T::at(I, K);
  if constexpr (c == 1.f)
    acc += in[K * stride];
  else if constexpr (c == -1.f)
    acc -= in[K * stride];
  else if constexpr (c != 0.f)
    acc += c * in[K * stride];
}

template <class T, int I, int... K>
inline V8 row(const V8* in, int stride, std::integer_sequence<int, K...>) {
  V8 acc = {};
  (term<T, I, K>(acc, in, stride), ...);
  return acc;
}

// out[i * out_stride] = sum_k T(i, k) in[k * in_stride], for every row i of T.
template <class T, int... I>
inline void apply(const V8* in, int in_stride, V8* out, int out_stride, std::integer_sequence<int, I...>) {
  ((out[I * out_stride] = row<T, I>(in, in_stride, std::make_integer_sequence<int, T::cols>{})), ...);
}

// out (rows x rows) = T in T^T for in (cols x cols), both row-major grids of vectors.
template <class T>
inline void transform2d(const V8* in, V8* out) {
  constexpr int R = T::rows, C = T::cols;
  V8 tmp[R * C];
  for (int j = 0; j < C; ++j) apply<T>(in + j, C, tmp + j, C, std::make_integer_sequence<int, R>{});
  for (int i = 0; i < R; ++i) apply<T>(tmp + i * C, 1, out + i * R, 1, std::make_integer_sequence<int, R>{});
}

// Transposes 8 rows of 8 in registers: r[k][j] becomes r[j][k]. The tiles are read from and written to the
// channels-first tensors through this, 8 channels at a time, rather than through channels-last copies of the
// tensors: libxsmm's whole-tensor transposes took a third of a Winograd layer's time (session 17).
inline void transpose8(V8 r[8]) {
  V8 a[4], b[4], c[8];
  for (int p = 0; p < 4; ++p) {  // interleave row pairs within 128-bit halves
    a[p] = __builtin_shufflevector(r[2 * p], r[2 * p + 1], 0, 8, 1, 9, 4, 12, 5, 13);
    b[p] = __builtin_shufflevector(r[2 * p], r[2 * p + 1], 2, 10, 3, 11, 6, 14, 7, 15);
  }
  for (int q = 0; q < 2; ++q) {  // then pairs of pairs: each half holds one column of four rows
    c[4 * q + 0] = __builtin_shufflevector(a[2 * q], a[2 * q + 1], 0, 1, 8, 9, 4, 5, 12, 13);
    c[4 * q + 1] = __builtin_shufflevector(a[2 * q], a[2 * q + 1], 2, 3, 10, 11, 6, 7, 14, 15);
    c[4 * q + 2] = __builtin_shufflevector(b[2 * q], b[2 * q + 1], 0, 1, 8, 9, 4, 5, 12, 13);
    c[4 * q + 3] = __builtin_shufflevector(b[2 * q], b[2 * q + 1], 2, 3, 10, 11, 6, 7, 14, 15);
  }
  for (int j = 0; j < 4; ++j) {  // and the halves of rows 0-3 and 4-7 put together
    r[j] = __builtin_shufflevector(c[j], c[4 + j], 0, 1, 2, 3, 8, 9, 10, 11);
    r[j + 4] = __builtin_shufflevector(c[j], c[4 + j], 4, 5, 6, 7, 12, 13, 14, 15);
  }
}

// Where tile t of a thread's samples lies: its sample, and its output rows and columns' start.
struct TilePos {
  int s, y0, x0;
};
inline TilePos tile_pos(long t, int tiles_h, int tiles_w, int m) {
  const long per_sample = static_cast<long>(tiles_h) * tiles_w;
  const int s = static_cast<int>(t / per_sample), rem = static_cast<int>(t % per_sample);
  return {s, rem / tiles_w * m, rem % tiles_w * m};
}

// A thread's samples, channels-first: `c` channels of h x w (the image and output planes are the same size).
struct Planes {
  int c, h, w;
  size_t plane() const { return static_cast<size_t>(h) * w; }
  size_t sample() const { return plane() * c; }
};

// The per-(m, r) loops over a block of `count` tiles starting at tile t0; `block` is the row stride between
// transformed points, `cp`/`ocp` the padded channel counts of the transformed rows. Tiles whose rows of 8 lie
// inside the plane (and chunks of 8 whole channels) go through transpose8; the others, at the plane's edges,
// element by element.
template <int M, int R>
struct Kernels {
  static constexpr int A = M + R - 1, kPad = R / 2;
  static_assert(A <= kLanes, "a tile row must fit one transpose");
  static_assert(M == 4, "output rows move as four floats");

  static void input_tiles(const float* x, Planes p, int cp, int tiles_h, int tiles_w, long t0, int count, int block,
                          float* v) {
    V8 d[A * A], out[A * A], r[kLanes];
    for (int tb = 0; tb < count; ++tb) {
      const TilePos t = tile_pos(t0 + tb, tiles_h, tiles_w, M);
      const float* img = x + t.s * p.sample();
      const int y0 = t.y0 - kPad, x0 = t.x0 - kPad;
      const bool inside = y0 >= 0 && y0 + A <= p.h && x0 >= 0 && x0 + kLanes <= p.w;
      for (int c = 0; c < cp; c += kLanes) {
        const int lanes = std::min(kLanes, p.c - c);
        if (inside && lanes == kLanes) {
          for (int i = 0; i < A; ++i) {
            for (int l = 0; l < kLanes; ++l) r[l] = load8(img + (c + l) * p.plane() + (y0 + i) * p.w + x0);
            transpose8(r);
            for (int j = 0; j < A; ++j) d[i * A + j] = r[j];
          }
        } else {
          for (int i = 0; i < A; ++i)
            for (int j = 0; j < A; ++j) {
              const int iy = y0 + i, ix = x0 + j;
              const bool in = iy >= 0 && iy < p.h && ix >= 0 && ix < p.w;
              for (int l = 0; l < kLanes; ++l)
                d[i * A + j][l] = in && l < lanes ? img[(c + l) * p.plane() + iy * p.w + ix] : 0.f;
            }
        }
        transform2d<InputT<M, R>>(d, out);
        for (int xi = 0; xi < A * A; ++xi) store8(v + (static_cast<size_t>(xi) * block + tb) * cp + c, out[xi]);
      }
    }
  }

  // Adds each tile's input gradient into dx (tiles overlap by R - 1 rows and columns).
  static void input_gradient_tiles(const float* dv, Planes p, int cp, int tiles_h, int tiles_w, long t0, int count,
                                   int block, float* dx) {
    V8 d[A * A], out[A * A], r[kLanes];
    for (int tb = 0; tb < count; ++tb) {
      const TilePos t = tile_pos(t0 + tb, tiles_h, tiles_w, M);
      float* img = dx + t.s * p.sample();
      const int y0 = t.y0 - kPad, x0 = t.x0 - kPad;
      const bool inside = y0 >= 0 && y0 + A <= p.h && x0 >= 0 && x0 + kLanes <= p.w;
      for (int c = 0; c < cp; c += kLanes) {
        const int lanes = std::min(kLanes, p.c - c);
        for (int xi = 0; xi < A * A; ++xi) d[xi] = load8(dv + (static_cast<size_t>(xi) * block + tb) * cp + c);
        transform2d<InputAdjointT<M, R>>(d, out);
        if (inside && lanes == kLanes) {
          for (int i = 0; i < A; ++i) {
            for (int j = 0; j < kLanes; ++j) r[j] = j < A ? out[i * A + j] : V8{};
            transpose8(r);  // r[l]: channel c + l's row, zero past the tile (adding it leaves the next tile's pixels)
            for (int l = 0; l < kLanes; ++l) {
              float* q = img + (c + l) * p.plane() + (y0 + i) * p.w + x0;
              store8(q, load8(q) + r[l]);
            }
          }
        } else {
          for (int i = 0; i < A; ++i)
            for (int j = 0; j < A; ++j) {
              const int iy = y0 + i, ix = x0 + j;
              if (iy < 0 || iy >= p.h || ix < 0 || ix >= p.w) continue;
              for (int l = 0; l < lanes; ++l) img[(c + l) * p.plane() + iy * p.w + ix] += out[i * A + j][l];
            }
        }
      }
    }
  }

  static void output_tiles(const float* mt, Planes p, int ocp, int tiles_h, int tiles_w, long t0, int count, int block,
                           const float* b, float* y) {
    V8 d[A * A], out[M * M], r[kLanes];
    for (int tb = 0; tb < count; ++tb) {
      const TilePos t = tile_pos(t0 + tb, tiles_h, tiles_w, M);
      float* img = y + t.s * p.sample();
      const bool inside = t.y0 + M <= p.h && t.x0 + M <= p.w;
      for (int c = 0; c < ocp; c += kLanes) {
        const int lanes = std::min(kLanes, p.c - c);
        for (int xi = 0; xi < A * A; ++xi) d[xi] = load8(mt + (static_cast<size_t>(xi) * block + tb) * ocp + c);
        transform2d<OutputT<M, R>>(d, out);
        const V8 bias = load8(b + c);
        if (inside && lanes == kLanes) {
          for (int i = 0; i < M; ++i) {
            for (int j = 0; j < kLanes; ++j) r[j] = j < M ? out[i * M + j] + bias : V8{};
            transpose8(r);
            for (int l = 0; l < kLanes; ++l) store4_low(img + (c + l) * p.plane() + (t.y0 + i) * p.w + t.x0, r[l]);
          }
        } else {
          for (int i = 0; i < M && t.y0 + i < p.h; ++i)
            for (int j = 0; j < M && t.x0 + j < p.w; ++j)
              for (int l = 0; l < lanes; ++l)
                img[(c + l) * p.plane() + (t.y0 + i) * p.w + t.x0 + j] = out[i * M + j][l] + bias[l];
        }
      }
    }
  }

  static void output_gradient_tiles(const float* dy, Planes p, int ocp, int tiles_h, int tiles_w, long t0, int count,
                                    int block, float* dmt) {
    V8 d[M * M], out[A * A], r[kLanes];
    for (int tb = 0; tb < count; ++tb) {
      const TilePos t = tile_pos(t0 + tb, tiles_h, tiles_w, M);
      const float* img = dy + t.s * p.sample();
      const bool inside = t.y0 + M <= p.h && t.x0 + M <= p.w;
      for (int c = 0; c < ocp; c += kLanes) {
        const int lanes = std::min(kLanes, p.c - c);
        if (inside && lanes == kLanes) {
          for (int i = 0; i < M; ++i) {
            for (int l = 0; l < kLanes; ++l) r[l] = load4_low(img + (c + l) * p.plane() + (t.y0 + i) * p.w + t.x0);
            transpose8(r);
            for (int j = 0; j < M; ++j) d[i * M + j] = r[j];
          }
        } else {
          for (int i = 0; i < M; ++i)
            for (int j = 0; j < M; ++j) {
              const int iy = t.y0 + i, ix = t.x0 + j;
              const bool in = iy < p.h && ix < p.w;
              for (int l = 0; l < kLanes; ++l)
                d[i * M + j][l] = in && l < lanes ? img[(c + l) * p.plane() + iy * p.w + ix] : 0.f;
            }
        }
        transform2d<OutputAdjointT<M, R>>(d, out);
        for (int xi = 0; xi < A * A; ++xi) store8(dmt + (static_cast<size_t>(xi) * block + tb) * ocp + c, out[xi]);
      }
    }
  }

  // u (a^2, OCp, Cp) and ut (a^2, Cp, OCp) from w (OC, C, R, R); padding channels stay 0.
  static void kernels(const float* w, int oc, int c_in, int ocp, int cp, float* u, float* ut) {
    V8 gv[R * R], out[A * A];
    for (int c = 0; c < c_in; ++c)
      for (int o0 = 0; o0 < oc; o0 += kLanes) {
        for (int k = 0; k < R * R; ++k)
          for (int l = 0; l < kLanes; ++l)
            gv[k][l] = o0 + l < oc ? w[(static_cast<size_t>(o0 + l) * c_in + c) * R * R + k] : 0.f;
        transform2d<KernelT<M, R>>(gv, out);
        for (int xi = 0; xi < A * A; ++xi) {
          store8(ut + (static_cast<size_t>(xi) * cp + c) * ocp + o0, out[xi]);
          for (int l = 0; l < kLanes && o0 + l < oc; ++l)
            u[(static_cast<size_t>(xi) * ocp + o0 + l) * cp + c] = out[xi][l];
        }
      }
  }

  // dw (OC, C, R, R) += G^T dU G, dU (a^2, Cp, OCp).
  static void kernel_gradient(const float* du, int oc, int c_in, int ocp, int cp, float* dw) {
    V8 d[A * A], out[R * R];
    for (int c = 0; c < c_in; ++c)
      for (int o0 = 0; o0 < oc; o0 += kLanes) {
        for (int xi = 0; xi < A * A; ++xi) d[xi] = load8(du + (static_cast<size_t>(xi) * cp + c) * ocp + o0);
        transform2d<KernelAdjointT<M, R>>(d, out);
        for (int l = 0; l < kLanes && o0 + l < oc; ++l)
          for (int k = 0; k < R * R; ++k) dw[(static_cast<size_t>(o0 + l) * c_in + c) * R * R + k] += out[k][l];
      }
  }
};

// Calls f(Kernels<M, R>{}) for the (m, r) pairs Conv2D uses.
template <class F>
void with_kernels(int m, int r, F&& f) {
  if (m == 4 && r == 3)
    f(Kernels<4, 3>{});
  else if (m == 4 && r == 5)
    f(Kernels<4, 5>{});
  else
    throw std::logic_error("no Winograd kernels for this tile and kernel size");
}

int round_up(int x, int to) {
  return (x + to - 1) / to * to;
}

}  // namespace

WinogradMatrices winograd_matrices(int m, int r) {
  if (m < 1 || r < 1 || m + r - 1 > kMaxTile) throw std::invalid_argument("winograd_matrices: tile too large");
  const Tables t = make_tables(m, r);
  WinogradMatrices out;
  out.m = m;
  out.r = r;
  out.a = t.a;
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < t.a; ++j) out.at.push_back(t.at[i][j]);
  for (int i = 0; i < t.a; ++i)
    for (int j = 0; j < r; ++j) out.g.push_back(t.g[i][j]);
  for (int i = 0; i < t.a; ++i)
    for (int j = 0; j < t.a; ++j) out.bt.push_back(t.bt[i][j]);
  return out;
}

bool winograd_suits(const ConvGeom& g, int out_channels) {
  return g.stride == 1 && (g.k == 3 || g.k == 5) && g.pad == g.k / 2 && g.c >= kWinogradMinChannels && out_channels > 0;
}

WinogradConv::WinogradConv(const ConvGeom& g, int out_channels)
    : g_(g), oc_(out_channels), m_(kTile), r_(g.k), a_(m_ + r_ - 1) {
  cp_ = round_up(g.c, kLanes);
  ocp_ = round_up(oc_, kLanes);
  tiles_h_ = (g.out_h() + m_ - 1) / m_;
  tiles_w_ = (g.out_w() + m_ - 1) / m_;
  const size_t tile_bytes = static_cast<size_t>(a_) * a_ * (cp_ + ocp_) * sizeof(float);
  block_ = static_cast<int>(std::max<size_t>(kLanes, kBlockBytes / tile_bytes));
  u_.assign(static_cast<size_t>(a_) * a_ * ocp_ * cp_, 0.f);
  ut_.assign(u_.size(), 0.f);
}

void WinogradConv::transform_kernels(const float* w) {
  // Inference calls forward for every batch with the same weights, and backward follows a forward with the weights
  // it used: a bitwise comparison with the weights last transformed (cheap next to transforming them) skips those.
  const size_t count = static_cast<size_t>(oc_) * g_.c * r_ * r_;
  if (w_seen_.size() == count && std::memcmp(w, w_seen_.data(), count * sizeof(float)) == 0) return;
  with_kernels(m_, r_, [&](auto k) { k.kernels(w, oc_, g_.c, ocp_, cp_, u_.data(), ut_.data()); });
  w_seen_.assign(w, w + count);
}

void WinogradConv::forward(Tensor& y, const Tensor& x, const float* w, const float* b, int threads) {
  const int n = x.n;
  y.resize(n, Shape{oc_, g_.out_h(), g_.out_w()});
  transform_kernels(w);
  std::vector<float> bias(ocp_, 0.f);
  std::copy(b, b + oc_, bias.begin());
  threads = std::max(1, std::min(threads, n));
  if (static_cast<int>(scratch_.size()) < threads) scratch_.resize(threads);
  const size_t points = static_cast<size_t>(a_) * a_;
  const Planes in{g_.c, g_.h, g_.w}, out{oc_, g_.h, g_.w};
  run_team(threads, [&](int t, int team) {
    Scratch& sc = scratch_[t];
    // Plain locals, not a structured binding: clang before 16 cannot capture one in the lambdas below.
    const std::pair<int, int> share = static_share(n, t, team);
    const int begin = share.first, end = share.second;
    if (begin >= end) return;
    sc.v.resize(points * block_ * cp_);
    sc.mt.resize(points * block_ * ocp_);
    const long tiles = static_cast<long>(end - begin) * tiles_h_ * tiles_w_;
    // M (count x OCp) = V (count x Cp) U^T (Cp x OCp) at each point: for whole blocks and for the last one.
    auto product = [&](int count) { return GemmPlan(false, count, ocp_, cp_, cp_, ocp_, ocp_, 0.f); };
    const GemmPlan full = product(block_), last = product(static_cast<int>((tiles - 1) % block_ + 1));
    with_kernels(m_, r_, [&](auto k) {
      for (long t0 = 0; t0 < tiles; t0 += block_) {
        const int count = static_cast<int>(std::min<long>(block_, tiles - t0));
        const GemmPlan& mul = count == block_ ? full : last;
        k.input_tiles(x.sample(begin), in, cp_, tiles_h_, tiles_w_, t0, count, block_, sc.v.data());
        for (size_t xi = 0; xi < points; ++xi)
          mul(sc.v.data() + xi * block_ * cp_, ut_.data() + xi * cp_ * ocp_, sc.mt.data() + xi * block_ * ocp_);
        k.output_tiles(sc.mt.data(), out, ocp_, tiles_h_, tiles_w_, t0, count, block_, bias.data(), y.sample(begin));
      }
    });
  });
}

void WinogradConv::backward(Tensor& dx, const Tensor& dy, const Tensor& x, const float* w, float* dw, float* db,
                            bool need_dx, int threads) {
  const int n = x.n;
  transform_kernels(w);  // the weights may have changed since the last forward (a gradient check does that)
  if (need_dx) dx.resize(n, x.shape);
  threads = std::max(1, std::min(threads, n));
  if (static_cast<int>(scratch_.size()) < threads) scratch_.resize(threads);
  const size_t points = static_cast<size_t>(a_) * a_;
  const Planes in{g_.c, g_.h, g_.w}, out{oc_, g_.h, g_.w};
  int team_ran = 1;
  run_team(threads, [&](int t, int team) {
    if (t == 0) team_ran = team;
    Scratch& sc = scratch_[t];
    sc.du.assign(points * cp_ * ocp_, 0.f);
    sc.db.assign(oc_, 0.f);
    // Plain locals, not a structured binding: clang before 16 cannot capture one in the lambdas below.
    const std::pair<int, int> share = static_share(n, t, team);
    const int begin = share.first, end = share.second;
    if (begin >= end) return;
    if (need_dx) std::fill(dx.sample(begin), dx.sample(begin) + (end - begin) * in.sample(), 0.f);
    sc.v.resize(points * block_ * cp_);
    sc.mt.resize(points * block_ * ocp_);
    const long tiles = static_cast<long>(end - begin) * tiles_h_ * tiles_w_;
    // At each point: dU (Cp x OCp) += V^T dM, and dV (count x Cp) = dM (count x OCp) U (OCp x Cp).
    auto kernel_gradient = [&](int count) { return GemmPlan(true, cp_, ocp_, count, cp_, ocp_, ocp_, 1.f); };
    auto input_gradient = [&](int count) { return GemmPlan(false, count, cp_, ocp_, ocp_, cp_, cp_, 0.f); };
    const int tail = static_cast<int>((tiles - 1) % block_ + 1);
    const GemmPlan du_full = kernel_gradient(block_), du_last = kernel_gradient(tail);
    const GemmPlan dv_full = input_gradient(block_), dv_last = input_gradient(tail);
    with_kernels(m_, r_, [&](auto k) {
      for (long t0 = 0; t0 < tiles; t0 += block_) {
        const int count = static_cast<int>(std::min<long>(block_, tiles - t0));
        k.input_tiles(x.sample(begin), in, cp_, tiles_h_, tiles_w_, t0, count, block_, sc.v.data());
        k.output_gradient_tiles(dy.sample(begin), out, ocp_, tiles_h_, tiles_w_, t0, count, block_, sc.mt.data());
        const GemmPlan& du = count == block_ ? du_full : du_last;
        for (size_t xi = 0; xi < points; ++xi)
          du(sc.v.data() + xi * block_ * cp_, sc.mt.data() + xi * block_ * ocp_, sc.du.data() + xi * cp_ * ocp_);
        if (!need_dx) continue;
        const GemmPlan& dv = count == block_ ? dv_full : dv_last;
        for (size_t xi = 0; xi < points; ++xi)  // over V, no longer needed
          dv(sc.mt.data() + xi * block_ * ocp_, u_.data() + xi * ocp_ * cp_, sc.v.data() + xi * block_ * cp_);
        k.input_gradient_tiles(sc.v.data(), in, cp_, tiles_h_, tiles_w_, t0, count, block_, dx.sample(begin));
      }
    });
    for (int s = begin; s < end; ++s) {
      const float* g = dy.sample(s);
      for (int o = 0; o < oc_; ++o)
        for (size_t q = 0; q < out.plane(); ++q) sc.db[o] += g[o * out.plane() + q];
    }
  });
  // Fixed-order reduction: the same sums on every run with this many threads.
  du_sum_.assign(points * cp_ * ocp_, 0.f);
  for (int t = 0; t < team_ran; ++t) {
    const std::vector<float>& part = scratch_[t].du;
    for (size_t j = 0; j < du_sum_.size(); ++j) du_sum_[j] += part[j];
    for (int o = 0; o < oc_; ++o) db[o] += scratch_[t].db[o];
  }
  with_kernels(m_, r_, [&](auto k) { k.kernel_gradient(du_sum_.data(), oc_, g_.c, ocp_, cp_, dw); });
}

}  // namespace scrawl

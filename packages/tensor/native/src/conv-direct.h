// Direct convolution for layers with few output channels (LeNet's: 1→6 and 6→16 channels of 5×5),
// where the packed GEMM wastes most of its work: its micro-tile is 8 channels × 32 positions, and it
// packs a sliver of columns for every 32 positions of a 25- or 150-row product. Here the output
// channels are the vector lanes (one vector holds 16 float32 channels with AVX-512), the input is
// read in place from a zero-padded copy of one sample, and each weight vector multiplies the input
// value broadcast to all lanes:
//   forward:      y[n][co][oh][ow] = bias[co] + Σ_{ci,kh,kw} w[co][ci][kh][kw] · xp[ci][oh+kh][ow+kw]
//   weight grad:  gW[co][ci][kh][kw] = Σ_n Σ_{oh,ow} gy[n][co][oh][ow] · xp[n][ci][oh+kh][ow+kw]
//   adjoint:      gx[n][ci][ih][iw] += Σ_{co,a,b} w[co][ci][kH−1−a][kW−1−b] · gyp[co][ih+a][iw+b]
// (the adjoint's lanes are input columns instead: its outputs are the few input channels, and gyp is
// gy zero-padded by kernel − 1 − padding on each side).
// The fused ReLU → max-pool epilogue runs on the forward's registers: a pooling window's four
// outputs are four vectors of the tile, so y itself is never written.
//
// Determinism: the forward runs a sample per task and sums each output in (ci, kh, kw) order; the
// weight gradient sums each of its fixed batch partitions (conv.h's WEIGHT_GRAD_PARTS) sample by
// sample, positions in row-major order, and the partials are added in order in double. No sum
// depends on the thread count.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>

#include "conv-gemm.h"
#include "simd.h"
#include "thread-pool.h"

// The geometries taken: 2-D (a 1-D conv is 2-D with H = 1), one group, stride 1, dilation 1, a kernel
// of at least 2 taps and at most DIRECT_MAX_KW wide, at most DIRECT_MAX_COUT output channels, and a
// padded sample that fits a small buffer. Larger channel counts fill the GEMM's tiles well.
static const long DIRECT_MAX_COUT = 16, DIRECT_MAX_KW = 8, DIRECT_MAX_PADDED = 1L << 20;

static inline bool conv_direct_fits(const ConvGeom& g, long groups, long cOut) {
  if (g.dims != 2 || groups != 1 || cOut > DIRECT_MAX_COUT || g.k[1] > DIRECT_MAX_KW || g.taps < 2) return false;
  for (int a = 0; a < 2; a++)
    if (g.s[a] != 1 || g.d[a] != 1) return false;
  double padded = static_cast<double>(g.C) * (g.out[0] + g.k[0] - 1) * (g.out[1] + g.k[1] - 1);
  return padded <= DIRECT_MAX_PADDED;
}

// The adjoint's padded gradient (cOut planes of the input's size grown by the kernel) must fit too.
static inline bool conv_direct_adjoint_fits(const ConvGeom& g, long groups, long cOut) {
  double padded = static_cast<double>(cOut) * (g.in[0] + g.k[0] - 1) * (g.in[1] + g.k[1] + 15);
  return conv_direct_fits(g, groups, cOut) && padded <= DIRECT_MAX_PADDED;
}

template <typename T>
struct IVec;
template <>
struct IVec<float> {
  typedef int32_t lane;
  typedef int32_t type __attribute__((vector_size(VECTOR_BYTES)));
};
template <>
struct IVec<double> {
  typedef int64_t lane;
  typedef int64_t type __attribute__((vector_size(VECTOR_BYTES)));
};

// Output positions per tile row: RH·R accumulators, a weight vector and a broadcast fit the registers
// (32 with AVX-512, 16 otherwise).
static const long DIRECT_R = VECTOR_BYTES == 64 ? 12 : 6;

template <typename T>
struct DirectCall {
  const ConvGeom* g;
  long cOut, blocks, count;
  long Hp, Wp;       // the padded sample's rows and columns: input rows [−pH, Hp − pH), likewise columns
  const T* x;
  const T* wp;       // forward: weights [blocks][rows][VL], channels beyond cOut zero
  const T* bias;     // forward: [cOut] or null
  T* y;              // forward: [count, cOut, P] written, or null (the fused epilogue only)
  T* pooled;         // forward: [count, cOut, oH/windowRows, oW/2], or null
  int32_t* indices;
  long windowRows;
  const T* gy;       // weight grad: [count, cOut, P]
  T* partials;       // weight grad: [parts, blocks, rows, VL]
  double* biasParts; // weight grad: [parts, cOut] (Σ gy per channel), or null
  long chunk;
  std::atomic<bool>* failed;
};

static thread_local Scratch tls_padded, tls_gy;

// xp[c][r][q] = x[c][r − pH][q − pW] inside the input, else 0.
template <typename T>
static void pad_sample(const ConvGeom& g, long Hp, long Wp, const T* x, T* xp) {
  long pH = g.p[0], pW = g.p[1], H = g.in[0], W = g.in[1];
  long lo = std::min(Wp, pW), hi = std::min(Wp, pW + W);
  for (long c = 0; c < g.C; c++) {
    for (long r = 0; r < Hp; r++) {
      T* d = xp + (c * Hp + r) * Wp;
      long ih = r - pH;
      if (ih < 0 || ih >= H) {
        std::memset(d, 0, sizeof(T) * Wp);
        continue;
      }
      // copy_run reads src[q] for q in [lo, hi) only: the input row's own elements.
      copy_run(x + (c * H + ih) * W - pW, lo, hi, Wp, d);
    }
  }
}

// relu on the bits, per lane (conv.h's relu_bits): a set sign bit gives +0.
template <typename T>
static inline typename Vec<T>::type relu_lanes(typename Vec<T>::type v) {
  typedef typename IVec<T>::type I;
  I b = reinterpret_cast<I&>(v);
  b &= ~(b >> (8 * sizeof(T) - 1));
  return reinterpret_cast<typename Vec<T>::type&>(b);
}

// v's lanes picked by `from` (lane l gets v[from[l]]).
template <typename T>
static inline typename Vec<T>::type shuffle_lanes(typename Vec<T>::type v, typename IVec<T>::type from) {
  return __builtin_shuffle(v, from);
}

// One tile: output rows [oh0, oh0 + RH) × columns [ow0, ow0 + R) of channel block `blk` of sample n.
template <typename T, int RH, int R>
#if defined(__clang__)
static void direct_tile
#else
__attribute__((optimize("fp-contract=fast"))) static void direct_tile
#endif
    (const DirectCall<T>& c, const T* xp, long n, long blk, long oh0, long ow0) {
#if defined(__clang__)
#pragma clang fp contract(fast)
#endif
  typedef typename Vec<T>::type V;
  typedef typename IVec<T>::type I;
  constexpr long VL = VECTOR_BYTES / sizeof(T);
  const ConvGeom& g = *c.g;
  long co0 = blk * VL, lanes = std::min(VL, c.cOut - co0);
  alignas(64) T lane[VL];
  V start = V{};
  if (c.bias != nullptr) {
    for (long l = 0; l < VL; l++) lane[l] = l < lanes ? c.bias[co0 + l] : T(0);
    start = *reinterpret_cast<const V*>(lane);
  }
  V acc[RH][R];
  for (int i = 0; i < RH; i++)
    for (int j = 0; j < R; j++) acc[i][j] = start;
  const T* wv = c.wp + blk * g.rows() * VL;
  long plane = c.Hp * c.Wp, Wp = c.Wp, kH = g.k[0], kW = g.k[1];
  for (long ci = 0; ci < g.C; ci++) {
    for (long kh = 0; kh < kH; kh++) {
      const T* row = xp + ci * plane + (oh0 + kh) * Wp + ow0;
      for (long kw = 0; kw < kW; kw++, wv += VL) {
        V w = *reinterpret_cast<const V*>(wv);
        const T* at = row + kw;
#pragma GCC unroll 16
        for (int j = 0; j < R; j++) {
          acc[0][j] += w * at[j];
          if (RH == 2) acc[RH - 1][j] += w * at[Wp + j];
        }
      }
    }
  }
  long oH = g.out[0], oW = g.out[1], P = oH * oW;
  if (c.y != nullptr) {
    T* ys = c.y + (n * c.cOut + co0) * P;
    for (int i = 0; i < RH; i++)
      for (int j = 0; j < R; j++) {
        *reinterpret_cast<V*>(lane) = acc[i][j];
        long pos = (oh0 + i) * oW + ow0 + j;
        for (long l = 0; l < lanes; l++) ys[l * P + pos] = lane[l];
      }
  }
  if (c.pooled == nullptr || RH != c.windowRows) return;
  // Windows of windowRows × 2 over relu(y), scanned row by row: the first maximum wins, and a NaN beats
  // everything (conv.h's relu_max_pool, lane by lane).
  long pH = oH / c.windowRows, pW = oW / 2, ph = oh0 / c.windowRows, perPlane = pH * pW;
  T* pooled = c.pooled + (n * c.cOut + co0) * perPlane + ph * pW;
  int32_t* indices = c.indices + (n * c.cOut + co0) * perPlane + ph * pW;
  alignas(64) typename IVec<T>::lane at[VL];
  for (int j = 0; j + 1 < R; j += 2) {
    long pw = (ow0 + j) / 2;
    if (pw >= pW) break;
    long base = oh0 * oW + ow0 + j;
    V best = relu_lanes<T>(acc[0][j]);
    I index = I{} + static_cast<typename IVec<T>::lane>(base);
    for (int t = 1; t < 2 * RH; t++) {
      V v = relu_lanes<T>(acc[t >> 1][j + (t & 1)]);
      I take = (v > best) | (v != v);
      best = take ? v : best;
      index = take ? I{} + static_cast<typename IVec<T>::lane>(base + (t >> 1) * oW + (t & 1)) : index;
    }
    *reinterpret_cast<V*>(lane) = best;
    *reinterpret_cast<I*>(at) = index;
    for (long l = 0; l < lanes; l++) {
      pooled[l * perPlane + pw] = lane[l];
      indices[l * perPlane + pw] = static_cast<int32_t>(at[l]);
    }
  }
}

template <typename T, int RH>
static void direct_tile_of(long R, const DirectCall<T>& c, const T* xp, long n, long blk, long oh0, long ow0) {
  switch (R) {
#define DIRECT_TILE(W) \
  case W:              \
    return direct_tile<T, RH, W>(c, xp, n, blk, oh0, ow0);
    DIRECT_TILE(1)
    DIRECT_TILE(2)
    DIRECT_TILE(3)
    DIRECT_TILE(4)
    DIRECT_TILE(5)
    DIRECT_TILE(6)
#if VECTOR_BYTES == 64
    DIRECT_TILE(7)
    DIRECT_TILE(8)
    DIRECT_TILE(9)
    DIRECT_TILE(10)
    DIRECT_TILE(11)
    DIRECT_TILE(12)
#endif
#undef DIRECT_TILE
  }
}

template <typename T>
static void direct_forward_sample(void* ctx, long n) {
  const DirectCall<T>& c = *static_cast<DirectCall<T>*>(ctx);
  const ConvGeom& g = *c.g;
  T* xp = tls_padded.as<T>(g.C * c.Hp * c.Wp);
  if (xp == nullptr) {
    c.failed->store(true);
    return;
  }
  pad_sample(g, c.Hp, c.Wp, c.x + n * g.sampleIn(), xp);
  long oH = g.out[0], oW = g.out[1];
  // Without y only the pooled windows are needed: rows and columns past the last whole window are skipped.
  bool pooledOnly = c.y == nullptr;
  long rows = pooledOnly ? oH / c.windowRows * c.windowRows : oH;
  long cols = pooledOnly ? oW / 2 * 2 : oW;
  long step = c.pooled != nullptr ? c.windowRows : 2;
  for (long blk = 0; blk < c.blocks; blk++)
    for (long oh0 = 0; oh0 < rows;) {
      bool two = step == 2 && oh0 + 1 < rows;
      for (long ow0 = 0; ow0 < cols; ow0 += DIRECT_R) {
        long R = std::min(DIRECT_R, cols - ow0);
        if (two)
          direct_tile_of<T, 2>(R, c, xp, n, blk, oh0, ow0);
        else
          direct_tile_of<T, 1>(R, c, xp, n, blk, oh0, ow0);
      }
      oh0 += two ? 2 : 1;
    }
}

// The forward's other layout, for very few output channels on wide rows (LeNet's first layer: 6
// channels, 28 columns): output columns in the lanes, every channel's accumulators in registers, the
// weights broadcast. Tile: RH rows × the VL columns from ow0 × CO channels. wq: [rows][CO] (the
// weights transposed). The pooled epilogue pairs each lane with its right neighbour (a lane shift) and
// keeps the even lanes.
template <typename T, int RH, int CO>
#if defined(__clang__)
static void wide_tile
#else
__attribute__((optimize("fp-contract=fast"))) static void wide_tile
#endif
    (const DirectCall<T>& c, const T* xp, const T* wq, long n, long oh0, long ow0) {
#if defined(__clang__)
#pragma clang fp contract(fast)
#endif
  typedef typename Vec<T>::type V;
  typedef typename IVec<T>::type I;
  typedef typename IVec<T>::lane IL;
  constexpr long VL = VECTOR_BYTES / sizeof(T);
  const ConvGeom& g = *c.g;
  V acc[RH][CO];
  for (int o = 0; o < CO; o++) {
    T b = c.bias != nullptr ? c.bias[o] : T(0);
    for (int i = 0; i < RH; i++) acc[i][o] = V{} + b;
  }
  long plane = c.Hp * c.Wp, Wp = c.Wp, kH = g.k[0], kW = g.k[1];
  for (long ci = 0; ci < g.C; ci++)
    for (long kh = 0; kh < kH; kh++) {
      const T* row = xp + ci * plane + (oh0 + kh) * Wp + ow0;
      for (long kw = 0; kw < kW; kw++, wq += CO) {
        V v0, v1;
        std::memcpy(&v0, row + kw, sizeof(V));
        if (RH == 2) std::memcpy(&v1, row + Wp + kw, sizeof(V));
#pragma GCC unroll 16
        for (int o = 0; o < CO; o++) {
          acc[0][o] += wq[o] * v0;
          if (RH == 2) acc[RH - 1][o] += wq[o] * v1;
        }
      }
    }
  long oH = g.out[0], oW = g.out[1], P = oH * oW, width = std::min(VL, oW - ow0);
  if (c.y != nullptr) {
    for (int i = 0; i < RH; i++)
      for (int o = 0; o < CO; o++)
        std::memcpy(c.y + (n * CO + o) * P + (oh0 + i) * oW + ow0, &acc[i][o], sizeof(T) * width);
  }
  if (c.pooled == nullptr || RH != c.windowRows) return;
  long pH = oH / c.windowRows, pW = oW / 2, perPlane = pH * pW, ph = oh0 / c.windowRows, pw0 = ow0 / 2;
  long windows = std::min(VL / 2, pW - pw0);
  if (windows <= 0) return;
  I right, even, lanes;
  for (long l = 0; l < VL; l++) {
    right[l] = static_cast<IL>(std::min(l + 1, VL - 1));
    even[l] = static_cast<IL>(std::min(2 * l, VL - 2));
    lanes[l] = static_cast<IL>(l);
  }
  // The window at even lane l: its outputs in scan order are top[l], top[l + 1], bottom[l], bottom[l + 1].
  I base = lanes + static_cast<IL>(oh0 * oW + ow0);
  for (int o = 0; o < CO; o++) {
    V best = relu_lanes<T>(acc[0][o]);
    I index = base;
    for (int t = 1; t < 2 * RH; t++) {
      V v = relu_lanes<T>(acc[t >> 1][o]);
      if (t & 1) v = shuffle_lanes<T>(v, right);
      I take = (v > best) | (v != v);
      best = take ? v : best;
      index = take ? base + static_cast<IL>((t >> 1) * oW + (t & 1)) : index;
    }
    best = shuffle_lanes<T>(best, even);
    index = __builtin_shuffle(index, even);
    alignas(64) IL at[VL];
    std::memcpy(at, &index, sizeof(I));
    long offset = (n * c.cOut + o) * perPlane + ph * pW + pw0;
    std::memcpy(c.pooled + offset, &best, sizeof(T) * windows);
    for (long q = 0; q < windows; q++) c.indices[offset + q] = static_cast<int32_t>(at[q]);
  }
}

template <typename T, int RH>
static void wide_tile_of(long co, const DirectCall<T>& c, const T* xp, const T* wq, long n, long oh0, long ow0) {
  switch (co) {
#define WIDE_TILE(B) \
  case B:            \
    return wide_tile<T, RH, B>(c, xp, wq, n, oh0, ow0);
    WIDE_TILE(1)
    WIDE_TILE(2)
    WIDE_TILE(3)
    WIDE_TILE(4)
#if VECTOR_BYTES == 64
    WIDE_TILE(5)
    WIDE_TILE(6)
    WIDE_TILE(7)
    WIDE_TILE(8)
#endif
#undef WIDE_TILE
  }
}

// Output channels the wide layout takes: 2 rows × CO accumulators, two input vectors and a broadcast
// fit the registers.
static const long WIDE_MAX_COUT = VECTOR_BYTES == 64 ? 8 : 4;

// Whether the wide layout multiplies fewer vectors than the channels-in-lanes one: cOut · ⌈oW/VL⌉
// against ⌈cOut/VL⌉ · oW per output row.
template <typename T>
static bool direct_wide(const ConvGeom& g, long cOut) {
  constexpr long VL = VECTOR_BYTES / sizeof(T);
  long oW = g.out[1];
  return cOut <= WIDE_MAX_COUT && cOut * ceil_div(oW, VL) < ceil_div(cOut, VL) * oW;
}

template <typename T>
static void wide_forward_sample(void* ctx, long n) {
  const DirectCall<T>& c = *static_cast<DirectCall<T>*>(ctx);
  constexpr long VL = VECTOR_BYTES / sizeof(T);
  const ConvGeom& g = *c.g;
  T* xp = tls_padded.as<T>(g.C * c.Hp * c.Wp);
  if (xp == nullptr) {
    c.failed->store(true);
    return;
  }
  pad_sample(g, c.Hp, c.Wp, c.x + n * g.sampleIn(), xp);
  long oH = g.out[0], oW = g.out[1];
  bool pooledOnly = c.y == nullptr;
  long rows = pooledOnly ? oH / c.windowRows * c.windowRows : oH;
  long cols = pooledOnly ? oW / 2 * 2 : oW;
  long step = c.pooled != nullptr ? c.windowRows : 2;
  for (long oh0 = 0; oh0 < rows;) {
    bool two = step == 2 && oh0 + 1 < rows;
    for (long ow0 = 0; ow0 < cols; ow0 += VL) {
      if (two)
        wide_tile_of<T, 2>(c.cOut, c, xp, c.wp, n, oh0, ow0);
      else
        wide_tile_of<T, 1>(c.cOut, c, xp, c.wp, n, oh0, ow0);
    }
    oh0 += two ? 2 : 1;
  }
}

static Scratch direct_weights;

// Packs w [cOut, rows] as [blocks][rows][VL] (the channels of a block in the lanes, zeros past cOut).
template <typename T>
static T* pack_direct_weights(const T* w, long cOut, long rows, long blocks) {
  constexpr long VL = VECTOR_BYTES / sizeof(T);
  T* wp = direct_weights.as<T>(blocks * rows * VL);
  if (wp == nullptr) return nullptr;
  for (long blk = 0; blk < blocks; blk++)
    for (long r = 0; r < rows; r++)
      for (long l = 0; l < VL; l++) {
        long co = blk * VL + l;
        wp[(blk * rows + r) * VL + l] = co < cOut ? w[co * rows + r] : T(0);
      }
  return wp;
}

template <typename T>
static DirectCall<T> direct_call(const ConvGeom& g, long cOut, long count) {
  constexpr long VL = VECTOR_BYTES / sizeof(T);
  DirectCall<T> c{};
  c.g = &g, c.cOut = cOut, c.count = count, c.blocks = ceil_div(cOut, VL);
  c.Hp = g.out[0] + g.k[0] - 1, c.Wp = g.out[1] + g.k[1] - 1;
  return c;
}

// y (or, with pooled, only the pooled windows and their indices) for `count` samples, a sample per task.
template <typename T>
static bool conv_direct_forward(const ConvGeom& g, long cOut, long count, const T* x, const T* w, const T* bias,
                                T* y, T* pooled, int32_t* indices, long windowRows, int threads, Pool& pool) {
  constexpr long VL = VECTOR_BYTES / sizeof(T);
  DirectCall<T> c = direct_call<T>(g, cOut, count);
  c.x = x, c.bias = bias, c.y = y, c.pooled = pooled, c.indices = indices, c.windowRows = windowRows;
  std::atomic<bool> failed{false};
  c.failed = &failed;
  long rows = g.rows(), oW = g.out[1];
  if (direct_wide<T>(g, cOut)) {
    c.Wp = ceil_div(oW, VL) * VL + g.k[1] - 1;
    T* wq = direct_weights.as<T>(rows * cOut);
    if (wq == nullptr || tls_padded.as<T>(g.C * c.Hp * c.Wp) == nullptr) return false;
    for (long r = 0; r < rows; r++)
      for (long o = 0; o < cOut; o++) wq[r * cOut + o] = w[o * rows + r];
    c.wp = wq;
    pool.run(wide_forward_sample<T>, &c, count, threads);
    return !failed.load();
  }
  c.wp = pack_direct_weights(w, cOut, rows, c.blocks);
  if (c.wp == nullptr) return false;
  pool.run(direct_forward_sample<T>, &c, count, threads);
  return !failed.load();
}

// One (input channel, KR kernel rows from kh) block of the weight gradient of one sample, added onto
// part [rows][VL]: acc[i][kw] = Σ_{oh,ow} gyT[oh·oW + ow] · xp[ci][oh + kh + i][ow + kw].
template <typename T, int KW, int KR>
#if defined(__clang__)
static void direct_grad_rows
#else
__attribute__((optimize("fp-contract=fast"))) static void direct_grad_rows
#endif
    (const DirectCall<T>& c, const T* xp, const T* gyT, long ci, long kh, T* part) {
#if defined(__clang__)
#pragma clang fp contract(fast)
#endif
  typedef typename Vec<T>::type V;
  constexpr long VL = VECTOR_BYTES / sizeof(T);
  const ConvGeom& g = *c.g;
  long oH = g.out[0], oW = g.out[1], Wp = c.Wp;
  V acc[KR][KW];
  for (int i = 0; i < KR; i++)
    for (int j = 0; j < KW; j++) acc[i][j] = V{};
  const T* plane = xp + ci * c.Hp * Wp;
  for (long oh = 0; oh < oH; oh++) {
    const T* row = plane + (oh + kh) * Wp;
    const T* gv = gyT + oh * oW * VL;
    for (long ow = 0; ow < oW; ow++, gv += VL) {
      V gy = *reinterpret_cast<const V*>(gv);
#pragma GCC unroll 8
      for (int j = 0; j < KW; j++) {
        acc[0][j] += gy * row[ow + j];
        if (KR == 2) acc[KR - 1][j] += gy * row[Wp + ow + j];
      }
    }
  }
  for (int i = 0; i < KR; i++)
    for (int j = 0; j < KW; j++) {
      V* p = reinterpret_cast<V*>(part + ((ci * g.k[0] + kh + i) * KW + j) * VL);
      *p = *p + acc[i][j];
    }
}

template <typename T, int KR>
static void direct_grad_rows_of(long kW, const DirectCall<T>& c, const T* xp, const T* gyT, long ci, long kh,
                                T* part) {
  switch (kW) {
#define DIRECT_GRAD(W) \
  case W:              \
    return direct_grad_rows<T, W, KR>(c, xp, gyT, ci, kh, part);
    DIRECT_GRAD(1)
    DIRECT_GRAD(2)
    DIRECT_GRAD(3)
    DIRECT_GRAD(4)
    DIRECT_GRAD(5)
    DIRECT_GRAD(6)
    DIRECT_GRAD(7)
    DIRECT_GRAD(8)
#undef DIRECT_GRAD
  }
}

// Σ v[0 .. count) in double: 8 running sums (element i in sum i mod 8), then added in order; the bits
// depend on count alone.
template <typename T>
static double sum_in_double(const T* v, long count) {
  typedef double D8 __attribute__((vector_size(64)));
  typedef T T8 __attribute__((vector_size(8 * sizeof(T))));
  D8 acc = D8{};
  long i = 0;
  for (; i + 8 <= count; i += 8) {
    T8 x;
    std::memcpy(&x, v + i, sizeof(T8));
    acc += __builtin_convertvector(x, D8);
  }
  double lane[8];
  std::memcpy(lane, &acc, sizeof(lane));
  for (; i < count; i++) lane[i % 8] += v[i];
  double s = 0;
  for (double l : lane) s += l;
  return s;
}

// Partition t: its samples' weight gradients summed in sample order into partials[t] ([blocks][rows][VL]).
template <typename T>
static void direct_grad_part(void* ctx, long t) {
  const DirectCall<T>& c = *static_cast<DirectCall<T>*>(ctx);
  constexpr long VL = VECTOR_BYTES / sizeof(T);
  const ConvGeom& g = *c.g;
  long P = g.positions(), rows = g.rows(), kH = g.k[0], kW = g.k[1];
  T* part = c.partials + t * c.blocks * rows * VL;
  std::fill(part, part + c.blocks * rows * VL, T(0));
  T* xp = tls_padded.as<T>(g.C * c.Hp * c.Wp);
  T* gyT = tls_gy.as<T>(P * VL);
  if (xp == nullptr || gyT == nullptr) {
    c.failed->store(true);
    return;
  }
  long first = t * c.chunk, end = std::min(c.count, first + c.chunk);
  double* biasPart = c.biasParts == nullptr ? nullptr : c.biasParts + t * c.cOut;
  if (biasPart != nullptr) std::fill(biasPart, biasPart + c.cOut, 0.0);
  for (long n = first; n < end; n++) {
    if (biasPart != nullptr)
      for (long co = 0; co < c.cOut; co++) biasPart[co] += sum_in_double(c.gy + (n * c.cOut + co) * P, P);
    pad_sample(g, c.Hp, c.Wp, c.x + n * g.sampleIn(), xp);
    for (long blk = 0; blk < c.blocks; blk++) {
      // gy[n]'s channels of this block into the lanes: gyT[p][l] = gy[n][blk·VL + l][p], zeros past cOut
      // (written once per partition when every block has the same lanes).
      long co0 = blk * VL, lanes = std::min(VL, c.cOut - co0);
      const T* ys = c.gy + (n * c.cOut + co0) * P;
      if (lanes < VL && (n == first || c.blocks > 1))
        for (long p = 0; p < P; p++) std::fill(gyT + p * VL + lanes, gyT + (p + 1) * VL, T(0));
      for (long l = 0; l < lanes; l++)
        for (long p = 0; p < P; p++) gyT[p * VL + l] = ys[l * P + p];
      T* blockPart = part + blk * rows * VL;
      for (long ci = 0; ci < g.C; ci++) {
        long kh = 0;
        for (; kh + 1 < kH; kh += 2) direct_grad_rows_of<T, 2>(kW, c, xp, gyT, ci, kh, blockPart);
        if (kh < kH) direct_grad_rows_of<T, 1>(kW, c, xp, gyT, ci, kh, blockPart);
      }
    }
  }
}

// The weight gradient's wide layout (the forward's, for the same layers): output columns in the lanes.
// For input channel ci, kernel row kh and CB output channels from o0, over the VL columns from ow0:
// acc[o][kw] = Σ_oh gyp[o][oh][ow0..] · xp[ci][oh + kh][ow0 + kw..], added lane by lane onto the vector
// part[o][ci][kh][kw], its lanes past the output as 0 (there gyp is 0 but x may be anything).
template <typename T, int KW, int CB>
#if defined(__clang__)
static void wide_grad_rows
#else
__attribute__((optimize("fp-contract=fast"))) static void wide_grad_rows
#endif
    (const DirectCall<T>& c, const T* xp, const T* gyp, long Wg, long ci, long kh, long o0, long ow0, long width,
     T* part) {
#if defined(__clang__)
#pragma clang fp contract(fast)
#endif
  typedef typename Vec<T>::type V;
  constexpr long VL = VECTOR_BYTES / sizeof(T);
  const ConvGeom& g = *c.g;
  long oH = g.out[0], Wp = c.Wp, rows = g.rows();
  V acc[CB][KW];
  for (int o = 0; o < CB; o++)
    for (int j = 0; j < KW; j++) acc[o][j] = V{};
  const T* x = xp + (ci * c.Hp + kh) * Wp + ow0;
  const T* gy = gyp + o0 * oH * Wg + ow0;
  for (long oh = 0; oh < oH; oh++, x += Wp, gy += Wg) {
    V gv[CB];
    for (int o = 0; o < CB; o++) std::memcpy(&gv[o], gy + o * oH * Wg, sizeof(V));
#pragma GCC unroll 8
    for (int j = 0; j < KW; j++) {
      V xv;
      std::memcpy(&xv, x + j, sizeof(V));
      for (int o = 0; o < CB; o++) acc[o][j] += gv[o] * xv;
    }
  }
  typedef typename IVec<T>::type I;
  typedef typename IVec<T>::lane IL;
  I lanes;
  for (long l = 0; l < VL; l++) lanes[l] = static_cast<IL>(l);
  I inside = lanes < static_cast<IL>(width);
  for (int o = 0; o < CB; o++)
    for (int j = 0; j < KW; j++) {
      V* to = reinterpret_cast<V*>(part + ((o0 + o) * rows + (ci * g.k[0] + kh) * KW + j) * VL);
      *to = *to + (inside ? acc[o][j] : V{});
    }
}

template <typename T, int KW>
static void wide_grad_rows_cb(long cb, const DirectCall<T>& c, const T* xp, const T* gyp, long Wg, long ci, long kh,
                              long o0, long ow0, long width, T* part) {
  switch (cb) {
    case 1:
      return wide_grad_rows<T, KW, 1>(c, xp, gyp, Wg, ci, kh, o0, ow0, width, part);
    case 2:
      return wide_grad_rows<T, KW, 2>(c, xp, gyp, Wg, ci, kh, o0, ow0, width, part);
    case 3:
      return wide_grad_rows<T, KW, 3>(c, xp, gyp, Wg, ci, kh, o0, ow0, width, part);
    default:
      return wide_grad_rows<T, KW, 4>(c, xp, gyp, Wg, ci, kh, o0, ow0, width, part);
  }
}

// Accumulators the wide weight gradient keeps (CB · KW), besides CB gradient vectors and an input one.
static const long WIDE_GRAD_ACC = VECTOR_BYTES == 64 ? 24 : 10;

template <typename T>
static void wide_grad_part(void* ctx, long t) {
  const DirectCall<T>& c = *static_cast<DirectCall<T>*>(ctx);
  constexpr long VL = VECTOR_BYTES / sizeof(T);
  const ConvGeom& g = *c.g;
  long P = g.positions(), rows = g.rows(), kH = g.k[0], kW = g.k[1], oH = g.out[0], oW = g.out[1];
  long Wg = ceil_div(oW, VL) * VL;
  T* part = c.partials + t * c.cOut * rows * VL;
  std::fill(part, part + c.cOut * rows * VL, T(0));
  T* xp = tls_padded.as<T>(g.C * c.Hp * c.Wp);
  T* gyp = tls_gy.as<T>(c.cOut * oH * Wg);
  if (xp == nullptr || gyp == nullptr) {
    c.failed->store(true);
    return;
  }
  long first = t * c.chunk, end = std::min(c.count, first + c.chunk);
  double* biasPart = c.biasParts == nullptr ? nullptr : c.biasParts + t * c.cOut;
  if (biasPart != nullptr) std::fill(biasPart, biasPart + c.cOut, 0.0);
  long cbMax = std::max(1L, std::min(4L, WIDE_GRAD_ACC / kW));
  for (long n = first; n < end; n++) {
    const T* gy = c.gy + n * c.cOut * P;
    if (biasPart != nullptr)
      for (long o = 0; o < c.cOut; o++) biasPart[o] += sum_in_double(gy + o * P, P);
    pad_sample(g, c.Hp, c.Wp, c.x + n * g.sampleIn(), xp);
    // gy's rows padded to whole vectors with zeros.
    for (long r = 0; r < c.cOut * oH; r++) {
      std::memcpy(gyp + r * Wg, gy + r * oW, sizeof(T) * oW);
      std::fill(gyp + r * Wg + oW, gyp + (r + 1) * Wg, T(0));
    }
    for (long ci = 0; ci < g.C; ci++)
      for (long kh = 0; kh < kH; kh++)
        for (long o0 = 0; o0 < c.cOut; o0 += cbMax) {
          long cb = std::min(cbMax, c.cOut - o0);
          for (long ow0 = 0; ow0 < oW; ow0 += VL) {
            long width = std::min(VL, oW - ow0);
            switch (kW) {
#define WIDE_GRAD(W) \
  case W:            \
    wide_grad_rows_cb<T, W>(cb, c, xp, gyp, Wg, ci, kh, o0, ow0, width, part); \
    break;
              WIDE_GRAD(1)
              WIDE_GRAD(2)
              WIDE_GRAD(3)
              WIDE_GRAD(4)
              WIDE_GRAD(5)
              WIDE_GRAD(6)
              WIDE_GRAD(7)
              WIDE_GRAD(8)
#undef WIDE_GRAD
            }
          }
        }
  }
}

// gw [cOut, rows] = Σn gy[n]·xp[n] over `parts` partitions of `chunk` samples, each summed in sample
// order, then added in order in double; biasParts (or null) [parts, cOut] get each partition's Σ gy
// per channel. partials: scratch of parts·blocks·rows·VL.
template <typename T>
static bool conv_direct_weight_grad(const ConvGeom& g, long cOut, long count, long chunk, long parts, const T* x,
                                    const T* gy, T* gw, double* biasParts, Scratch& partials, int threads,
                                    Pool& pool) {
  constexpr long VL = VECTOR_BYTES / sizeof(T);
  DirectCall<T> c = direct_call<T>(g, cOut, count);
  long rows = g.rows(), size = c.blocks * rows * VL;
  c.x = x, c.gy = gy, c.chunk = chunk, c.biasParts = biasParts;
  std::atomic<bool> failed{false};
  c.failed = &failed;
  if (direct_wide<T>(g, cOut)) {
    // Partials [parts][cOut][rows][VL], the wide kernels' own layout: lanes then partitions added in order.
    c.Wp = ceil_div(g.out[1], VL) * VL + g.k[1] - 1;
    long wideSize = cOut * rows * VL;
    c.partials = partials.as<T>(parts * wideSize);
    if (c.partials == nullptr) return false;
    pool.run(wide_grad_part<T>, &c, parts, threads);
    if (failed.load()) return false;
    for (long i = 0; i < cOut * rows; i++) {
      double s = 0;
      for (long t = 0; t < parts; t++)
        for (long l = 0; l < VL; l++) s += c.partials[t * wideSize + i * VL + l];
      gw[i] = static_cast<T>(s);
    }
    return true;
  }
  c.partials = partials.as<T>(parts * size);
  if (c.partials == nullptr) return false;
  pool.run(direct_grad_part<T>, &c, parts, threads);
  if (failed.load()) return false;
  for (long co = 0; co < cOut; co++) {
    long blk = co / VL, l = co % VL;
    for (long r = 0; r < rows; r++) {
      const T* at = c.partials + (blk * rows + r) * VL + l;
      double s = 0;
      for (long t = 0; t < parts; t++) s += at[t * size];
      gw[co * rows + r] = static_cast<T>(s);
    }
  }
  return true;
}

// The adjoint's tile: rows [ih0, ih0 + RH) × the VL columns from iw0 of CIB input channels from ci0,
// added onto gx (only `width` ≤ VL columns stored). wq: the weights flipped, [ci blocks][co][a][b][CIB].
template <typename T, int RH, int CIB>
#if defined(__clang__)
static void direct_adjoint_tile
#else
__attribute__((optimize("fp-contract=fast"))) static void direct_adjoint_tile
#endif
    (const DirectCall<T>& c, const T* gyp, const T* wq, T* gx, long ci0, long ih0, long iw0, long width) {
#if defined(__clang__)
#pragma clang fp contract(fast)
#endif
  typedef typename Vec<T>::type V;
  constexpr long VL = VECTOR_BYTES / sizeof(T);
  const ConvGeom& g = *c.g;
  long Wq = c.Wp, plane = c.Hp * Wq, kH = g.k[0], kW = g.k[1];
  V acc[RH][CIB];
  for (int i = 0; i < RH; i++)
    for (int j = 0; j < CIB; j++) acc[i][j] = V{};
  for (long co = 0; co < c.cOut; co++) {
    for (long a = 0; a < kH; a++) {
      const T* row = gyp + co * plane + (ih0 + a) * Wq + iw0;
      for (long b = 0; b < kW; b++, wq += CIB) {
        V v0, v1;
        std::memcpy(&v0, row + b, sizeof(V));
        if (RH == 2) std::memcpy(&v1, row + Wq + b, sizeof(V));
#pragma GCC unroll 8
        for (int j = 0; j < CIB; j++) {
          acc[0][j] += wq[j] * v0;
          if (RH == 2) acc[RH - 1][j] += wq[j] * v1;
        }
      }
    }
  }
  long H = g.in[0], W = g.in[1];
  alignas(64) T lane[VL];
  for (int i = 0; i < RH; i++)
    for (int j = 0; j < CIB; j++) {
      T* d = gx + ((ci0 + j) * H + ih0 + i) * W + iw0;
      if (width == VL) {
        V old;
        std::memcpy(&old, d, sizeof(V));
        old = old + acc[i][j];
        std::memcpy(d, &old, sizeof(V));
      } else {
        *reinterpret_cast<V*>(lane) = acc[i][j];
        for (long q = 0; q < width; q++) d[q] = d[q] + lane[q];
      }
    }
}

template <typename T, int RH>
static void direct_adjoint_tile_of(long cib, const DirectCall<T>& c, const T* gyp, const T* wq, T* gx, long ci0,
                                   long ih0, long iw0, long width) {
  switch (cib) {
#define DIRECT_ADJOINT(B) \
  case B:                 \
    return direct_adjoint_tile<T, RH, B>(c, gyp, wq, gx, ci0, ih0, iw0, width);
    DIRECT_ADJOINT(1)
    DIRECT_ADJOINT(2)
    DIRECT_ADJOINT(3)
    DIRECT_ADJOINT(4)
#if VECTOR_BYTES == 64
    DIRECT_ADJOINT(5)
    DIRECT_ADJOINT(6)
    DIRECT_ADJOINT(7)
    DIRECT_ADJOINT(8)
#endif
#undef DIRECT_ADJOINT
  }
}

// Input channels per adjoint tile: 2 rows × CIB accumulators, the two gy vectors and a broadcast fit
// the registers.
static const long DIRECT_CIB = VECTOR_BYTES == 64 ? 8 : 4;

// gyp[co][r][q] = gy[co][r − qH][q − qW] inside gy, else 0, with qH = kH − 1 − pH (likewise qW): Hp rows
// of Wp columns, Wp covering whole vectors past the last input column.
template <typename T>
static void pad_gradient(const DirectCall<T>& c, const T* gy, T* gyp) {
  const ConvGeom& g = *c.g;
  long oH = g.out[0], oW = g.out[1], qH = g.k[0] - 1 - g.p[0], qW = g.k[1] - 1 - g.p[1];
  long lo = std::max(0L, std::min(c.Wp, qW)), hi = std::max(lo, std::min(c.Wp, qW + oW));
  for (long co = 0; co < c.cOut; co++)
    for (long r = 0; r < c.Hp; r++) {
      T* d = gyp + (co * c.Hp + r) * c.Wp;
      long oh = r - qH;
      if (oh < 0 || oh >= oH) {
        std::memset(d, 0, sizeof(T) * c.Wp);
        continue;
      }
      const T* src = gy + (co * oH + oh) * oW - qW;  // read only at [lo, hi): gy's own row
      for (long q = 0; q < lo; q++) d[q] = 0;
      for (long q = lo; q < hi; q++) d[q] = src[q];
      for (long q = hi; q < c.Wp; q++) d[q] = 0;
    }
}

template <typename T>
static void direct_adjoint_sample(void* ctx, long n) {
  const DirectCall<T>& c = *static_cast<DirectCall<T>*>(ctx);
  constexpr long VL = VECTOR_BYTES / sizeof(T);
  const ConvGeom& g = *c.g;
  T* gyp = tls_padded.as<T>(c.cOut * c.Hp * c.Wp);
  if (gyp == nullptr) {
    c.failed->store(true);
    return;
  }
  pad_gradient(c, c.gy + n * c.cOut * g.positions(), gyp);
  T* gx = c.y + n * g.sampleIn();
  long H = g.in[0], W = g.in[1], taps = c.cOut * g.taps;
  for (long ci0 = 0; ci0 < g.C; ci0 += DIRECT_CIB) {
    long cib = std::min(DIRECT_CIB, g.C - ci0);
    const T* wq = c.wp + ci0 * taps;  // this block's [co][a][b][cib]
    for (long ih0 = 0; ih0 < H;) {
      bool two = ih0 + 1 < H;
      for (long iw0 = 0; iw0 < W; iw0 += VL) {
        long width = std::min(VL, W - iw0);
        if (two)
          direct_adjoint_tile_of<T, 2>(cib, c, gyp, wq, gx, ci0, ih0, iw0, width);
        else
          direct_adjoint_tile_of<T, 1>(cib, c, gyp, wq, gx, ci0, ih0, iw0, width);
      }
      ih0 += two ? 2 : 1;
    }
  }
}

// x[n] += the adjoint of the conv (w [cOut, C·taps]) applied to gy[n], for `count` samples, a sample per task.
template <typename T>
static bool conv_direct_adjoint(const ConvGeom& g, long cOut, long count, const T* gy, const T* w, T* x,
                                int threads, Pool& pool) {
  constexpr long VL = VECTOR_BYTES / sizeof(T);
  DirectCall<T> c{};
  c.g = &g, c.cOut = cOut, c.count = count, c.gy = gy, c.y = x;
  c.Hp = g.in[0] + g.k[0] - 1;
  c.Wp = ceil_div(g.in[1], VL) * VL + g.k[1] - 1;
  long kH = g.k[0], kW = g.k[1], taps = g.taps;
  // wq[ci block][co][a][b][j] = w[co][ci0 + j][kH − 1 − a][kW − 1 − b]
  T* wq = direct_weights.as<T>(g.C * cOut * taps);
  if (wq == nullptr) return false;
  for (long ci0 = 0; ci0 < g.C; ci0 += DIRECT_CIB) {
    long cib = std::min(DIRECT_CIB, g.C - ci0);
    T* d = wq + ci0 * cOut * taps;
    for (long co = 0; co < cOut; co++)
      for (long a = 0; a < kH; a++)
        for (long b = 0; b < kW; b++)
          for (long j = 0; j < cib; j++)
            *d++ = w[((co * g.C + ci0 + j) * kH + kH - 1 - a) * kW + kW - 1 - b];
  }
  c.wp = wq;
  std::atomic<bool> failed{false};
  c.failed = &failed;
  pool.run(direct_adjoint_sample<T>, &c, count, threads);
  return !failed.load();
}

// The convolution as one GEMM over the whole batch, its B operand packed straight from the input:
//   y[n][o][p] (+)= Σr W[o][r] · im2col(x[n])[r][p]     for all n, p at once (N = count · positions)
// No column buffer is written: each task packs one NR-wide sliver of columns (output positions, across
// sample boundaries) from x into a small buffer and multiplies it by the weights, packed once per call.
// One GEMM over count · positions columns has no ragged edge per sample (196 = 6·32 + 4 positions would
// waste an eighth of every tile), and the weights are packed once instead of once per sample.
//
// Determinism: the k loop is cut at places fixed by K alone (conv_k_blocks), each block is summed inside
// one micro-kernel call, tasks own fixed column ranges, and a tile that straddles two samples is written
// back with the same arithmetic as one that does not; so the bits do not depend on the thread count.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>

#include "gemm.h"

// Spatial axes the conv kernels take: 2 to 8 (a 1-D conv runs as 2-D with H = 1).
static const int CONV_MAX_DIMS = 8;

// One sample's geometry, per spatial axis, outermost first (…, D, H, W): input size, kernel size,
// stride, padding before, dilation, output size. Paddings may be negative (a crop): the adjoint runs as
// a forward conv with padding d·(k−1) − p. The last axis (W) is the one the kernels copy runs along;
// the ones before it index the lines of a sample.
struct ConvGeom {
  long C;
  int dims;
  long in[CONV_MAX_DIMS], k[CONV_MAX_DIMS], s[CONV_MAX_DIMS], p[CONV_MAX_DIMS], d[CONV_MAX_DIMS],
      out[CONV_MAX_DIMS];
  // Set by finish(): ∏in, ∏out, ∏k, and the row-major strides of an input and an output sample plane.
  long inVolume, outVolume, taps;
  long inStride[CONV_MAX_DIMS], outStride[CONV_MAX_DIMS];

  void finish() {
    inVolume = outVolume = taps = 1;
    for (int a = dims - 1; a >= 0; a--) {
      inStride[a] = inVolume, outStride[a] = outVolume;
      inVolume *= in[a], outVolume *= out[a], taps *= k[a];
    }
  }
  long positions() const { return outVolume; }
  long sampleIn() const { return C * inVolume; }
  long rows() const { return C * taps; }
  // 1×1 kernel, stride 1, no padding, output as large as the input: the columns are the input itself.
  bool direct() const {
    for (int a = 0; a < dims; a++)
      if (k[a] != 1 || s[a] != 1 || p[a] != 0 || out[a] != in[a]) return false;
    return true;
  }
};

// The output positions [lo, hi) of one axis whose input index start + o·stride lies in [0, size).
static inline void inside(long start, long stride, long size, long out, long* lo, long* hi) {
  long first = start >= 0 ? 0 : std::min(out, (stride - 1 - start) / stride);
  long room = size - start;
  long last = room <= 0 ? 0 : (room + stride - 1) / stride;
  *lo = first;
  *hi = std::max(first, std::min(out, last));
}

// The k blocks of a conv GEMM: as few as keep a block ≤ CONV_KC, cut evenly (K = 288 is one block, not
// 256 + 32, whose short block would pay a whole write-back of C for 32 steps).
static const long CONV_KC = 320;
static inline long conv_k_block(long k) { return ceil_div(k, ceil_div(k, CONV_KC)); }

// Columns per task: 8 slivers (256 floats) amortise a task's start and keep ≥ 2 tasks per thread on
// LeNet-sized layers.
static const long CONV_TASK_SLIVERS = 8;

template <typename T>
struct ConvGemm {
  const ConvGeom* g;
  long chan0;      // the group's first input channel
  long outRow0;    // the group's first output channel
  long cOut;       // all output channels (y's per-sample stride is cOut · positions)
  long m, k, n;    // m = output channels of the group, k = its rows, n = count · positions
  long kb;         // k block size
  const T* x;
  T* y;
  T beta;          // 0 overwrites y, 1 adds onto it
  const T* ap;     // packed weights: per k block at pc, panels [ceil(m/MR)][kc][MR] from ap + pc · mPad
  long mPad;
  std::atomic<bool>* failed;  // set by a task that could not allocate its sliver buffer
};

// out[q] = src[q] for q in [lo, hi), 0 for the rest of [0, len): src is read only in [lo, hi) (the rest
// may lie outside the input). With AVX-512, masked loads and stores of whole vectors.
template <typename T>
static inline void copy_run(const T* src, long lo, long hi, long len, T* out) {
#if defined(__AVX512F__)
  constexpr long VL = 64 / sizeof(T);
  for (long q0 = 0; q0 < len; q0 += VL) {
    long lanes = std::min(VL, len - q0);
    long a = std::max(0L, lo - q0), b = std::min(lanes, hi - q0);
    unsigned valid = b > a ? ((1u << b) - 1u) & ~((1u << a) - 1u) : 0u;
    unsigned store = (1u << lanes) - 1u;
    if constexpr (sizeof(T) == 4) {
      __m512 v = _mm512_maskz_loadu_ps(static_cast<__mmask16>(valid), src + q0);
      _mm512_mask_storeu_ps(out + q0, static_cast<__mmask16>(store), v);
    } else {
      __m512d v = _mm512_maskz_loadu_pd(static_cast<__mmask8>(valid), src + q0);
      _mm512_mask_storeu_pd(out + q0, static_cast<__mmask8>(store), v);
    }
  }
#else
  for (long q = 0; q < lo; q++) out[q] = 0;
  for (long q = lo; q < hi; q++) out[q] = src[q];
  for (long q = hi; q < len; q++) out[q] = 0;
#endif
}

// A run of a sliver's lanes that share a sample and an output line (see pack_conv_sliver).
struct SliverRun {
  long lane, len;
  long at;                    // offset in x of the run's first lane at kernel tap 0, channel 0 of the group
  long i0[CONV_MAX_DIMS];     // its input index on each axis at kernel tap 0
};

// Whether conv_gemm over `g` packs its slivers by pack_runs_masked (float32 with AVX-512: 2-D, stride 1
// along the line, kernels of at most 16 per axis) with output lines of at most 16, where a sliver holds
// several short runs: there the flat adjoint wins at any cG (conv.h).
template <typename T>
static bool packs_short_runs(const ConvGeom& g) {
#if defined(__AVX512F__)
  return sizeof(T) == 4 && g.dims == 2 && g.s[1] == 1 && g.out[1] <= 16 && g.k[0] <= 16 && g.k[1] <= 16;
#else
  (void)g;
  return false;
#endif
}

#if defined(__AVX512F__)
// pack_conv_sliver for a 2-D float conv with stride 1 along the line: which lanes of a run read the
// input depends only on the tap's column, and whether its line lies inside only on the tap's row, so
// both are worked out once per sliver and each (row, run) is one masked load and store per 16 lanes.
// Working out the bounds and masks per (row, run) was a third of the GEMM's time on [64,32,14,14] and
// [16,64,56,56]. False (nothing written) when the sliver does not qualify; the values are the same.
template <typename T, long W>
static bool pack_runs_masked(const ConvGemm<T>& cg, const SliverRun* runs, long count, long filled, long pc,
                             long kc, T* dst) {
  constexpr long MAX_RUNS = 16, MAX_TAPS = 16;
  const ConvGeom& g = *cg.g;
  long kH = g.k[0], kW = g.k[1];
  if (W > 32 || count > MAX_RUNS || kH > MAX_TAPS || kW > MAX_TAPS) return false;
  // Lanes [lo, hi) of 32 as a mask (hi ≤ 32).
  auto lanes = [](long lo, long hi) {
    return static_cast<uint32_t>(((uint64_t{1} << hi) - 1u) & ~((uint64_t{1} << lo) - 1u));
  };
  uint32_t store[MAX_RUNS], valid[MAX_RUNS][MAX_TAPS];
  bool inside[MAX_RUNS][MAX_TAPS];
  for (long i = 0; i < count; i++) {
    const SliverRun& run = runs[i];
    store[i] = lanes(0, run.len);
    for (long t = 0; t < kW; t++) {
      long iw = run.i0[1] + t * g.d[1];
      long lo = std::min(run.len, std::max(0L, -iw));
      long hi = std::max(lo, std::min(run.len, g.in[1] - iw));
      valid[i][t] = lanes(lo, hi);
    }
    for (long t = 0; t < kH; t++)
      inside[i][t] = static_cast<unsigned long>(run.i0[0] + t * g.d[0]) < static_cast<unsigned long>(g.in[0]);
  }
  long taps = kH * kW, c = pc / taps, rest = pc % taps, th = rest / kW, tw = rest % kW;
  for (long r = 0; r < kc; r++) {
    T* d = dst + r * W;
    for (long q = filled; q < W; q++) d[q] = 0;
    long rowAt = c * g.inVolume + th * g.d[0] * g.inStride[0] + tw * g.d[1];
    for (long i = 0; i < count; i++) {
      const SliverRun& run = runs[i];
      const T* src = cg.x + run.at + rowAt;
      uint32_t load = inside[i][th] ? valid[i][tw] : 0u;
      __m512 low = _mm512_maskz_loadu_ps(static_cast<__mmask16>(load), src);
      _mm512_mask_storeu_ps(d + run.lane, static_cast<__mmask16>(store[i]), low);
      if (run.len > 16) {
        __m512 high = _mm512_maskz_loadu_ps(static_cast<__mmask16>(load >> 16), src + 16);
        _mm512_mask_storeu_ps(d + run.lane + 16, static_cast<__mmask16>(store[i] >> 16), high);
      }
    }
    if (++tw == kW) {
      tw = 0;
      if (++th == kH) th = 0, c++;
    }
  }
  return true;
}
#endif

// One sliver: lanes j0 .. j0 + W of the columns (clipped to n, the rest zeros), rows [pc, pc + kc) of
// the group's im2col, into dst[r · W + lane]. Lanes are cut into runs that share a sample and an output
// line (all output indices but the last), so each (row, run) is one strided copy along the last axis,
// with zeros where the window hangs over the padding. OUTER is the number of axes before the last when
// known at compile time (1: a 1-D or 2-D conv, 2: a 3-D one), else 0 (read from the geometry).
template <typename T, long W, int OUTER>
static void pack_conv_sliver(const ConvGemm<T>& cg, long j0, long pc, long kc, T* dst) {
  const ConvGeom& g = *cg.g;
  const int last = OUTER > 0 ? OUTER : g.dims - 1;
  long P = g.positions(), lineIn = g.in[last], lineOut = g.out[last], sW = g.s[last];
  SliverRun runs[W];
  long count = 0, filled = 0;
  while (filled < W && j0 + filled < cg.n) {
    long j = j0 + filled, s = j / P, p = j % P;
    SliverRun& run = runs[count++];
    run.at = s * g.sampleIn() + cg.chan0 * g.inVolume;
    for (int a = last; a >= 0; a--) {
      long o = p;
      if (a > 0) o = p % g.out[a], p /= g.out[a];
      run.i0[a] = o * g.s[a] - g.p[a];
      run.at += run.i0[a] * g.inStride[a];
      if (a == last) run.len = std::min(W - filled, std::min(cg.n - j, lineOut - o));
    }
    run.lane = filled;
    filled += run.len;
  }
#if defined(__AVX512F__)
  if constexpr (sizeof(T) == 4 && OUTER == 1) {
    if (sW == 1 && pack_runs_masked<T, W>(cg, runs, count, filled, pc, kc, dst)) return;
  }
#endif
  // The row's channel and kernel tap on every axis; per axis the tap's input offset tap·d, and the
  // row's offset in x from a run's tap-0 offset (channel and every axis).
  long c = pc / g.taps, tap[CONV_MAX_DIMS], shift[CONV_MAX_DIMS], rowAt = c * g.inVolume;
  for (long a = last, rest = pc % g.taps; a >= 0; a--) {
    tap[a] = rest % g.k[a], rest /= g.k[a];
    shift[a] = tap[a] * g.d[a];
    rowAt += shift[a] * g.inStride[a];
  }
  for (long r = 0; r < kc; r++) {
    T* d = dst + r * W;
    for (long q = filled; q < W; q++) d[q] = 0;
    for (long i = 0; i < count; i++) {
      const SliverRun& run = runs[i];
      T* out = d + run.lane;
      // Whether the run's input line lies inside the input on every axis before the last.
      bool inside_ = true;
      for (int a = 0; a < last; a++)
        inside_ = inside_ && static_cast<unsigned long>(run.i0[a] + shift[a]) < static_cast<unsigned long>(g.in[a]);
      if (!inside_) {
        for (long q = 0; q < run.len; q++) out[q] = 0;
        continue;
      }
      long iw = run.i0[last] + shift[last];
      const T* src = cg.x + (run.at + rowAt);
      if (sW == 1) {
        long lo = std::min(run.len, std::max(0L, -iw));
        long hi = std::max(lo, std::min(run.len, lineIn - iw));
        copy_run(src, lo, hi, run.len, out);
        continue;
      }
      long lo, hi;
      inside(iw, sW, lineIn, run.len, &lo, &hi);
      for (long q = 0; q < lo; q++) out[q] = 0;
      for (long q = lo; q < hi; q++) out[q] = src[q * sW];
      for (long q = hi; q < run.len; q++) out[q] = 0;
    }
    // Next row: the taps as an odometer, carrying into the channel, and the row offset with them.
    int a = last;
    for (; a >= 0; a--) {
      rowAt -= shift[a] * g.inStride[a];
      if (++tap[a] < g.k[a]) {
        shift[a] = tap[a] * g.d[a];
        rowAt += shift[a] * g.inStride[a];
        break;
      }
      tap[a] = shift[a] = 0;
    }
    if (a < 0) rowAt += g.inVolume;
  }
}

static thread_local Scratch tls_sliver;

// Task t: columns [t · NR · CONV_TASK_SLIVERS, …) of every output row of the group (OUTER: as
// pack_conv_sliver's).
template <typename T, int OUTER>
static void conv_gemm_task(void* ctx, long t) {
  const ConvGemm<T>& cg = *static_cast<ConvGemm<T>*>(ctx);
  constexpr long MR = Tiles<T>::MR, NR = Tiles<T>::NR;
  long P = cg.g->positions();
  T* bp = tls_sliver.as<T>(cg.kb * NR);
  if (bp == nullptr) {
    cg.failed->store(true);
    return;
  }
  long first = t * CONV_TASK_SLIVERS * NR, end = std::min(cg.n, first + CONV_TASK_SLIVERS * NR);
  alignas(64) T tile[MR * NR];
  for (long pc = 0; pc < cg.k; pc += cg.kb) {
    long kc = std::min(cg.kb, cg.k - pc);
    bool firstBlock = pc == 0;
    const T* ap = cg.ap + pc * cg.mPad;
    for (long j0 = first; j0 < end; j0 += NR) {
      pack_conv_sliver<T, NR, OUTER>(cg, j0, pc, kc, bp);
      long cols = std::min(NR, cg.n - j0), s = j0 / P, p0 = j0 % P;
      bool oneSample = p0 + cols <= P;
      for (long i0 = 0; i0 < cg.m; i0 += MR) {
        long rows = std::min(MR, cg.m - i0);
        const T* a = ap + i0 * kc;
        if (oneSample) {
          T* c = cg.y + (s * cg.cOut + cg.outRow0 + i0) * P + p0;
          micro_kernel<T>(kc, a, bp, c, P, rows, cols, T(1), cg.beta, firstBlock);
          continue;
        }
        // Straddles samples: the sum to a tile, then each element written back as micro_kernel would,
        // one sample's stretch of columns at a time.
        micro_kernel<T>(kc, a, bp, tile, NR, rows, cols, T(1), T(0), true);
        for (long q0 = 0; q0 < cols;) {
          long j = j0 + q0, sq = j / P, pq = j % P, len = std::min(cols - q0, P - pq);
          T* c = cg.y + (sq * cg.cOut + cg.outRow0 + i0) * P + pq;
          for (long i = 0; i < rows; i++) {
            const T* ti = tile + i * NR + q0;
            T* ci = c + i * P;
            if (!firstBlock) {
              for (long q = 0; q < len; q++) ci[q] = ti[q] + ci[q];
            } else if (cg.beta == 0) {
              for (long q = 0; q < len; q++) ci[q] = ti[q];
            } else {
              for (long q = 0; q < len; q++) ci[q] = ti[q] + cg.beta * ci[q];
            }
          }
          q0 += len;
        }
      }
    }
  }
}

static Scratch conv_packed_weights;

// y[n] (+)= W_g · im2col_g(x[n]) for all `count` samples: one group, its k = C/groups·∏kernel rows over the
// input channels from chan0, its m output channels from outRow0 of cOut. w: the group's weights [m, k]
// row-major. False when scratch could not be allocated.
template <typename T>
static bool conv_gemm(const ConvGeom& g, long k, long chan0, long outRow0, long cOut, long m, long count,
                      const T* w, const T* x, T* y, T beta, int threads, Pool& pool) {
  constexpr long MR = Tiles<T>::MR, NR = Tiles<T>::NR;
  ConvGemm<T> cg{};
  cg.g = &g, cg.chan0 = chan0, cg.outRow0 = outRow0, cg.cOut = cOut, cg.m = m, cg.k = k;
  cg.n = count * g.positions(), cg.x = x, cg.y = y, cg.beta = beta;
  if (cg.m == 0 || cg.n == 0) return true;
  cg.kb = conv_k_block(cg.k);
  cg.mPad = ceil_div(m, MR) * MR;
  T* ap = conv_packed_weights.as<T>(cg.mPad * cg.k);
  if (ap == nullptr || tls_sliver.as<T>(cg.kb * NR) == nullptr) return false;
  for (long pc = 0; pc < cg.k; pc += cg.kb) {
    long kc = std::min(cg.kb, cg.k - pc);
    for (long i0 = 0; i0 < m; i0 += MR) pack<T, MR>(w, cg.k, false, i0, m, pc, kc, ap + pc * cg.mPad + i0 * kc);
  }
  cg.ap = ap;
  std::atomic<bool> failed{false};
  cg.failed = &failed;
  // 1-D/2-D and 3-D convs get the sliver packing compiled for their axes.
  TaskFn task = g.dims == 2 ? conv_gemm_task<T, 1> : g.dims == 3 ? conv_gemm_task<T, 2> : conv_gemm_task<T, 0>;
  pool.run(task, &cg, ceil_div(cg.n, CONV_TASK_SLIVERS * NR), threads);
  return !failed.load();
}

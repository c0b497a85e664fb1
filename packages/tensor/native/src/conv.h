// Convolution kernels over one geometry of 2 to 8 spatial axes (a 1-D conv is 2-D with H = 1), on the
// callers' arrays. A plan's weight group g is the matrix W_g [cOutG, rowsG = C/groups·∏kernel]; per sample
//   forward:        y[n] = W · im2col(x[n])            (+ bias, + the fused ReLU → 2×2 max-pool epilogue, 2-D)
//   adjoint:        x[n] += col2im(Wᵀ · y[n])          (the input gradient; a transposed conv's forward)
//   weight grad:    gW = Σn y[n] · im2col(x[n])ᵀ      (and gb = Σ y over samples and positions)
// Columns layout (as the JS im2col): row (c, kernel tap) and column = output position, both row-major
// (2-D: row (c·kH + kh)·kW + kw, column oh·Wout + ow).
//
// Work is cut by samples (a task per sample; the weight gradient in WEIGHT_GRAD_PARTS fixed
// partitions of the batch whose partials are added in order), and every GEMM sums in a fixed order
// (gemm.h), so the bits depend on the shapes, never on the thread count.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "conv-direct.h"
#include "conv-gemm.h"
#include "gemm.h"

// Where one kernel tap's windows read the input, per axis: the input index at output 0 (start), and
// the outputs [lo, hi) whose index lies inside the input (the rest read padding).
struct TapBox {
  long start[CONV_MAX_DIMS], lo[CONV_MAX_DIMS], hi[CONV_MAX_DIMS];
};

static inline void tap_box(const ConvGeom& g, const long* tap, TapBox* box) {
  for (int a = 0; a < g.dims; a++) {
    box->start[a] = tap[a] * g.d[a] - g.p[a];
    inside(box->start[a], g.s[a], g.in[a], g.out[a], &box->lo[a], &box->hi[a]);
  }
}

// Steps `tap` to the next kernel tap, row-major; false after the last.
static inline bool next_tap(const ConvGeom& g, long* tap) {
  for (int a = g.dims - 1; a >= 0; a--) {
    if (++tap[a] < g.k[a]) return true;
    tap[a] = 0;
  }
  return false;
}

// The last axis of an im2col row: outputs [lo, hi) copied from the input line (strided), zeros around them.
template <typename T>
static inline void im2col_line(const ConvGeom& g, const TapBox& box, const T* line, T* dst) {
  int a = g.dims - 1;
  long lo = box.lo[a], hi = box.hi[a], stride = g.s[a];
  const T* s = line + box.start[a];
  if (stride == 1) {
    // Masked vector copies (conv-gemm.h): a 3-D conv's lines are short, and a memcpy call per line cost
    // more than the copy.
    copy_run(s, lo, hi, g.out[a], dst);
    return;
  }
  for (long o = 0; o < lo; o++) dst[o] = 0;
  for (long o = lo; o < hi; o++) dst[o] = s[o * stride];
  for (long o = hi; o < g.out[a]; o++) dst[o] = 0;
}

// One im2col row's outputs along axes a.. (dst) from the input block src, for the tap `box`: the lines
// that read the input copied, the rest zeros. a < dims − 1.
template <typename T>
static void im2col_lines(const ConvGeom& g, const TapBox& box, int a, const T* src, T* dst) {
  long lo = box.lo[a], hi = box.hi[a], block = g.outStride[a];
  std::memset(dst, 0, sizeof(T) * lo * block);
  for (long o = lo; o < hi; o++) {
    const T* from = src + (box.start[a] + o * g.s[a]) * g.inStride[a];
    if (a == g.dims - 2)
      im2col_line(g, box, from, dst + o * block);
    else
      im2col_lines(g, box, a + 1, from, dst + o * block);
  }
  std::memset(dst + hi * block, 0, sizeof(T) * (g.out[a] - hi) * block);
}

// The columns of one sample: row (c, tap) — the tap row-major over the kernel axes — column = output
// position, row-major (as the JS im2col).
template <typename T>
static void im2col(const T* x, const ConvGeom& g, T* cols) {
  long P = g.positions(), tap[CONV_MAX_DIMS];
  TapBox box;
  T* row = cols;
  for (long c = 0; c < g.C; c++) {
    std::fill(tap, tap + g.dims, 0L);
    do {
      tap_box(g, tap, &box);
      im2col_lines(g, box, 0, x + c * g.inVolume, row);
      row += P;
    } while (next_tap(g, tap));
  }
}

// The adjoint of im2col_lines: each column entry that read the input is added onto it. a < dims − 1.
template <typename T>
static void col2im_lines(const ConvGeom& g, const TapBox& box, int a, const T* src, T* dst) {
  long lo = box.lo[a], hi = box.hi[a], block = g.outStride[a];
  int last = g.dims - 1;
  for (long o = lo; o < hi; o++) {
    const T* from = src + o * block;
    T* line = dst + (box.start[a] + o * g.s[a]) * g.inStride[a];
    if (a < last - 1) {
      col2im_lines(g, box, a + 1, from, line);
      continue;
    }
    T* d = line + box.start[last];
    if (g.s[last] == 1) {
      for (long q = box.lo[last]; q < box.hi[last]; q++) d[q] += from[q];
    } else {
      for (long q = box.lo[last]; q < box.hi[last]; q++) d[q * g.s[last]] += from[q];
    }
  }
}

// x += col2im(cols): every window that touched a pixel adds its column entry, in row order.
template <typename T>
static void col2im_add(const T* cols, const ConvGeom& g, T* x) {
  long P = g.positions(), tap[CONV_MAX_DIMS];
  TapBox box;
  const T* row = cols;
  for (long c = 0; c < g.C; c++) {
    std::fill(tap, tap + g.dims, 0L);
    do {
      tap_box(g, tap, &box);
      col2im_lines(g, box, 0, row, x + c * g.inVolume);
      row += P;
    } while (next_tap(g, tap));
  }
}

// relu on the bits, as the relu op: every negative value (and -0, and a NaN with its sign bit set) → +0.
static inline float relu_bits(float v) {
  int32_t b;
  std::memcpy(&b, &v, 4);
  b &= ~(b >> 31);
  std::memcpy(&v, &b, 4);
  return v;
}
static inline double relu_bits(double v) {
  int64_t b;
  std::memcpy(&b, &v, 8);
  b &= ~(b >> 63);
  std::memcpy(&v, &b, 8);
  return v;
}
// Whether v's bits, read as a signed integer, are > 0: a positive number or a NaN without sign bit.
static inline bool positive_bits(float v) {
  int32_t b;
  std::memcpy(&b, &v, 4);
  return b > 0;
}
static inline bool positive_bits(double v) {
  int64_t b;
  std::memcpy(&b, &v, 8);
  return b > 0;
}

// y [channels, h, w] → relu(y) in place, then its max over windowRows×2 windows (floor mode) into
// pooled/indices [channels, h/windowRows, ⌊w/2⌋]; the index is ih·w + iw in its plane. As the JS
// max-pool: the first maximum in scan order wins, and a NaN beats everything.
template <typename T>
static void relu_max_pool(T* y, long channels, long h, long w, long windowRows, T* pooled, int32_t* indices) {
  long pH = h / windowRows, pW = w / 2;
  for (long i = 0, size = channels * h * w; i < size; i++) y[i] = relu_bits(y[i]);
  for (long c = 0; c < channels; c++) {
    const T* plane = y + c * h * w;
    for (long oh = 0; oh < pH; oh++) {
      for (long ow = 0; ow < pW; ow++) {
        long at = oh * windowRows * w + 2 * ow;
        T best = plane[at];
        long taps = windowRows * 2;
        for (long t = 1; t < taps; t++) {
          long i = (oh * windowRows + (t >> 1)) * w + 2 * ow + (t & 1);
          T v = plane[i];
          if (v > best || v != v) {
            best = v;
            at = i;
          }
        }
        *pooled++ = best;
        *indices++ = static_cast<int32_t>(at);
      }
    }
  }
}

// The backward of relu_max_pool for one sample: gradY = +0 except at each window's maximum where the
// pooled value is > 0, which gets 0 + gradPooled (what max pooling's backward onto zeros and then
// relu's give, -0 becoming +0).
template <typename T>
static void relu_max_pool_backward(const T* gradPooled, const T* pooled, const int32_t* indices, long channels,
                                   long h, long w, long windowRows, T* gradY) {
  long perPlane = (h / windowRows) * (w / 2);
  std::memset(gradY, 0, sizeof(T) * channels * h * w);
  for (long c = 0, o = 0; c < channels; c++) {
    T* plane = gradY + c * h * w;
    for (long q = 0; q < perPlane; q++, o++)
      if (positive_bits(pooled[o])) plane[indices[o]] = T(0) + gradPooled[o];
  }
}

template <typename T>
struct ConvCall {
  ConvGeom g;
  long groups, cOutG, count;
  const T* x;  // forward and weight grad: read
  T* xOut;     // adjoint: added onto
  const T* w;
  T* y;            // forward: written
  const T* yIn;    // adjoint and weight grad: read
  T* keep;         // forward: every sample's columns left here ([count, rows, P]), or null
  const T* kept;   // weight grad: the columns a forward kept, or null
  T beta;          // forward: 1 adds onto y, 0 overwrites
  const T* bias;   // forward: [Cout], y's starting value, or null
  T* pooled;       // forward: the fused epilogue's output, or null
  int32_t* indices;
  long windowRows;
  T* gw;             // weight grad: [Cout, rowsG]
  T* gb;             // weight grad: [Cout] or null
  T* partials;       // weight grad: [parts, Cout·rowsG]
  double* biasParts; // weight grad: [parts, Cout]
  long chunk;        // weight grad: samples per partition
  int threads;       // threads each GEMM runs on (1 inside per-sample tasks)
  Pool* pool;
  bool ok;
};

static thread_local Scratch tls_a, tls_b, tls_cols;
// The pooled GEMMs' scratch (one conv or GEMM runs at a time: the binding holds a lock).
static Scratch shared_a, shared_b;

template <typename T>
static bool run_gemm(GemmJob<T> job, const ConvCall<T>& c) {
  if (c.threads > 1) return gemm(job, c.threads, *c.pool, shared_a, shared_b);
  return gemm(job, 1, *c.pool, tls_a, tls_b);
}

template <typename T>
static void keep_sample(void* ctx, long n) {
  ConvCall<T>& c = *static_cast<ConvCall<T>*>(ctx);
  im2col(c.x + n * c.g.sampleIn(), c.g, c.keep + n * c.g.rows() * c.g.positions());
}

template <typename T>
static void bias_sample(void* ctx, long n) {
  ConvCall<T>& c = *static_cast<ConvCall<T>*>(ctx);
  long P = c.g.positions(), cOut = c.cOutG * c.groups;
  T* ys = c.y + n * cOut * P;
  for (long ch = 0; ch < cOut; ch++) std::fill(ys + ch * P, ys + (ch + 1) * P, c.bias[ch]);
}

template <typename T>
static void pool_sample(void* ctx, long n) {
  ConvCall<T>& c = *static_cast<ConvCall<T>*>(ctx);
  const ConvGeom& g = c.g;
  long cOut = c.cOutG * c.groups, oH = g.out[0], oW = g.out[1], perSample = cOut * (oH / c.windowRows) * (oW / 2);
  relu_max_pool(c.y + n * cOut * g.positions(), cOut, oH, oW, c.windowRows, c.pooled + n * perSample,
                c.indices + n * perSample);
}

template <typename T>
static void adjoint_sample(void* ctx, long n) {
  ConvCall<T>& c = *static_cast<ConvCall<T>*>(ctx);
  const ConvGeom& g = c.g;
  long P = g.positions(), rowsG = g.rows() / c.groups, cOut = c.cOutG * c.groups;
  T* xs = c.xOut + n * g.sampleIn();
  const T* ys = c.yIn + n * cOut * P;
  bool direct = g.direct();
  T* cols = direct ? xs : tls_cols.as<T>(g.rows() * P);
  if (cols == nullptr) {
    c.ok = false;
    return;
  }
  // Direct: the columns are x itself, so the GEMM adds straight onto it.
  for (long grp = 0; grp < c.groups; grp++) {
    auto job = gemm_job<T>(true, false, rowsG, P, c.cOutG, 1, c.w + grp * c.cOutG * rowsG, rowsG,
                           ys + grp * c.cOutG * P, P, direct ? 1 : 0, cols + grp * rowsG * P, P);
    if (!run_gemm(job, c)) c.ok = false;
  }
  if (!direct) col2im_add(cols, g, xs);
}

// Partition t of the batch: its samples' y[n]·colsᵀ summed in sample order into partials[t], stored
// transposed per group ([rowsG, cOutG]: the GEMM computes cols·y[n]ᵀ, so the large columns are its A
// operand, whose packing gathers rows, and y[n] the small B; the same products summed in the same order
// as y·colsᵀ), and (with gb) their per-channel sums of y into biasParts[t].
template <typename T>
static void weight_grad_part(void* ctx, long t) {
  ConvCall<T>& c = *static_cast<ConvCall<T>*>(ctx);
  const ConvGeom& g = c.g;
  long P = g.positions(), rowsG = g.rows() / c.groups, cOut = c.cOutG * c.groups;
  T* part = c.partials + t * cOut * rowsG;
  double* biasPart = c.biasParts == nullptr ? nullptr : c.biasParts + t * cOut;
  if (biasPart != nullptr) std::fill(biasPart, biasPart + cOut, 0.0);
  long first = t * c.chunk, end = std::min(c.count, first + c.chunk);
  for (long n = first; n < end; n++) {
    const T* ys = c.yIn + n * cOut * P;
    const T* cols = c.x + n * g.sampleIn();
    if (c.kept != nullptr && !g.direct()) {
      cols = c.kept + n * g.rows() * P;
    } else if (!g.direct()) {
      T* buffer = tls_cols.as<T>(g.rows() * P);
      if (buffer == nullptr) {
        c.ok = false;
        return;
      }
      im2col(c.x + n * g.sampleIn(), g, buffer);
      cols = buffer;
    }
    for (long grp = 0; grp < c.groups; grp++) {
      auto job = gemm_job<T>(false, true, rowsG, c.cOutG, P, 1, cols + grp * rowsG * P, P, ys + grp * c.cOutG * P,
                             P, n == first ? 0 : 1, part + grp * c.cOutG * rowsG, c.cOutG);
      if (!run_gemm(job, c)) c.ok = false;
    }
    if (biasPart != nullptr) {
      for (long ch = 0; ch < cOut; ch++) {
        double s = 0;
        for (const T *v = ys + ch * P, *e = v + P; v < e; v++) s += *v;
        biasPart[ch] += s;
      }
    }
  }
}

// Samples per task below which a conv runs on one thread: splitting smaller work costs more than it saves.
template <typename T>
static int conv_threads(const ConvCall<T>& c, double flopsPerSample, double minParallelFlops, int threads) {
  return flopsPerSample * c.count < minParallelFlops ? 1 : threads;
}

// Runs `task` for every sample: a task per sample on the pool when there are at least as many samples
// as threads; else the samples one after another, each GEMM split over the pool. Same bits either way.
template <typename T>
static void for_samples(ConvCall<T>& c, TaskFn task, long tasks, int threads) {
  if (threads > 1 && tasks < threads) {
    c.threads = threads;
    for (long n = 0; n < tasks; n++) task(&c, n);
  } else {
    c.threads = 1;
    c.pool->run(task, &c, tasks, threads);
  }
}

// Forward: one batched GEMM per group (conv-gemm.h); the kept columns, the bias and the fused epilogue
// as passes over the samples.
template <typename T>
static bool conv_forward(ConvCall<T>& c, int threads, double minParallelFlops) {
  const ConvGeom& g = c.g;
  long rowsG = g.rows() / c.groups, cOut = c.cOutG * c.groups;
  threads = conv_threads(c, 2.0 * cOut * rowsG * g.positions(), minParallelFlops, threads);
  if (c.keep != nullptr && !g.direct()) c.pool->run(keep_sample<T>, &c, c.count, threads);
  // Few output channels: the direct kernels (conv-direct.h), the fused epilogue without writing y.
  if (conv_direct_fits(g, c.groups, cOut) && (c.bias != nullptr || c.beta == 0))
    return conv_direct_forward(g, cOut, c.count, c.x, c.w, c.bias, c.pooled != nullptr ? nullptr : c.y, c.pooled,
                               c.indices, c.windowRows, threads, *c.pool);
  T beta = c.beta;
  if (c.bias != nullptr) {
    c.pool->run(bias_sample<T>, &c, c.count, threads);
    beta = 1;
  }
  for (long grp = 0; grp < c.groups; grp++) {
    if (!conv_gemm(g, rowsG, grp * (g.C / c.groups), grp * c.cOutG, cOut, c.cOutG, c.count,
                   c.w + grp * c.cOutG * rowsG, c.x, c.y, beta, threads, *c.pool))
      return false;
  }
  if (c.pooled != nullptr) c.pool->run(pool_sample<T>, &c, c.count, threads);
  return true;
}

static Scratch adjoint_weights;

// Adjoint: with stride 1 (and the output size a stride-1 conv gives), x += the forward conv of y with
// the weights transposed per group and flipped, padding d·(k−1) − p (a crop when negative): no columns
// and no col2im. Its packing costs 1/cG of its multiplies where col2im costs 1/cOutG, so it is taken when
// cG ≥ cOutG (measured: [16,64,56,56]*[64,64,3,3] 65 → 46 ms on one core), or when its input lines are
// short enough for the packing to be cheap (packs_short_runs, conv-gemm.h). Other strides go sample by
// sample through columns and col2im.
template <typename T>
static bool conv_adjoint(ConvCall<T>& c, int threads, double minParallelFlops) {
  const ConvGeom& g = c.g;
  long cOut = c.cOutG * c.groups, cG = g.C / c.groups, kk = g.taps;
  double flops = 2.0 * cOut * cG * kk * g.positions();
  threads = conv_threads(c, flops, minParallelFlops, threads);
  if (conv_direct_adjoint_fits(g, c.groups, cOut))
    return conv_direct_adjoint(g, cOut, c.count, c.yIn, c.w, c.xOut, threads, *c.pool);
  ConvGeom a = g;
  a.C = cOut;
  for (int i = 0; i < g.dims; i++) a.in[i] = g.out[i], a.out[i] = g.in[i], a.p[i] = g.d[i] * (g.k[i] - 1) - g.p[i];
  a.finish();
  // With short input lines the packing is cheap enough for the flat form to win at any cG:
  // [64,32,14,14]*[64,32,3,3] 3.88 → 3.27 ms on 2 threads, 8.06 → 6.90 on one (conv-parts.ts).
  bool flat = cG >= c.cOutG || packs_short_runs<T>(a);
  for (int i = 0; i < g.dims; i++) flat = flat && g.s[i] == 1 && g.out[i] == g.in[i] + 2 * g.p[i] - g.d[i] * (g.k[i] - 1);
  if (!flat) {
    for_samples(c, adjoint_sample<T>, c.count, threads);
    return c.ok;
  }
  T* flipped = adjoint_weights.as<T>(g.C * c.cOutG * kk);
  if (flipped == nullptr) return false;
  // flipped[grp][ci][o][t] = w[grp][o][ci][kk − 1 − t]
  for (long grp = 0; grp < c.groups; grp++)
    for (long ci = 0; ci < cG; ci++)
      for (long o = 0; o < c.cOutG; o++) {
        T* d = flipped + ((grp * cG + ci) * c.cOutG + o) * kk;
        const T* s = c.w + ((grp * c.cOutG + o) * cG + ci) * kk;
        for (long t = 0; t < kk; t++) d[t] = s[kk - 1 - t];
      }
  long rowsA = c.cOutG * kk;
  for (long grp = 0; grp < c.groups; grp++) {
    if (!conv_gemm(a, rowsA, grp * c.cOutG, grp * cG, g.C, cG, c.count, flipped + grp * cG * rowsA, c.yIn, c.xOut,
                   T(1), threads, *c.pool))
      return false;
  }
  return true;
}

// The batch's fixed partitions: a constant count, so the bits do not depend on the thread count; 8 keeps
// 2–8 threads busy, and the partials cost little to add up.
static const long WEIGHT_GRAD_PARTS = 8;
static Scratch weight_grad_partials, weight_grad_bias_parts;

template <typename T>
static bool conv_weight_grad(ConvCall<T>& c, int threads, double minParallelFlops) {
  long cOut = c.cOutG * c.groups, size = cOut * (c.g.rows() / c.groups);
  c.chunk = ceil_div(c.count, WEIGHT_GRAD_PARTS);
  long parts = ceil_div(c.count, c.chunk);
  c.partials = weight_grad_partials.as<T>(parts * size);
  c.biasParts = c.gb == nullptr ? nullptr : weight_grad_bias_parts.as<double>(parts * cOut);
  if (c.partials == nullptr || (c.gb != nullptr && c.biasParts == nullptr)) return false;
  double flops = 2.0 * size * c.g.positions();
  threads = conv_threads(c, flops, minParallelFlops, threads);
  bool direct = conv_direct_fits(c.g, c.groups, cOut);
  if (direct) {
    if (!conv_direct_weight_grad(c.g, cOut, c.count, c.chunk, parts, c.x, c.yIn, c.gw, c.biasParts,
                                 weight_grad_partials, threads, *c.pool))
      return false;
  } else {
    for_samples(c, weight_grad_part<T>, parts, threads);
    if (!c.ok) return false;
  }
  // The partials added in order in double, rounded once, each group's transposed back (the direct
  // kernels wrote gw themselves).
  long rowsG = size / cOut;
  for (long grp = 0, i = 0; grp < c.groups && !direct; grp++)
    for (long o = 0; o < c.cOutG; o++)
      for (long r = 0; r < rowsG; r++, i++) {
        const T* at = c.partials + (grp * rowsG + r) * c.cOutG + o;
        double s = 0;
        for (long t = 0; t < parts; t++) s += at[t * size];
        c.gw[i] = static_cast<T>(s);
      }
  if (c.gb != nullptr) {
    for (long ch = 0; ch < cOut; ch++) {
      double s = 0;
      for (long t = 0; t < parts; t++) s += c.biasParts[t * cOut + ch];
      c.gb[ch] = static_cast<T>(s);
    }
  }
  return true;
}

template <typename T>
struct PoolBackwardCall {
  long channels, h, w, windowRows;
  const T* gradPooled;
  const T* pooled;
  const int32_t* indices;
  T* gradY;
};

template <typename T>
static void pool_backward_sample(void* ctx, long n) {
  const PoolBackwardCall<T>& c = *static_cast<PoolBackwardCall<T>*>(ctx);
  long perSample = c.channels * (c.h / c.windowRows) * (c.w / 2);
  relu_max_pool_backward(c.gradPooled + n * perSample, c.pooled + n * perSample, c.indices + n * perSample,
                         c.channels, c.h, c.w, c.windowRows, c.gradY + n * c.channels * c.h * c.w);
}

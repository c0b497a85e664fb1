// GEMM: C = alpha·op(A)·op(B) + beta·C, row-major, packed, cache-blocked and register-tiled; float32
// and float64. Element (i, p) of A is at a[i·lda + p] (a[p·lda + i] when transA), likewise B; C(i, j)
// at c[i·ldc + j]. Sizes and strides are 64-bit.
//
// Determinism: every element of C is summed in the same order whatever the thread count. The k loop is
// cut into KC blocks at fixed places, each block is summed inside one micro-kernel call in k order, and
// tasks own whole MR×NR tiles whose grid starts at C's origin, so which thread computes a tile (and how
// many there are) changes nothing in its arithmetic; a GEMM run on one thread inside a conv task gives
// the bits the pooled GEMM gives.
#pragma once

#include <algorithm>
#include <cstring>

#include "thread-pool.h"
#include "simd.h"

template <typename T>
struct GemmJob {
  bool transA, transB;
  long m, n, k;
  T alpha, beta;
  const T* a;
  long lda;
  const T* b;
  long ldb;
  T* c;
  long ldc;
  // The current block: columns [jc, jc + nc), k-steps [pc, pc + kc), rows [ic, ic + mb).
  long jc, nc, pc, kc, ic, mb;
  bool first;  // the first k block: C gets beta·C, later blocks add onto it
  T* ap;       // packed A rows [ic, ic + mb): micro-panels of MR rows, [panel][p][MR]
  T* bp;       // packed B panel: slivers of NR columns, [sliver][p][NR]
  // Packing tasks: B slivers (only when packB), then A micro-panels, in chunks.
  bool packB;
  long bTasks, aTasks, slivPerTask, panelsPerTask;
  // Compute tasks: (row block of MC) × (column chunk of nb).
  long rowBlocks, colChunks, nb;
};

template <typename T>
static GemmJob<T> gemm_job(bool transA, bool transB, long m, long n, long k, T alpha, const T* a, long lda,
                           const T* b, long ldb, T beta, T* c, long ldc) {
  GemmJob<T> g{};
  g.transA = transA, g.transB = transB, g.m = m, g.n = n, g.k = k, g.alpha = alpha, g.beta = beta;
  g.a = a, g.lda = lda, g.b = b, g.ldb = ldb, g.c = c, g.ldc = ldc;
  return g;
}

// Packs `width` rows (A) or columns (B) from `first` over k-steps [p0, p0 + kc) into dst[p·W + x]
// (W = MR or NR; lanes past `count` are zeros). Element (x, p) is at src[(p0 + p)·ld + first + x] when
// the operand is stored k-major (A transposed, B plain), else at src[(first + x)·ld + p0 + p].
template <typename T, long W>
static void pack(const T* src, long ld, bool kMajor, long first, long count, long p0, long kc, T* dst) {
  long lanes = std::min(W, count - first);
  if (kMajor) {
    for (long p = 0; p < kc; p++) {
      const T* s = src + (p0 + p) * ld + first;
      T* d = dst + p * W;
      if (lanes == W) {
        std::memcpy(d, s, W * sizeof(T));
      } else {
        for (long x = 0; x < lanes; x++) d[x] = s[x];
        for (long x = lanes; x < W; x++) d[x] = 0;
      }
    }
  } else if (lanes == W && W * sizeof(T) <= 64) {
    // Row by row of dst, gathering W strided elements into a vector: for A's MR-row panels 3× faster
    // than scattering each source row with stride W (0.09 against 0.29 ns per float32 element on this
    // EPYC). Not for B's wider slivers: 32 concurrent source streams lose more from memory than this gains.
    const T* __restrict s = src + first * ld + p0;
    T* __restrict d = dst;
    for (long p = 0; p < kc; p++, d += W) {
#pragma GCC ivdep
      for (long x = 0; x < W; x++) d[x] = s[x * ld + p];
    }
  } else {
    for (long x = 0; x < lanes; x++) {
      const T* s = src + (first + x) * ld + p0;
      for (long p = 0; p < kc; p++) dst[p * W + x] = s[p];
    }
    for (long x = lanes; x < W; x++)
      for (long p = 0; p < kc; p++) dst[p * W + x] = 0;
  }
}

template <typename T>
static void pack_a_panel(const GemmJob<T>& g, long panel) {
  constexpr long MR = Tiles<T>::MR;
  pack<T, MR>(g.a, g.lda, g.transA, g.ic + panel * MR, g.m, g.pc, g.kc, g.ap + panel * MR * g.kc);
}

template <typename T>
static void pack_b_sliver(const GemmJob<T>& g, long sliver) {
  constexpr long NR = Tiles<T>::NR;
  pack<T, NR>(g.b, g.ldb, !g.transB, g.jc + sliver * NR, g.n, g.pc, g.kc, g.bp + sliver * NR * g.kc);
}

template <typename T>
static void pack_task(void* ctx, long task) {
  const GemmJob<T>& g = *static_cast<GemmJob<T>*>(ctx);
  constexpr long MR = Tiles<T>::MR, NR = Tiles<T>::NR;
  if (task < g.bTasks) {
    long slivers = (g.nc + NR - 1) / NR;
    long end = std::min(slivers, (task + 1) * g.slivPerTask);
    for (long s = task * g.slivPerTask; s < end; s++) pack_b_sliver(g, s);
  } else {
    task -= g.bTasks;
    long panels = (g.mb + MR - 1) / MR;
    long end = std::min(panels, (task + 1) * g.panelsPerTask);
    for (long s = task * g.panelsPerTask; s < end; s++) pack_a_panel(g, s);
  }
}

// The register tile: acc = Σp ap[p]·bp[p] over kc steps, then C = alpha·acc (+ beta·C or + C) for the
// rows × cols of it that lie inside C. The build turns off floating-point contraction everywhere
// (the Adam step must round as the JS loop does); here fused multiply-adds are the point.
template <typename T>
#if defined(__clang__)
static inline void micro_kernel
#else
__attribute__((optimize("fp-contract=fast"))) static inline void micro_kernel
#endif
    (long kc, const T* __restrict ap, const T* __restrict bp, T* __restrict c, long ldc, long rows, long cols,
     T alpha, T beta, bool first) {
#if defined(__clang__)
#pragma clang fp contract(fast)
#endif
  typedef typename Vec<T>::type V;
  constexpr long MR = Tiles<T>::MR, NR = Tiles<T>::NR, VL = Tiles<T>::VL;
  V acc[MR][2];
  for (long i = 0; i < MR; i++) acc[i][0] = acc[i][1] = V{};
  ap = static_cast<const T*>(__builtin_assume_aligned(ap, 64));
  bp = static_cast<const T*>(__builtin_assume_aligned(bp, 64));
  for (long p = 0; p < kc; p++) {
    V b0 = *reinterpret_cast<const V*>(bp);
    V b1 = *reinterpret_cast<const V*>(bp + VL);
#pragma GCC unroll 16
    for (long i = 0; i < MR; i++) {
      T ai = ap[i];
      acc[i][0] += ai * b0;
      acc[i][1] += ai * b1;
    }
    ap += MR;
    bp += NR;
  }
  alignas(64) T tile[MR * NR];
  for (long i = 0; i < MR; i++) {
    *reinterpret_cast<V*>(tile + i * NR) = acc[i][0];
    *reinterpret_cast<V*>(tile + i * NR + VL) = acc[i][1];
  }
  // One write-back loop for full and edge tiles, so both round the same way.
  for (long i = 0; i < rows; i++) {
    T* ci = c + i * ldc;
    const T* ti = tile + i * NR;
    if (!first) {
      for (long j = 0; j < cols; j++) ci[j] = alpha * ti[j] + ci[j];
    } else if (beta == 0) {
      for (long j = 0; j < cols; j++) ci[j] = alpha * ti[j];
    } else {
      for (long j = 0; j < cols; j++) ci[j] = alpha * ti[j] + beta * ci[j];
    }
  }
}

template <typename T>
static void compute_task(void* ctx, long task) {
  const GemmJob<T>& g = *static_cast<GemmJob<T>*>(ctx);
  constexpr long MR = Tiles<T>::MR, NR = Tiles<T>::NR, MC = Tiles<T>::MC;
  long rowBlock = task / g.colChunks, colChunk = task % g.colChunks;
  long r0 = rowBlock * MC, r1 = std::min(g.mb, r0 + MC);
  long c0 = colChunk * g.nb, c1 = std::min(g.nc, c0 + g.nb);
  for (long jr = c0; jr < c1; jr += NR) {
    const T* bp = g.bp + (jr / NR) * NR * g.kc;
    long cols = std::min(NR, g.nc - jr);
    for (long ir = r0; ir < r1; ir += MR) {
      const T* ap = g.ap + (ir / MR) * MR * g.kc;
      long rows = std::min(MR, g.mb - ir);
      T* c = g.c + (g.ic + ir) * g.ldc + g.jc + jr;
      micro_kernel<T>(g.kc, ap, bp, c, g.ldc, rows, cols, g.alpha, g.beta, g.first);
    }
  }
}

// C = beta·C where A·B contributes nothing (k = 0 or alpha = 0); beta = 0 writes zeros without reading.
template <typename T>
static void scale_c(long m, long n, T beta, T* c, long ldc) {
  for (long i = 0; i < m; i++) {
    T* ci = c + i * ldc;
    if (beta == 0)
      for (long j = 0; j < n; j++) ci[j] = 0;
    else if (beta != 1)
      for (long j = 0; j < n; j++) ci[j] = beta * ci[j];
  }
}

// Runs `g` on `threads` (1: all on the caller, without the pool), packing into `sa` and `sb`.
// False when the scratch could not be allocated.
template <typename T>
static bool gemm(GemmJob<T>& g, int threads, Pool& pool, Scratch& sa, Scratch& sb) {
  typedef Tiles<T> TT;
  if (g.m == 0 || g.n == 0) return true;
  if (g.k == 0 || g.alpha == 0) {
    scale_c(g.m, g.n, g.beta, g.c, g.ldc);
    return true;
  }
  long kcMax = std::min(TT::KC, g.k);
  long ncMax = std::min(TT::NC, ceil_div(g.n, TT::NR) * TT::NR);
  long mbMax = std::min(TT::MB, ceil_div(g.m, TT::MR) * TT::MR);
  g.bp = sb.as<T>(kcMax * ncMax);
  g.ap = sa.as<T>(kcMax * mbMax);
  if (g.bp == nullptr || g.ap == nullptr) return false;
  for (g.jc = 0; g.jc < g.n; g.jc += TT::NC) {
    g.nc = std::min(TT::NC, g.n - g.jc);
    for (g.pc = 0; g.pc < g.k; g.pc += TT::KC) {
      g.kc = std::min(TT::KC, g.k - g.pc);
      g.first = g.pc == 0;
      for (g.ic = 0; g.ic < g.m; g.ic += TT::MB) {
        g.mb = std::min(TT::MB, g.m - g.ic);
        // Pack: B's panel once per (jc, pc), A's rows per block; a task packs ~16 KB.
        g.packB = g.ic == 0;
        long slivers = ceil_div(g.nc, TT::NR), panels = ceil_div(g.mb, TT::MR);
        g.slivPerTask = std::max(1L, 4096 / (TT::NR * g.kc));
        g.panelsPerTask = std::max(1L, 4096 / (TT::MR * g.kc));
        g.bTasks = g.packB ? ceil_div(slivers, g.slivPerTask) : 0;
        g.aTasks = ceil_div(panels, g.panelsPerTask);
        pool.run(pack_task<T>, &g, g.bTasks + g.aTasks, threads);
        // Compute: MC-row blocks × column chunks, at least ~16 tasks when the shape allows, so that
        // a thread that is descheduled on a busy machine leaves little for the others to wait on.
        g.rowBlocks = ceil_div(g.mb, TT::MC);
        long chunks = threads <= 1 ? 1 : std::min(slivers, std::max(1L, ceil_div(16, g.rowBlocks)));
        g.nb = ceil_div(slivers, chunks) * TT::NR;
        g.colChunks = ceil_div(g.nc, g.nb);
        pool.run(compute_task<T>, &g, g.rowBlocks * g.colChunks, threads);
      }
    }
  }
  return true;
}

// Torchlet's native kernels behind Node-API: float32 and float64 GEMM, packed, cache-blocked and
// register-tiled, split over a persistent thread pool of its own.
//
// Built at install time for the machine it runs on (native/build.mjs: -O3 -march=native), so the vector
// width below is whatever that machine has: 512-bit on AVX-512, 256-bit on AVX/AVX2, else 128-bit
// (SSE2, NEON). The kernels read and write the callers' typed arrays in place: no copy per call.
//
// Determinism: every element of C is summed in the same order whatever the thread count. The k loop is
// cut into KC blocks at fixed places, each block is summed inside one micro-kernel call in k order, and
// tasks own whole MR×NR tiles whose grid starts at C's origin, so which thread computes a tile (and how
// many there are) changes nothing in its arithmetic.
#include <node_api.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
static inline void cpu_relax() { _mm_pause(); }
#elif defined(__aarch64__)
static inline void cpu_relax() { __asm__ __volatile__("yield"); }
#else
static inline void cpu_relax() {}
#endif

#if defined(__AVX512F__)
#define VECTOR_BYTES 64
#define SIMD_NAME "avx512"
#elif defined(__AVX__)
#define VECTOR_BYTES 32
#if defined(__AVX2__) && defined(__FMA__)
#define SIMD_NAME "avx2+fma"
#else
#define SIMD_NAME "avx"
#endif
#elif defined(__ARM_NEON)
#define VECTOR_BYTES 16
#define SIMD_NAME "neon"
#elif defined(__SSE2__)
#define VECTOR_BYTES 16
#define SIMD_NAME "sse2"
#else
#define VECTOR_BYTES 16
#define SIMD_NAME "generic"
#endif

typedef float vfloat __attribute__((vector_size(VECTOR_BYTES)));
typedef double vdouble __attribute__((vector_size(VECTOR_BYTES)));

template <typename T>
struct Vec;
template <>
struct Vec<float> {
  typedef vfloat type;
};
template <>
struct Vec<double> {
  typedef vdouble type;
};

// Tile sizes. The micro-tile is MR rows × NR = 2 vectors of columns, all MR·2 accumulators in registers:
// 8×2 = 16 of AVX-512's 32 registers (8×32 floats), 6×2 = 12 of AVX's 16. KC = 256 keeps one packed B
// sliver (KC·NR) in L1 for float64 and in L1/L2 for float32; MC rows of packed A (MC·KC) stay in L2.
template <typename T>
struct Tiles {
  static constexpr long VL = VECTOR_BYTES / sizeof(T);
  static constexpr long NR = 2 * VL;
  static constexpr long MR = VECTOR_BYTES == 64 ? 8 : 6;
  static constexpr long KC = 256;
  static constexpr long MC = MR * (VECTOR_BYTES == 64 ? 12 : 16);
  // Columns of B packed at once (one panel), and rows of A packed at once (bounds the scratch).
  static constexpr long NC = 4096;
  static constexpr long MB = MC * 32;
};

// ---------------------------------------------------------------------------------------------------
// The thread pool: the caller publishes a job of `count` tasks, runs tasks itself, and waits until every
// task is done. Workers spin briefly for the next job (back-to-back products skip the sleep), then sleep
// on a condition variable. The job word holds (generation << 32 | next task), so a worker that wakes
// late can never claim a task of a newer job against an older one's function.

typedef void (*TaskFn)(void* ctx, long task);

class Pool {
 public:
  void run(TaskFn fn, void* ctx, long count, int threads) {
    if (threads <= 1 || count <= 1) {
      for (long t = 0; t < count; t++) fn(ctx, t);
      return;
    }
    ensure(threads - 1);
    fn_ = fn;
    ctx_ = ctx;
    count_ = count;
    participants_.store(threads - 1, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    uint64_t gen = (job_.load(std::memory_order_relaxed) >> 32) + 1;
    job_.store(gen << 32, std::memory_order_release);
    {
      std::lock_guard<std::mutex> lock(mutex_);
    }
    wake_.notify_all();
    work(gen);
    // Wait for the tasks workers claimed: spin (they are short), then yield the core to them.
    for (long spins = 0; done_.load(std::memory_order_acquire) < count; spins++) {
      if (spins < 4096)
        cpu_relax();
      else
        std::this_thread::yield();
    }
  }

  int size() const { return static_cast<int>(workers_.size()); }

 private:
  // Claims and runs tasks of job `gen` until none is left.
  void work(uint64_t gen) {
    for (;;) {
      uint64_t word = job_.load(std::memory_order_acquire);
      if ((word >> 32) != gen) return;
      long next = static_cast<long>(word & 0xffffffffu);
      if (next >= count_) return;
      if (!job_.compare_exchange_weak(word, word + 1, std::memory_order_acq_rel)) continue;
      fn_(ctx_, next);
      done_.fetch_add(1, std::memory_order_release);
    }
  }

  void ensure(int workers) {
    while (static_cast<int>(workers_.size()) < workers) {
      int index = static_cast<int>(workers_.size());
      workers_.emplace_back([this, index] { loop(index); });
      workers_.back().detach();
    }
  }

  void loop(int index) {
    uint64_t seen = job_.load(std::memory_order_acquire) >> 32;
    for (;;) {
      // Poll briefly (tens of µs) for the next job before sleeping.
      uint64_t gen = seen;
      for (int spins = 0; spins < 4000; spins++) {
        gen = job_.load(std::memory_order_acquire) >> 32;
        if (gen != seen) break;
        cpu_relax();
      }
      if (gen == seen) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return (job_.load(std::memory_order_acquire) >> 32) != seen; });
        gen = job_.load(std::memory_order_acquire) >> 32;
      }
      seen = gen;
      if (index < participants_.load(std::memory_order_relaxed)) work(gen);
    }
  }

  std::vector<std::thread> workers_;
  std::atomic<uint64_t> job_{0};
  std::atomic<long> done_{0};
  std::atomic<int> participants_{0};
  TaskFn fn_ = nullptr;
  void* ctx_ = nullptr;
  long count_ = 0;
  std::mutex mutex_;
  std::condition_variable wake_;
};

// One pool for the process, never destroyed (its detached threads sleep until the process exits).
static Pool* pool = new Pool();
// One GEMM at a time: the pool and the packing scratch are shared (JS worker threads may each load us).
static std::mutex gemm_mutex;

// ---------------------------------------------------------------------------------------------------
// Aligned scratch, grown on demand and kept.

struct Scratch {
  void* data = nullptr;
  size_t bytes = 0;
  void* get(size_t want) {
    if (want > bytes) {
      std::free(data);
      bytes = (want + 4095) & ~static_cast<size_t>(4095);
      data = std::aligned_alloc(64, bytes);
      if (data == nullptr) bytes = 0;
    }
    return data;
  }
};
static Scratch scratch_a, scratch_b;

// ---------------------------------------------------------------------------------------------------
// GEMM: C = alpha·op(A)·op(B) + beta·C, row-major, element (i, p) of A at a[i·lda + p] (a[p·lda + i]
// when transA), likewise B; C(i, j) at c[i·ldc + j]. Sizes and strides are 64-bit.

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
// rows × cols of it that lie inside C.
template <typename T>
static inline void micro_kernel(long kc, const T* __restrict ap, const T* __restrict bp, T* __restrict c, long ldc,
                                long rows, long cols, T alpha, T beta, bool first) {
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

static long ceil_div(long a, long b) { return (a + b - 1) / b; }

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

template <typename T>
static bool gemm(GemmJob<T>& g, int threads, double minParallelFlops) {
  typedef Tiles<T> TT;
  if (g.m == 0 || g.n == 0) return true;
  if (g.k == 0 || g.alpha == 0) {
    scale_c(g.m, g.n, g.beta, g.c, g.ldc);
    return true;
  }
  if (2.0 * g.m * g.n * g.k < minParallelFlops) threads = 1;
  long kcMax = std::min(TT::KC, g.k);
  long ncMax = std::min(TT::NC, ceil_div(g.n, TT::NR) * TT::NR);
  long mbMax = std::min(TT::MB, ceil_div(g.m, TT::MR) * TT::MR);
  g.bp = static_cast<T*>(scratch_b.get(sizeof(T) * kcMax * ncMax));
  g.ap = static_cast<T*>(scratch_a.get(sizeof(T) * kcMax * mbMax));
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
        pool->run(pack_task<T>, &g, g.bTasks + g.aTasks, threads);
        // Compute: MC-row blocks × column chunks, at least ~16 tasks when the shape allows, so that
        // a thread that is descheduled on a busy machine leaves little for the others to wait on.
        g.rowBlocks = ceil_div(g.mb, TT::MC);
        long chunks = std::min(slivers, std::max(1L, ceil_div(16, g.rowBlocks)));
        g.nb = ceil_div(slivers, chunks) * TT::NR;
        g.colChunks = ceil_div(g.nc, g.nb);
        pool->run(compute_task<T>, &g, g.rowBlocks * g.colChunks, threads);
      }
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Node-API glue.

static bool get_bool(napi_env env, napi_value v) {
  bool out = false;
  napi_get_value_bool(env, v, &out);
  return out;
}

static long get_long(napi_env env, napi_value v) {
  int64_t out = 0;
  napi_get_value_int64(env, v, &out);
  return static_cast<long>(out);
}

static double get_double(napi_env env, napi_value v) {
  double out = 0;
  napi_get_value_double(env, v, &out);
  return out;
}

struct Array {
  napi_typedarray_type type;
  void* data;
  size_t length;
};

static bool get_array(napi_env env, napi_value v, Array* out) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
  return napi_get_typedarray_info(env, v, &out->type, &out->length, &out->data, nullptr, nullptr) == napi_ok;
}

// Whether a stored [rows, cols] matrix with leading dimension ld from offset lies inside length elements.
static bool fits(long offset, long rows, long cols, long ld, size_t length) {
  if (offset < 0 || rows < 0 || cols < 0 || ld < 0) return false;
  if (rows == 0 || cols == 0) return true;
  return static_cast<size_t>(offset + (rows - 1) * ld + cols - 1) < length;
}

// gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc, threads,
//      minParallelFlops) → true when done; false when the operands are not all float32 or all float64
//      (the caller then uses another kernel). Bounds are checked again here: a bad call never
//      touches memory outside the arrays.
static napi_value Gemm(napi_env env, napi_callback_info info) {
  size_t argc = 18;
  napi_value argv[18];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  napi_value result;
  if (argc < 18) {
    napi_throw_type_error(env, nullptr, "gemm: expected 18 arguments");
    return nullptr;
  }
  Array a, b, c;
  bool ok = get_array(env, argv[6], &a) && get_array(env, argv[9], &b) && get_array(env, argv[13], &c);
  ok = ok && a.type == b.type && b.type == c.type &&
       (a.type == napi_float32_array || a.type == napi_float64_array);
  if (!ok) {
    napi_get_boolean(env, false, &result);
    return result;
  }
  bool transA = get_bool(env, argv[0]), transB = get_bool(env, argv[1]);
  long m = get_long(env, argv[2]), n = get_long(env, argv[3]), k = get_long(env, argv[4]);
  double alpha = get_double(env, argv[5]), beta = get_double(env, argv[12]);
  long aOffset = get_long(env, argv[7]), lda = get_long(env, argv[8]);
  long bOffset = get_long(env, argv[10]), ldb = get_long(env, argv[11]);
  long cOffset = get_long(env, argv[14]), ldc = get_long(env, argv[15]);
  int threads = static_cast<int>(std::max(1L, std::min(256L, get_long(env, argv[16]))));
  double minParallelFlops = get_double(env, argv[17]);
  bool inside = m >= 0 && n >= 0 && k >= 0 && fits(cOffset, m, n, ldc, c.length);
  if (m > 0 && n > 0) {
    inside = inside && fits(aOffset, transA ? k : m, transA ? m : k, lda, a.length) &&
             fits(bOffset, transB ? n : k, transB ? k : n, ldb, b.length);
  }
  if (!inside) {
    napi_throw_range_error(env, nullptr, "gemm: an operand reaches outside its array");
    return nullptr;
  }
  bool done;
  {
    std::lock_guard<std::mutex> lock(gemm_mutex);
    if (a.type == napi_float32_array) {
      GemmJob<float> g{};
      g.transA = transA, g.transB = transB, g.m = m, g.n = n, g.k = k;
      g.alpha = static_cast<float>(alpha), g.beta = static_cast<float>(beta);
      g.a = static_cast<const float*>(a.data) + aOffset, g.lda = lda;
      g.b = static_cast<const float*>(b.data) + bOffset, g.ldb = ldb;
      g.c = static_cast<float*>(c.data) + cOffset, g.ldc = ldc;
      done = gemm(g, threads, minParallelFlops);
    } else {
      GemmJob<double> g{};
      g.transA = transA, g.transB = transB, g.m = m, g.n = n, g.k = k;
      g.alpha = alpha, g.beta = beta;
      g.a = static_cast<const double*>(a.data) + aOffset, g.lda = lda;
      g.b = static_cast<const double*>(b.data) + bOffset, g.ldb = ldb;
      g.c = static_cast<double*>(c.data) + cOffset, g.ldc = ldc;
      done = gemm(g, threads, minParallelFlops);
    }
  }
  napi_get_boolean(env, done, &result);
  return result;
}

// info() → { simd, vectorBytes, workers }: what this build runs on, for getBackendInfo and logs.
static napi_value Info(napi_env env, napi_callback_info) {
  napi_value out, simd, bytes, workers;
  napi_create_object(env, &out);
  napi_create_string_utf8(env, SIMD_NAME, NAPI_AUTO_LENGTH, &simd);
  napi_create_int32(env, VECTOR_BYTES, &bytes);
  napi_create_int32(env, pool->size(), &workers);
  napi_set_named_property(env, out, "simd", simd);
  napi_set_named_property(env, out, "vectorBytes", bytes);
  napi_set_named_property(env, out, "workers", workers);
  return out;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "gemm", NAPI_AUTO_LENGTH, Gemm, nullptr, &fn);
  napi_set_named_property(env, exports, "gemm", fn);
  napi_create_function(env, "info", NAPI_AUTO_LENGTH, Info, nullptr, &fn);
  napi_set_named_property(env, exports, "info", fn);
  return exports;
}

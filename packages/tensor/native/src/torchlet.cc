// Torchlet's native kernels behind Node-API: float32 and float64 GEMM (gemm.h), the convolution
// kernels and the fused conv → ReLU → max-pool block with its backward (conv.h), and the Adam step
// (adam.h), all on a persistent thread pool of the addon's own (thread-pool.h).
//
// Built at install time for the machine it runs on (native/build.mjs: -O3 -march=native). The kernels
// read and write the callers' typed arrays in place: no copy per call. Results are bit-identical for
// any thread count: every kernel cuts its work at places fixed by the shapes alone.
#include <node_api.h>

#include <mutex>
#include <string>

#include "adam.h"
#include "conv.h"
#include "gemm.h"
#include "pages.h"
#include "thread-pool.h"

// One pool for the process, never destroyed (its detached threads sleep until the process exits).
static Pool* pool = new Pool();
// One kernel at a time: the pool and the shared scratch are the process's (JS worker threads may each
// load the addon).
static std::mutex kernel_mutex;
static Scratch scratch_a, scratch_b;

// ---------------------------------------------------------------------------------------------------
// Node-API glue. Every entry point checks its arrays' types and bounds before touching them: a bad call
// throws (or returns false for dtypes it does not run), never reads or writes outside an array.

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

// An optional array argument: null/undefined gives data = nullptr and length 0.
static bool get_optional_array(napi_env env, napi_value v, Array* out) {
  napi_valuetype kind;
  napi_typeof(env, v, &kind);
  if (kind == napi_null || kind == napi_undefined) {
    *out = Array{napi_float32_array, nullptr, 0};
    return true;
  }
  return get_array(env, v, out);
}

static bool is_float(const Array& a) { return a.type == napi_float32_array || a.type == napi_float64_array; }

// Whether a stored [rows, cols] matrix with leading dimension ld from offset lies inside length elements.
static bool fits(long offset, long rows, long cols, long ld, size_t length) {
  if (offset < 0 || rows < 0 || cols < 0 || ld < 0) return false;
  if (rows == 0 || cols == 0) return true;
  return static_cast<size_t>(offset + (rows - 1) * ld + cols - 1) < length;
}

// Whether `count` elements from `offset` lie inside the array.
static bool holds(const Array& a, long offset, double count) {
  return offset >= 0 && count >= 0 && static_cast<double>(offset) + count <= static_cast<double>(a.length);
}

static napi_value boolean(napi_env env, bool value) {
  napi_value result;
  napi_get_boolean(env, value, &result);
  return result;
}

static napi_value range_error(napi_env env, const char* message) {
  napi_throw_range_error(env, nullptr, message);
  return nullptr;
}

// Reads `want` arguments, or throws a TypeError naming the function.
static bool args(napi_env env, napi_callback_info info, size_t want, napi_value* argv, const char* message) {
  size_t argc = want;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < want) {
    napi_throw_type_error(env, nullptr, message);
    return false;
  }
  return true;
}

static int get_threads(napi_env env, napi_value v) {
  return static_cast<int>(std::max(1L, std::min(256L, get_long(env, v))));
}

// gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc, threads,
//      minParallelFlops) → true when done; false when the operands are not all float32 or all float64
//      (the caller then uses another kernel).
static napi_value Gemm(napi_env env, napi_callback_info info) {
  napi_value argv[18];
  if (!args(env, info, 18, argv, "gemm: expected 18 arguments")) return nullptr;
  Array a, b, c;
  bool ok = get_array(env, argv[6], &a) && get_array(env, argv[9], &b) && get_array(env, argv[13], &c);
  if (!ok || a.type != b.type || b.type != c.type || !is_float(a)) return boolean(env, false);
  bool transA = get_bool(env, argv[0]), transB = get_bool(env, argv[1]);
  long m = get_long(env, argv[2]), n = get_long(env, argv[3]), k = get_long(env, argv[4]);
  double alpha = get_double(env, argv[5]), beta = get_double(env, argv[12]);
  long aOffset = get_long(env, argv[7]), lda = get_long(env, argv[8]);
  long bOffset = get_long(env, argv[10]), ldb = get_long(env, argv[11]);
  long cOffset = get_long(env, argv[14]), ldc = get_long(env, argv[15]);
  int threads = get_threads(env, argv[16]);
  double minParallelFlops = get_double(env, argv[17]);
  bool inside = m >= 0 && n >= 0 && k >= 0 && fits(cOffset, m, n, ldc, c.length);
  if (m > 0 && n > 0) {
    inside = inside && fits(aOffset, transA ? k : m, transA ? m : k, lda, a.length) &&
             fits(bOffset, transB ? n : k, transB ? k : n, ldb, b.length);
  }
  if (!inside) return range_error(env, "gemm: an operand reaches outside its array");
  if (2.0 * m * n * k < minParallelFlops) threads = 1;
  bool done;
  std::lock_guard<std::mutex> lock(kernel_mutex);
  if (a.type == napi_float32_array) {
    auto g = gemm_job<float>(transA, transB, m, n, k, static_cast<float>(alpha), static_cast<const float*>(a.data) + aOffset,
                             lda, static_cast<const float*>(b.data) + bOffset, ldb, static_cast<float>(beta),
                             static_cast<float*>(c.data) + cOffset, ldc);
    done = gemm(g, threads, *pool, scratch_a, scratch_b);
  } else {
    auto g = gemm_job<double>(transA, transB, m, n, k, alpha, static_cast<const double*>(a.data) + aOffset, lda,
                              static_cast<const double*>(b.data) + bOffset, ldb, beta,
                              static_cast<double*>(c.data) + cOffset, ldc);
    done = gemm(g, threads, *pool, scratch_a, scratch_b);
  }
  return boolean(env, done);
}

// The geometry [C, ...inputSize, ...kernelSize, ...stride, ...padding, ...dilation, ...outputSize] of 2
// to 8 spatial axes (a 1-D conv as 2-D with H = 1; 2-D is the planar [C, H, W, kH, kW, sH, sW, pH, pW,
// dH, dW, Hout, Wout]): integers below 2^31, sizes, strides and dilations positive, paddings not negative.
static bool get_geometry(napi_env env, napi_value v, ConvGeom* g) {
  bool isArray = false;
  napi_is_array(env, v, &isArray);
  uint32_t length = 0;
  if (!isArray || napi_get_array_length(env, v, &length) != napi_ok || length % 6 != 1) return false;
  long dims = length / 6;
  if (dims < 2 || dims > CONV_MAX_DIMS) return false;
  long values[1 + 6 * CONV_MAX_DIMS];
  for (uint32_t i = 0; i < length; i++) {
    napi_value item;
    napi_get_element(env, v, i, &item);
    double d = get_double(env, item);
    if (!(d >= 0 && d < 2147483648.0) || d != std::floor(d)) return false;
    values[i] = static_cast<long>(d);
  }
  g->C = values[0];
  g->dims = static_cast<int>(dims);
  // The volumes in double first: eight sizes below 2^31 could overflow a 64-bit product.
  double inVolume = g->C, outVolume = 1, rows = g->C;
  for (long a = 0; a < dims; a++) {
    const long* axis = values + 1 + a;
    g->in[a] = axis[0], g->k[a] = axis[dims], g->s[a] = axis[2 * dims], g->p[a] = axis[3 * dims];
    g->d[a] = axis[4 * dims], g->out[a] = axis[5 * dims];
    if (g->in[a] < 1 || g->k[a] < 1 || g->s[a] < 1 || g->d[a] < 1 || g->out[a] < 1) return false;
    inVolume *= g->in[a], outVolume *= g->out[a], rows *= g->k[a];
  }
  if (g->C < 1 || inVolume > 0x1p52 || outVolume > 0x1p52 || rows > 0x1p52) return false;
  g->finish();
  // Any sizes are memory-safe from here: im2col/col2im and the packing read and write only input
  // positions inside [0, in) on every axis, whatever the padding on either side; the callers' arrays
  // are checked against them.
  return true;
}

template <typename T>
static T* data(const Array& a, long offset = 0) {
  return a.data == nullptr ? nullptr : static_cast<T*>(a.data) + offset;
}

// What every conv entry point starts with: geometry, groups, cOutG, count (arguments 0–3), checked.
struct ConvHead {
  ConvGeom g;
  long groups, cOutG, count;
  long cOut() const { return cOutG * groups; }
  double weights() const { return static_cast<double>(cOut()) * (g.rows() / groups); }
};

// Reads the entry point's `want` arguments into argv, then its head from them.
static bool get_head(napi_env env, napi_callback_info info, size_t want, napi_value* argv, const char* name,
                     long minCount, ConvHead* h) {
  std::string op(name);
  if (!args(env, info, want, argv, (op + ": expected " + std::to_string(want) + " arguments").c_str())) return false;
  if (!get_geometry(env, argv[0], &h->g)) {
    range_error(env, (op + ": not a convolution geometry").c_str());
    return false;
  }
  h->groups = get_long(env, argv[1]), h->cOutG = get_long(env, argv[2]), h->count = get_long(env, argv[3]);
  if (h->groups < 1 || h->cOutG < 1 || h->count < minCount || h->g.C % h->groups != 0) {
    range_error(env, (op + ": bad groups or batch").c_str());
    return false;
  }
  return true;
}

// Runs `body` under the kernel lock with a zero of the arrays' element type (float for float32 arrays,
// else double), so one generic lambda serves both dtypes; returns what body returns.
template <typename Body>
static auto locked_by_dtype(napi_typedarray_type t, Body body) {
  std::lock_guard<std::mutex> lock(kernel_mutex);
  return t == napi_float32_array ? body(0.0f) : body(0.0);
}

// What every conv entry point ends with: threads and minParallelFlops (the two arguments at `parallel`),
// then `kernel(zero, call, threads, minParallelFlops)` with the call filled from the head, in t's dtype.
template <typename Kernel>
static napi_value run_conv(napi_env env, const napi_value* parallel, napi_typedarray_type t, const ConvHead& h,
                           Kernel kernel) {
  int threads = get_threads(env, parallel[0]);
  double minParallelFlops = get_double(env, parallel[1]);
  auto call = [&](auto zero) {
    typedef decltype(zero) T;
    ConvCall<T> c{};
    c.g = h.g, c.groups = h.groups, c.cOutG = h.cOutG, c.count = h.count, c.pool = pool, c.ok = true;
    return kernel(zero, c, threads, minParallelFlops);
  };
  return boolean(env, locked_by_dtype(t, call));
}

// convForward(geometry, groups, cOutG, count, x, xOffset, w, wOffset, y, yOffset, keep, beta, bias,
//             pooled, indices, pooledOffset, windowRows, threads, minParallelFlops)
//   y[n] = W·im2col(x[n]) (+ beta·y, or from bias) for `count` samples; keep (or null) receives every
//   sample's columns; pooled/indices (or null) the fused relu → max-pool(windowRows×2) from pooledOffset.
//   → false when the float arrays are not all one dtype (nothing touched).
static napi_value ConvForward(napi_env env, napi_callback_info info) {
  napi_value argv[19];
  ConvHead h;
  if (!get_head(env, info, 19, argv, "convForward", 0, &h)) return nullptr;
  const ConvGeom& g = h.g;
  Array x, w, y, keep, bias, pooled, indices;
  if (!get_array(env, argv[4], &x) || !get_array(env, argv[6], &w) || !get_array(env, argv[8], &y) ||
      !get_optional_array(env, argv[10], &keep) || !get_optional_array(env, argv[12], &bias) ||
      !get_optional_array(env, argv[13], &pooled) || !get_optional_array(env, argv[14], &indices))
    return boolean(env, false);
  napi_typedarray_type t = x.type;
  if (!is_float(x) || w.type != t || y.type != t || (keep.data && keep.type != t) || (bias.data && bias.type != t) ||
      (pooled.data && (pooled.type != t || indices.type != napi_int32_array)))
    return boolean(env, false);
  long xOffset = get_long(env, argv[5]), wOffset = get_long(env, argv[7]), yOffset = get_long(env, argv[9]);
  long pooledOffset = get_long(env, argv[15]), windowRows = get_long(env, argv[16]);
  long count = h.count, cOut = h.cOut(), P = g.positions();
  long oH = g.out[0], oW = g.out[1];
  double perSample = static_cast<double>(cOut) * (oH / std::max(1L, windowRows)) * (oW / 2);
  bool inside = holds(x, xOffset, static_cast<double>(count) * g.sampleIn()) &&
                holds(w, wOffset, h.weights()) && holds(y, yOffset, static_cast<double>(count) * cOut * P) &&
                (!keep.data || holds(keep, 0, static_cast<double>(count) * g.rows() * P)) &&
                (!bias.data || holds(bias, 0, cOut));
  if (pooled.data)
    inside = inside && g.dims == 2 && (windowRows == 1 || windowRows == 2) && oH >= windowRows && oW >= 2 &&
             holds(pooled, pooledOffset, count * perSample) && holds(indices, pooledOffset, count * perSample);
  if (!inside) return range_error(env, "convForward: an operand reaches outside its array");
  double beta = get_double(env, argv[11]);
  return run_conv(env, argv + 17, t, h, [&](auto zero, auto& c, int threads, double minParallelFlops) {
    typedef decltype(zero) T;
    c.x = data<T>(x, xOffset), c.w = data<T>(w, wOffset), c.y = data<T>(y, yOffset), c.keep = data<T>(keep);
    c.beta = static_cast<T>(beta), c.bias = data<T>(bias), c.windowRows = windowRows;
    c.pooled = data<T>(pooled, pooledOffset), c.indices = data<int32_t>(indices, pooledOffset);
    return conv_forward(c, threads, minParallelFlops);
  });
}

// convAdjoint(geometry, groups, cOutG, count, x, xOffset, w, wOffset, y, yOffset, threads, minParallelFlops)
//   x[n] += col2im(Wᵀ·y[n]) for `count` samples. → false when not all one float dtype.
static napi_value ConvAdjoint(napi_env env, napi_callback_info info) {
  napi_value argv[12];
  ConvHead h;
  if (!get_head(env, info, 12, argv, "convAdjoint", 0, &h)) return nullptr;
  Array x, w, y;
  if (!get_array(env, argv[4], &x) || !get_array(env, argv[6], &w) || !get_array(env, argv[8], &y))
    return boolean(env, false);
  if (!is_float(x) || w.type != x.type || y.type != x.type) return boolean(env, false);
  long xOffset = get_long(env, argv[5]), wOffset = get_long(env, argv[7]), yOffset = get_long(env, argv[9]);
  double count = h.count;
  if (!holds(x, xOffset, count * h.g.sampleIn()) || !holds(w, wOffset, h.weights()) ||
      !holds(y, yOffset, count * h.cOut() * h.g.positions()))
    return range_error(env, "convAdjoint: an operand reaches outside its array");
  return run_conv(env, argv + 10, x.type, h, [&](auto zero, auto& c, int threads, double minParallelFlops) {
    typedef decltype(zero) T;
    c.xOut = data<T>(x, xOffset), c.w = data<T>(w, wOffset), c.yIn = data<T>(y, yOffset);
    map_writable(c.xOut, sizeof(T) * count * h.g.sampleIn());
    return conv_adjoint(c, threads, minParallelFlops);
  });
}

// convWeightGrad(geometry, groups, cOutG, count, x, xOffset, kept, y, yOffset, gw, gb, threads,
//                minParallelFlops)
//   gw = Σn y[n]·im2col(x[n])ᵀ per group (overwritten), from the kept columns when given; gb (or null)
//   = Σ y per channel. → false when not all one float dtype.
static napi_value ConvWeightGrad(napi_env env, napi_callback_info info) {
  napi_value argv[13];
  ConvHead h;
  if (!get_head(env, info, 13, argv, "convWeightGrad", 1, &h)) return nullptr;
  const ConvGeom& g = h.g;
  Array x, kept, y, gw, gb;
  if (!get_array(env, argv[4], &x) || !get_optional_array(env, argv[6], &kept) || !get_array(env, argv[7], &y) ||
      !get_array(env, argv[9], &gw) || !get_optional_array(env, argv[10], &gb))
    return boolean(env, false);
  napi_typedarray_type t = x.type;
  if (!is_float(x) || y.type != t || gw.type != t || (kept.data && kept.type != t) || (gb.data && gb.type != t))
    return boolean(env, false);
  long xOffset = get_long(env, argv[5]), yOffset = get_long(env, argv[8]);
  double count = h.count, P = g.positions();
  if (!holds(x, xOffset, count * g.sampleIn()) || !holds(y, yOffset, count * h.cOut() * P) ||
      !holds(gw, 0, h.weights()) || (gb.data && !holds(gb, 0, h.cOut())) ||
      (kept.data && !holds(kept, 0, count * g.rows() * P)))
    return range_error(env, "convWeightGrad: an operand reaches outside its array");
  return run_conv(env, argv + 11, t, h, [&](auto zero, auto& c, int threads, double minParallelFlops) {
    typedef decltype(zero) T;
    c.x = data<T>(x, xOffset), c.kept = data<T>(kept), c.yIn = data<T>(y, yOffset);
    c.gw = data<T>(gw), c.gb = data<T>(gb);
    return conv_weight_grad(c, threads, minParallelFlops);
  });
}

// maxPoolReluBackward(channels, h, w, windowRows, count, gradPooled, pooled, indices, gradY, threads)
//   gradY (written whole) from the fused forward's pooled output, indices and the pooled gradient.
static napi_value MaxPoolReluBackward(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  if (!args(env, info, 10, argv, "maxPoolReluBackward: expected 10 arguments")) return nullptr;
  long channels = get_long(env, argv[0]), h = get_long(env, argv[1]), w = get_long(env, argv[2]);
  long windowRows = get_long(env, argv[3]), count = get_long(env, argv[4]);
  Array gradPooled, pooled, indices, gradY;
  if (!get_array(env, argv[5], &gradPooled) || !get_array(env, argv[6], &pooled) ||
      !get_array(env, argv[7], &indices) || !get_array(env, argv[8], &gradY))
    return boolean(env, false);
  napi_typedarray_type t = gradY.type;
  if (!is_float(gradY) || gradPooled.type != t || pooled.type != t || indices.type != napi_int32_array)
    return boolean(env, false);
  if (channels < 0 || h < windowRows || w < 2 || count < 0 || (windowRows != 1 && windowRows != 2))
    return range_error(env, "maxPoolReluBackward: bad sizes");
  double perSample = static_cast<double>(channels) * (h / windowRows) * (w / 2);
  double ySize = static_cast<double>(count) * channels * h * w;
  if (!holds(gradPooled, 0, count * perSample) || !holds(pooled, 0, count * perSample) ||
      !holds(indices, 0, count * perSample) || !holds(gradY, 0, ySize))
    return range_error(env, "maxPoolReluBackward: an operand reaches outside its array");
  // Every index must point inside its own window's plane: a stale or foreign indices array cannot write
  // outside gradY.
  const int32_t* idx = static_cast<const int32_t*>(indices.data);
  for (long i = 0, n = static_cast<long>(count * perSample); i < n; i++)
    if (idx[i] < 0 || idx[i] >= h * w) return range_error(env, "maxPoolReluBackward: an index lies outside its plane");
  int threads = ySize >= 65536 ? get_threads(env, argv[9]) : 1;
  locked_by_dtype(t, [&](auto zero) {
    typedef decltype(zero) T;
    PoolBackwardCall<T> c{channels, h, w, windowRows, data<T>(gradPooled), data<T>(pooled),
                          data<int32_t>(indices), data<T>(gradY)};
    pool->run(pool_backward_sample<T>, &c, count, threads);
  });
  return boolean(env, true);
}

// adamStep(param, paramOffset, grad, m, v, sign, beta1, beta2, stepSize, bias2Sqrt, eps, threads)
//   one Adam update (adam.h) of grad.length elements. → false when not all one float dtype.
static napi_value AdamStep(napi_env env, napi_callback_info info) {
  napi_value argv[12];
  if (!args(env, info, 12, argv, "adamStep: expected 12 arguments")) return nullptr;
  Array param, grad, m, v;
  if (!get_array(env, argv[0], &param) || !get_array(env, argv[2], &grad) || !get_array(env, argv[3], &m) ||
      !get_array(env, argv[4], &v))
    return boolean(env, false);
  napi_typedarray_type t = param.type;
  if (!is_float(param) || grad.type != t || m.type != t || v.type != t) return boolean(env, false);
  long offset = get_long(env, argv[1]);
  long count = static_cast<long>(grad.length);
  if (!holds(param, offset, count) || !holds(m, 0, count) || !holds(v, 0, count))
    return range_error(env, "adamStep: an operand reaches outside its array");
  int threads = count >= (1 << 14) ? get_threads(env, argv[11]) : 1;
  double sign = get_double(env, argv[5]), beta1 = get_double(env, argv[6]), beta2 = get_double(env, argv[7]);
  double stepSize = get_double(env, argv[8]), bias2Sqrt = get_double(env, argv[9]), eps = get_double(env, argv[10]);
  if (count > 0) locked_by_dtype(t, [&](auto zero) {
    typedef decltype(zero) T;
    // Slices on 64-byte lines, so two threads never write one cache line.
    long lane = 64 / sizeof(T);
    long chunk = ceil_div(ceil_div(count, threads * 4L), lane) * lane;
    AdamCall<T> c{data<T>(param, offset), data<T>(grad), data<T>(m), data<T>(v), count, chunk,
                  sign, beta1, beta2, stepSize, bias2Sqrt, eps};
    pool->run(adam_task<T>, &c, ceil_div(count, chunk), threads);
  });
  return boolean(env, true);
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
  const struct {
    const char* name;
    napi_callback fn;
  } entries[] = {{"gemm", Gemm},
                 {"convForward", ConvForward},
                 {"convAdjoint", ConvAdjoint},
                 {"convWeightGrad", ConvWeightGrad},
                 {"maxPoolReluBackward", MaxPoolReluBackward},
                 {"adamStep", AdamStep},
                 {"info", Info}};
  for (const auto& entry : entries) {
    napi_value fn;
    napi_create_function(env, entry.name, NAPI_AUTO_LENGTH, entry.fn, nullptr, &fn);
    napi_set_named_property(env, exports, entry.name, fn);
  }
  return exports;
}

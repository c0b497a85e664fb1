/**
 * Which GEMM runs matmul and convolution: the native kernel (C++ compiled for this machine at install,
 * Node only), the WebAssembly SIMD kernel (on every core where the environment allows threads) or the
 * plain-JS kernel.
 *
 * Chosen once, at the first GEMM: `TORCHLET_BACKEND=native|wasm|js` and `TORCHLET_THREADS=n` in the
 * environment (Node) force a choice; otherwise native where its addon loaded (Node, with a C++ compiler
 * at install), else WebAssembly SIMD when the engine validates the module, else the JS kernel; native
 * and wasm on as many threads as cores (wasm where workers and shared memory are available).
 * `setBackend` changes it at run time. float64 runs natively on the native backend and on the JS kernel
 * under the other two.
 */
import { checkOptions } from '../check.js';
import { rangeError, typeError } from '../errors.js';
import { gemmEach, jsGemm } from './gemm.js';
import { WasmGemm, wasmSimdSupported } from './wasm/backend.js';
import { NativeGemm } from './native/gemm.js';
import { loadNative } from './native/loader.js';
import type { Backend, Gemm } from './seam.js';
import { coreCount, threadsAvailable } from './thread-pool.js';

/** A GEMM backend: `'native'` (C++ for this machine), `'wasm'` (WebAssembly SIMD), or `'js'`. */
export type BackendName = 'native' | 'wasm' | 'js';

const NAMES: readonly string[] = ['native', 'wasm', 'js'];

/** Options for `setBackend`. */
export interface BackendOptions {
  /**
   * Threads for the `'native'` and `'wasm'` backends, the caller included (default: `TORCHLET_THREADS`,
   * else the number of cores). Where worker threads or shared memory are unavailable (a browser page that
   * is not cross-origin isolated, or its main thread) the WebAssembly kernel runs on 1.
   */
  threads?: number;
}

/** What `getBackendInfo` reports. */
export interface BackendInfo {
  /** The kernel in use: `'native'`, `'wasm'`, `'js'`, or the `name` of a `Gemm` installed with `setGemm`. */
  backend: string;
  /** Threads a large float32 GEMM is split across (1 for the JS kernel). */
  threads: number;
  /** Whether this engine runs WebAssembly SIMD (the `'wasm'` backend needs it). */
  wasmSimd: boolean;
  /** Whether worker threads with shared memory are available here. */
  threadsAvailable: boolean;
  /** Logical cores the environment reports. */
  cores: number;
  /** Whether the native backend loaded here. */
  native: boolean;
  /**
   * Why not, when it did not ('' when it did): "no C++ compiler", "build failed: …", "not Node.js (a
   * browser has no native code)", "TORCHLET_NATIVE=0", ...
   */
  nativeReason: string;
  /** The vector instructions the native backend was compiled for ('avx512', 'avx2+fma', 'neon', ...), or ''. */
  nativeSimd: string;
}

// One kernel per backend and thread count, so switching back and forth reuses its memory and workers
// (the native kernels share the addon's one thread pool).
const kernels = new Map<string, Backend>();

function cachedKernel<K extends Backend>(name: 'native' | 'wasm', threads: number, make: () => K): K {
  let kernel = kernels.get(`${name}×${threads}`);
  if (kernel === undefined) {
    kernel = make();
    kernels.set(`${name}×${threads}`, kernel);
  }
  return kernel as K;
}

const wasmKernel = (threads: number) => cachedKernel('wasm', threads, () => new WasmGemm({ threads }));
const nativeKernel = (threads: number) => cachedKernel('native', threads, () => new NativeGemm({ threads }));

function env(name: string): string | undefined {
  const value = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function checkThreads(op: string, what: string, threads: unknown): number {
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1) {
    throw rangeError(
      op,
      `${what} must be a positive integer, got ${typeof threads === 'string' ? `'${threads}'` : String(threads)}`,
    );
  }
  return threads;
}

/** Threads asked for by TORCHLET_THREADS, else one per core. */
function defaultThreads(op: string): number {
  const fromEnv = env('TORCHLET_THREADS');
  if (fromEnv !== undefined)
    return checkThreads(op, 'TORCHLET_THREADS', /^\d+$/.test(fromEnv) ? Number(fromEnv) : fromEnv);
  return threadsAvailable() ? coreCount() : 1;
}

// Every matmul and convolution asks here for the kernel at call time, so swapping it takes effect at once.
// Chosen at the first call, not at import, so an unused package never compiles WebAssembly.
let current: Backend | undefined;

/**
 * The backend that matmul, convolution and the optimizers use: the one chosen at start-up (see
 * `startupGemm` below: native where it loaded, else WASM SIMD where available, else JS) unless
 * `setBackend` or `setGemm` chose another.
 */
export function getBackend(): Backend {
  return (current ??= startupGemm());
}

/** `getBackend()`, by the name matmul and layers have long used: its GEMM core is all matmul needs. */
export function getGemm(): Backend {
  return getBackend();
}

/**
 * Makes `gemm` the kernel behind matmul and convolution (a WebAssembly SIMD kernel, or an instrumented
 * one in tests and benchmarks). A `Backend` is installed as it is; a bare `Gemm` (only `name` and
 * `gemm`) becomes a backend with its GEMM as the core (`gemmBatch` one product at a time) and no
 * optional capabilities. Returns the previous backend so a caller can restore it.
 * @throws TypeError if `gemm` has no `gemm` method
 */
export function setGemm(gemm: Gemm | Backend): Backend {
  if (gemm === null || typeof gemm !== 'object' || typeof (gemm as { gemm?: unknown }).gemm !== 'function') {
    throw typeError(
      'setGemm',
      `gemm must be an object with a gemm(...) method, got ${gemm === null ? 'null' : typeof gemm}`,
    );
  }
  const previous = getBackend();
  current = asBackend(gemm);
  return previous;
}

/** `gemm` itself when it has the backend core, else a backend around its GEMM. */
function asBackend(gemm: Gemm | Backend): Backend {
  const core = gemm as Partial<Backend>;
  if (typeof core.gemmBatch === 'function' && typeof core.prefersBatches === 'function') return gemm as Backend;
  const threads = typeof core.threads === 'number' ? core.threads : 1;
  const product: Gemm['gemm'] = (...args) => gemm.gemm(...args);
  return { name: gemm.name, threads, gemm: product, gemmBatch: gemmEach(product), prefersBatches: () => false };
}

/**
 * The kernel to start with (`getBackend` calls this at the first GEMM): the environment's choice, else
 * native where it loaded, else WASM SIMD when available, else JS.
 * @throws RangeError if TORCHLET_BACKEND or TORCHLET_THREADS holds something else than documented,
 *   TORCHLET_BACKEND=native where the native backend did not load (saying why), or
 *   TORCHLET_BACKEND=wasm where WebAssembly SIMD is unavailable
 */
export function startupGemm(): Backend {
  const op = 'backend';
  const forced = env('TORCHLET_BACKEND');
  if (forced !== undefined && !NAMES.includes(forced)) {
    throw rangeError(op, `TORCHLET_BACKEND must be 'native', 'wasm' or 'js', got '${forced}'`);
  }
  const threads = defaultThreads(op);
  if (forced === 'js') return jsGemm;
  if (forced === 'native') {
    const { addon, reason } = loadNative();
    if (addon === null)
      throw rangeError(op, `TORCHLET_BACKEND=native, but the native backend is unavailable: ${reason}`);
    return nativeKernel(threads);
  }
  if (forced === 'wasm') {
    if (!wasmSimdSupported()) throw rangeError(op, 'TORCHLET_BACKEND=wasm, but this engine has no WebAssembly SIMD');
    return wasmKernel(threads);
  }
  // Native first where its addon loaded: with its conv, fused-block and Adam kernels a LeNet-5
  // training step ran faster than on wasm in every alternating run (CPU 11.7–13.4 against 14.4–17.3
  // ms a step, `TORCHLET_BACKEND=wasm|native node benchmarks/profile/run.mjs 100 3`, 2026-12-03, load
  // average 20 on 2 cores), and it runs float64 natively too.
  if (loadNative().addon !== null) return nativeKernel(threads);
  if (!wasmSimdSupported()) return jsGemm;
  try {
    return wasmKernel(threads);
  } catch {
    // e.g. a browser that refuses synchronous compilation here: the JS kernel always works
    return jsGemm;
  }
}

/**
 * Makes `name` the GEMM backend for matmul and convolution from now on.
 * @param options `threads` for `'native'` and `'wasm'` (ignored by `'js'`, which is single-threaded)
 * @returns the new `getBackendInfo()`
 * @throws RangeError if `name` is not `'native'`, `'wasm'` or `'js'`, `threads` is not a positive
 *   integer, `'native'` is asked for where it did not load (the message says why), or `'wasm'` where
 *   WebAssembly SIMD is unavailable
 * @example setBackend('wasm', { threads: 1 }).threads // 1
 */
export function setBackend(name: BackendName, options: BackendOptions = {}): BackendInfo {
  const op = 'setBackend';
  if (!NAMES.includes(name)) {
    throw rangeError(
      op,
      `backend must be 'native', 'wasm' or 'js', got ${typeof name === 'string' ? `'${name}'` : String(name)}`,
    );
  }
  options = checkOptions(op, options, ['threads']);
  const threads = options.threads === undefined ? defaultThreads(op) : checkThreads(op, 'threads', options.threads);
  if (name === 'js') {
    setGemm(jsGemm);
  } else if (name === 'native') {
    const { addon, reason } = loadNative();
    if (addon === null) throw rangeError(op, `the native backend is unavailable: ${reason}`);
    setGemm(nativeKernel(threads));
  } else {
    if (!wasmSimdSupported()) throw rangeError(op, "backend 'wasm' needs WebAssembly SIMD, which this engine lacks");
    setGemm(wasmKernel(threads));
  }
  return getBackendInfo();
}

/** The GEMM backend in use and what this environment offers. */
export function getBackendInfo(): BackendInfo {
  const backend = getBackend();
  const native = loadNative();
  return {
    backend: backend.name,
    threads: backend.threads,
    wasmSimd: wasmSimdSupported(),
    threadsAvailable: threadsAvailable(),
    cores: coreCount(),
    native: native.addon !== null,
    nativeReason: native.reason,
    nativeSimd: native.addon?.info().simd ?? '',
  };
}

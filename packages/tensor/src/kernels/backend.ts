/**
 * Which GEMM runs matmul and convolution: the WebAssembly SIMD kernel (on every core where the
 * environment allows threads) or the plain-JS kernel.
 *
 * Chosen once, at the first GEMM: `TORCHLET_BACKEND=js|wasm` and `TORCHLET_THREADS=n` in the
 * environment (Node) force a choice; otherwise WebAssembly SIMD when the engine validates the module,
 * with as many threads as cores when workers and shared memory are available, else the JS kernel.
 * `setBackend` changes it at run time. float64 always runs on the JS kernel, whatever the backend.
 */
import { rangeError } from '../errors.js';
import { jsGemm, type Gemm } from './gemm.js';
import { WasmGemm, wasmSimdSupported } from './gemm-wasm.js';
import { getGemm, setGemm } from './select.js';
import { coreCount, threadsAvailable } from './thread-pool.js';

/** A GEMM backend: `'wasm'` (WebAssembly SIMD, optionally threaded) or `'js'`. */
export type BackendName = 'js' | 'wasm';

/** Options for `setBackend`. */
export interface BackendOptions {
  /**
   * Threads for the `'wasm'` backend, the caller included (default: `TORCHLET_THREADS`, else the number
   * of cores). Where worker threads or shared memory are unavailable (a browser page that is not
   * cross-origin isolated, or its main thread) the kernel runs on 1.
   */
  threads?: number;
}

/** What `getBackendInfo` reports. */
export interface BackendInfo {
  /** The kernel in use: `'wasm'`, `'js'`, or the `name` of a `Gemm` installed with `setGemm`. */
  backend: string;
  /** Threads a large float32 GEMM is split across (1 for the JS kernel). */
  threads: number;
  /** Whether this engine runs WebAssembly SIMD (the `'wasm'` backend needs it). */
  wasmSimd: boolean;
  /** Whether worker threads with shared memory are available here. */
  threadsAvailable: boolean;
  /** Logical cores the environment reports. */
  cores: number;
}

// One kernel per thread count, so switching back and forth reuses its memory and workers.
const wasmKernels = new Map<number, WasmGemm>();

function wasmKernel(threads: number): WasmGemm {
  let kernel = wasmKernels.get(threads);
  if (kernel === undefined) {
    kernel = new WasmGemm({ threads });
    wasmKernels.set(threads, kernel);
  }
  return kernel;
}

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

/**
 * The kernel to start with (select.ts calls this at the first GEMM): the environment's choice, else
 * WASM SIMD when available, else JS.
 * @throws RangeError if TORCHLET_BACKEND or TORCHLET_THREADS holds something else than documented, or
 *   TORCHLET_BACKEND=wasm where WebAssembly SIMD is unavailable
 */
export function startupGemm(): Gemm {
  const op = 'backend';
  const forced = env('TORCHLET_BACKEND');
  if (forced !== undefined && forced !== 'js' && forced !== 'wasm') {
    throw rangeError(op, `TORCHLET_BACKEND must be 'js' or 'wasm', got '${forced}'`);
  }
  const threads = defaultThreads(op);
  if (forced === 'js') return jsGemm;
  if (forced === 'wasm') {
    if (!wasmSimdSupported()) throw rangeError(op, 'TORCHLET_BACKEND=wasm, but this engine has no WebAssembly SIMD');
    return wasmKernel(threads);
  }
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
 * @param options `threads` for `'wasm'` (ignored by `'js'`, which is single-threaded)
 * @returns the new `getBackendInfo()`
 * @throws RangeError if `name` is not `'js'` or `'wasm'`, `threads` is not a positive integer, or
 *   `'wasm'` is asked for where WebAssembly SIMD is unavailable
 * @example setBackend('wasm', { threads: 1 }).threads // 1
 */
export function setBackend(name: BackendName, options: BackendOptions = {}): BackendInfo {
  const op = 'setBackend';
  if (name !== 'js' && name !== 'wasm') {
    throw rangeError(
      op,
      `backend must be 'js' or 'wasm', got ${typeof name === 'string' ? `'${name}'` : String(name)}`,
    );
  }
  const threads = options.threads === undefined ? defaultThreads(op) : checkThreads(op, 'threads', options.threads);
  if (name === 'js') {
    setGemm(jsGemm);
  } else {
    if (!wasmSimdSupported()) throw rangeError(op, "backend 'wasm' needs WebAssembly SIMD, which this engine lacks");
    setGemm(wasmKernel(threads));
  }
  return getBackendInfo();
}

/** The GEMM backend in use and what this environment offers. */
export function getBackendInfo(): BackendInfo {
  const gemm = getGemm();
  return {
    backend: gemm.name,
    threads: gemm instanceof WasmGemm ? gemm.threads : 1,
    wasmSimd: wasmSimdSupported(),
    threadsAvailable: threadsAvailable(),
    cores: coreCount(),
  };
}

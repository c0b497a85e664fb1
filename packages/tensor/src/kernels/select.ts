import { typeError } from '../errors.js';
import { startupGemm } from './backend.js';
import type { Gemm } from './gemm.js';

// Every matmul and convolution asks here for the kernel at call time, so swapping it takes effect at once.
// Chosen at the first call, not at import, so an unused package never compiles WebAssembly.
let current: Gemm | undefined;

/**
 * The GEMM that matmul and convolution use: the backend chosen at start-up (see backend.ts: WASM SIMD
 * where available, else JS) unless `setBackend` or `setGemm` chose another.
 */
export function getGemm(): Gemm {
  return (current ??= startupGemm());
}

/**
 * Makes `gemm` the kernel behind matmul and convolution (a WebAssembly SIMD kernel, or an instrumented
 * one in tests and benchmarks). Returns the previous kernel so a caller can restore it.
 * @throws TypeError if `gemm` has no `gemm` method
 */
export function setGemm(gemm: Gemm): Gemm {
  if (gemm === null || typeof gemm !== 'object' || typeof (gemm as { gemm?: unknown }).gemm !== 'function') {
    throw typeError(
      'setGemm',
      `gemm must be an object with a gemm(...) method, got ${gemm === null ? 'null' : typeof gemm}`,
    );
  }
  const previous = getGemm();
  current = gemm;
  return previous;
}

import { typeError } from '../errors.js';
import { jsGemm, type Gemm } from './gemm.js';

// Every matmul and convolution asks here for the kernel at call time, so swapping it takes effect at once.
let current: Gemm = jsGemm;

/** The GEMM that matmul and convolution use (the JS kernel unless `setGemm` chose another). */
export function getGemm(): Gemm {
  return current;
}

/**
 * Makes `gemm` the kernel behind matmul and convolution (a WebAssembly SIMD kernel, or an instrumented
 * one in tests and benchmarks). Returns the previous kernel so a caller can restore it.
 * @throws TypeError if `gemm` has no `gemm` method
 */
export function setGemm(gemm: Gemm): Gemm {
  if (gemm === null || typeof gemm !== 'object' || typeof (gemm as { gemm?: unknown }).gemm !== 'function') {
    throw typeError('setGemm', `gemm must be an object with a gemm(...) method, got ${gemm === null ? 'null' : typeof gemm}`);
  }
  const previous = current;
  current = gemm;
  return previous;
}

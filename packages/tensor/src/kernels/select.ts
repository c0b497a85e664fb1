import { typeError } from '../errors.js';
import { startupGemm } from './backend.js';
import { gemmEach, type Gemm } from './gemm.js';
import type { Backend } from './seam.js';

// Every matmul and convolution asks here for the kernel at call time, so swapping it takes effect at once.
// Chosen at the first call, not at import, so an unused package never compiles WebAssembly.
let current: Backend | undefined;

/**
 * The backend that matmul, convolution and the optimizers use: the one chosen at start-up (see
 * backend.ts: native where it loaded, else WASM SIMD where available, else JS) unless `setBackend` or `setGemm` chose another.
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

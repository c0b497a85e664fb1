/**
 * The native GEMM (native/src/torchlet.cc) behind the `Gemm` interface: float32 and float64 on the
 * callers' own arrays (no copy), split over the addon's thread pool. Mixed dtypes go to the JS kernel.
 */
import { rangeError } from '../../errors.js';
import { checkGemmArgs, gemmEach, jsGemm, type Gemm } from '../gemm.js';
import type { Backend } from '../seam.js';
import { loadNative, type NativeAddon } from './loader.js';

// Below this many flops (2·m·n·k) a GEMM stays on the calling thread. Measured on the development VM
// (2 cores, AVX-512): waking the pool costs a few µs, so splitting wins from about 64×64×256 on.
const PARALLEL_MIN_FLOPS = 2e6;

/** Options for `new NativeGemm`. */
export interface NativeGemmOptions {
  /** Threads that share each large GEMM, the caller included (default 1). */
  threads?: number;
  /** Smallest product, in flops, that is split across threads (tests pass 0 to split tiny ones). */
  minParallelFlops?: number;
}

/** The GEMM of the native backend; throws at construction where the addon did not load. */
export class NativeGemm implements Backend {
  readonly name = 'native';
  /** Threads a large GEMM is split across, the caller included. */
  readonly threads: number;
  readonly #addon: NativeAddon;
  readonly #minParallelFlops: number;

  /**
   * @throws RangeError if the native backend is unavailable (the message says why) or `threads` is not
   *   a positive integer
   */
  constructor(options: NativeGemmOptions = {}) {
    const { addon, reason } = loadNative();
    if (addon === null) throw rangeError('NativeGemm', `the native backend is unavailable: ${reason}`);
    const threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
      throw rangeError('NativeGemm', `threads must be an integer in [1, 256], got ${String(threads)}`);
    }
    this.#addon = addon;
    this.threads = threads;
    this.#minParallelFlops = options.minParallelFlops ?? PARALLEL_MIN_FLOPS;
  }

  /** The vector instructions the addon was compiled for ('avx512', 'avx2+fma', 'neon', ...). */
  get simd(): string {
    return this.#addon.info().simd;
  }

  /** `C = alpha·op(A)·op(B) + beta·C`; see gemm.ts. An arrow function, so it also works detached. */
  readonly gemm: Gemm['gemm'] = (...args) => {
    const [transA, transB, m, n, k, , a, aOffset, lda, b, bOffset, ldb, , c, cOffset, ldc] = args;
    checkGemmArgs('gemm', transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc);
    if (!this.#addon.gemm(...args, this.threads, this.#minParallelFlops)) jsGemm.gemm(...args);
  };

  /** One `gemm` per product, in order (each split over the pool when large enough). */
  readonly gemmBatch: Backend['gemmBatch'] = gemmEach(this.gemm);

  /** The conv engine makes one sample's columns at a time for this backend's GEMMs. */
  readonly prefersBatches: Backend['prefersBatches'] = () => false;
}

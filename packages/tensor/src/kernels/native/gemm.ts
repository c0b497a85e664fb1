/**
 * The native backend (native/src: C++ compiled for this machine at install) behind the kernel seam:
 * the GEMM core and the conv, fused conv → relu → max-pool and Adam capabilities, in float32 and
 * float64, on the callers' own arrays (no copy), split over the addon's thread pool. Mixed dtypes go to
 * the JS kernel (GEMM) or are declined (capabilities), and the caller takes the generic path.
 *
 * Determinism: every kernel cuts its work at places fixed by the shapes (a sample per task; the weight
 * gradient's batch in 8 fixed partitions added in order; GEMM tiles summed over fixed k blocks), so
 * results are bit-identical for any thread count.
 */
import { rangeError } from '../../errors.js';
import { planar } from '../conv/plan.js';
import { checkGemmArgs, gemmEach, jsGemm, type Gemm } from '../gemm.js';
import type {
  Backend,
  ConvAdjointCall,
  ConvForwardCall,
  ConvKernels,
  ConvReluMaxPoolBackwardCall,
  ConvReluMaxPoolCall,
  ConvReluMaxPoolKernels,
  ConvWeightGradCall,
  OptimizerKernels,
} from '../seam.js';
import { loadNative, type NativeAddon } from './loader.js';

// Below this many flops (2·m·n·k) a GEMM (or a whole conv call) stays on the calling thread. Measured
// on the development VM (2 cores, AVX-512): waking the pool costs a few µs, so splitting wins from
// about 64×64×256 on.
const PARALLEL_MIN_FLOPS = 2e6;

/** Options for `new NativeGemm`. */
export interface NativeGemmOptions {
  /** Threads that share each large GEMM or conv, the caller included (default 1). */
  threads?: number;
  /** Smallest product (or conv call), in flops, that is split across threads (tests pass 0 to split tiny ones). */
  minParallelFlops?: number;
}

/** The native backend; throws at construction where the addon did not load. */
export class NativeGemm implements Backend {
  readonly name = 'native';
  /** Threads a large GEMM or conv is split across, the caller included. */
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

  /** Convs run whole in the `conv` capability; the generic path (3-D) makes one sample's columns at a time. */
  readonly prefersBatches: Backend['prefersBatches'] = () => false;

  /**
   * 1-D/2-D convolutions, float32 or float64, a sample per task (im2col or col2im and the GEMMs, in
   * that core's cache); the weight gradient's batch in 8 fixed partitions whose partials are added in
   * order in float64, so its bits depend on the batch size, not on the thread count.
   */
  readonly conv: ConvKernels = {
    forward: (call) => this.#convForward(call),
    adjoint: (call) => this.#convAdjoint(call),
    weightGrad: (call) => this.#convWeightGrad(call),
  };

  /** Relu and 2×2 (1×2) max pooling inside the conv's tasks, right after each sample's GEMM, and their backward. */
  readonly convReluMaxPool: ConvReluMaxPoolKernels = {
    forward: (call) => this.#convReluMaxPoolForward(call),
    backward: (call) => this.#convReluMaxPoolBackward(call),
  };

  /** Adam on float32 or float64 parameters, large ones split over the pool (elementwise: any split, same bits). */
  readonly optimizer: OptimizerKernels = {
    adam: (call) => {
      const { param, paramOffset, grad, m, v, sign, beta1, beta2, stepSize, bias2Sqrt, eps } = call;
      // prettier-ignore
      return this.#addon.adamStep(param, paramOffset, grad, m, v, sign, beta1, beta2, stepSize, bias2Sqrt, eps, this.threads);
    },
  };

  #convForward({ plan, x, w, y, accumulate, bias, keep }: ConvForwardCall): number {
    const geometry = planar(plan.geom);
    if (geometry === null || plan.batch === 0) return 0;
    const { batch, groups, cOut } = plan;
    const beta = accumulate ? 1 : 0;
    // prettier-ignore
    const ran = this.#addon.convForward(geometry, groups, cOut / groups, batch, x, 0, w, 0, y, 0, keep, beta, bias,
      null, null, 0, 2, this.threads, this.#minParallelFlops);
    return ran ? batch : 0;
  }

  #convAdjoint({ plan, y, w, x }: ConvAdjointCall): number {
    const geometry = planar(plan.geom);
    if (geometry === null || plan.batch === 0) return 0;
    const { batch, groups, cOut } = plan;
    // prettier-ignore
    const ran = this.#addon.convAdjoint(geometry, groups, cOut / groups, batch, x, 0, w, 0, y, 0, this.threads,
      this.#minParallelFlops);
    return ran ? batch : 0;
  }

  #convWeightGrad({ plan, x, y, gw, kept, gb }: ConvWeightGradCall): boolean {
    const geometry = planar(plan.geom);
    if (geometry === null || plan.batch === 0) return false;
    const { batch, groups, cOut } = plan;
    // prettier-ignore
    return this.#addon.convWeightGrad(geometry, groups, cOut / groups, batch, x, 0, kept, y, 0, gw, gb, this.threads,
      this.#minParallelFlops);
  }

  #convReluMaxPoolForward({ plan, x, w, bias, y, keep, pooled, indices }: ConvReluMaxPoolCall): number {
    const geometry = planar(plan.geom);
    if (geometry === null || plan.batch === 0) return 0;
    const { batch, groups, cOut } = plan;
    const windowRows = plan.geom.outputSize.length === 2 ? 2 : 1;
    // prettier-ignore
    const ran = this.#addon.convForward(geometry, groups, cOut / groups, batch, x, 0, w, 0, y, 0, keep, 0, bias,
      pooled, indices, 0, windowRows, this.threads, this.#minParallelFlops);
    return ran ? batch : 0;
  }

  #convReluMaxPoolBackward({ plan, gradPooled, pooled, indices, gradY }: ConvReluMaxPoolBackwardCall): boolean {
    const geometry = planar(plan.geom);
    if (geometry === null) return false;
    const windowRows = plan.geom.outputSize.length === 2 ? 2 : 1;
    // prettier-ignore
    return this.#addon.maxPoolReluBackward(plan.cOut, geometry[11]!, geometry[12]!, windowRows, plan.batch,
      gradPooled, pooled, indices, gradY, this.threads);
  }
}

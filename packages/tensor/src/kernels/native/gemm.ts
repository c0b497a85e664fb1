/**
 * The native backend (native/src: C++ compiled for this machine at install) behind the `Backend`
 * seam, with the capabilities the WebAssembly kernel has (conv and the fused conv → relu → max-pool
 * through the same tasks, conv/tasks.ts, its conv of any rank up to 8 axes; Adam), in float32 and
 * float64, on the callers' own arrays
 * (no copy), split over the addon's thread pool. Mixed dtypes go to the JS kernel (or report false).
 *
 * Determinism: every kernel cuts its work at places fixed by the shapes (a sample per task; the weight
 * gradient's batch in 8 fixed partitions added in order; GEMM tiles summed over fixed k blocks), so
 * results are bit-identical for any thread count.
 */
import { rangeError } from '../../errors.js';
import {
  convKernelsOnTasks,
  convReluMaxPoolOnTasks,
  type ConvBatchTask,
  type PoolBackwardTask,
  type WeightGradTask,
} from '../conv/tasks.js';
import { checkGemmArgs, gemmEach, jsGemm } from '../gemm.js';
import type { AdamStepCall, Backend, ConvKernels, ConvReluMaxPoolKernels, Gemm, OptimizerKernels } from '../seam.js';
import { loadNative, type ConvSamples, type ConvWeightsAndOutput, type NativeAddon, type Parallel } from './loader.js';
import { checkBackendOptions } from '../backend-options.js';

// Below this many flops (2·m·n·k) a GEMM (or a whole conv call) stays on the calling thread. Measured
// on the development VM (2 cores, AVX-512): waking the pool costs a few µs, so splitting wins from
// about 64×64×256 on.
const PARALLEL_MIN_FLOPS = 2e6;

/** Options for `new NativeGemm`. */
export interface NativeGemmOptions {
  /** Threads that share each large GEMM, the caller included (default 1). */
  threads?: number;
  /** Smallest product, in flops, that is split across threads (tests pass 0 to split tiny ones). */
  minParallelFlops?: number;
}

/** What `NativeGemm.convBatch` runs: `count` samples of one convolution of 1 to 8 axes (conv/tasks.ts). */
export type NativeConvCall = ConvBatchTask;

/** What `NativeGemm.convWeightGrad` runs (conv/tasks.ts). */
export type NativeConvWeightGradCall = WeightGradTask;

/** What `NativeGemm.maxPoolReluBackward` runs (conv/tasks.ts). */
export type NativeMaxPoolReluBackwardCall = PoolBackwardTask;

/** What `NativeGemm.adamStep` runs: one Adam update, in place (the `optimizer.adam` call of seam.ts). */
export type NativeAdamCall = AdamStepCall;

/** The native backend's kernels; throws at construction where the addon did not load. */
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
    const { threads, minParallelFlops } = checkBackendOptions('NativeGemm', options);
    this.#addon = addon;
    this.threads = threads;
    this.#minParallelFlops = minParallelFlops ?? PARALLEL_MIN_FLOPS;
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

  /** Direct (1×1) convs too: the C++ tasks multiply the input itself, without columns. */
  readonly runsDirect = true;

  /** Convs of 3 to 8 spatial axes too (conv3d and convNd), the same C++ tasks generalised over the axes. */
  readonly runsAnyRank = true;

  /**
   * Convolutions by `convBatch` and `convWeightGrad`, float32 and float64. No columns are kept for the
   * weight gradient: writing the whole batch's columns costs the forward more than they save the weight
   * gradient, which remakes one sample's columns at a time in a per-thread buffer. One thread, `ENTRY=conv-parts.ts node
   * benchmarks/profile/run.mjs 1 64,32,1,14,14,64,3,1 2d`: forward 7.1 ms, 9.1 ms keeping them; weight
   * gradient 6.17 ms remade, 6.17 ms from the kept ones ([16,64,56,56]: 45.9 / 57.9 and 48.0 / 46.5 ms;
   * [8,16,8,8,8]*[32,16,3,3,3]: 2.1 / 3.2 and 2.3 / 1.6–2.0 ms). Direct kernels read the input in place.
   */
  readonly conv: ConvKernels = {
    ...convKernelsOnTasks(this),
    keepsColumns: () => false,
  };

  /** The fused block by `convBatch`'s epilogue and `maxPoolReluBackward`. */
  readonly convReluMaxPool: ConvReluMaxPoolKernels = convReluMaxPoolOnTasks(this);

  /** Adam by `adamStep`. */
  readonly optimizer: OptimizerKernels = { adam: (call) => this.adamStep(call) };

  /**
   * `count` samples of a convolution of 1 to 8 axes: forward `y[n] = W·im2col(x[n])` (+ bias, + the
   * fused ReLU → max-pool, 1-D/2-D), or adjoint `x[n] += col2im(Wᵀ·y[n])`.
   * @returns false when nothing ran (the arrays are not all one float dtype): take another path
   */
  convBatch(call: NativeConvCall): boolean {
    const { geometry, groups, cOutG, count, x, xOffset, w, wOffset, y, yOffset } = call;
    if (count <= 0) return true;
    const samples: ConvSamples = [geometry, groups, cOutG, count, x, xOffset];
    const weightsAndOutput: ConvWeightsAndOutput = [w, wOffset, y, yOffset];
    const parallel: Parallel = [this.threads, this.#minParallelFlops];
    if (call.mode === 'adjoint') return this.#addon.convAdjoint(...samples, ...weightsAndOutput, ...parallel);
    const pool = call.reluMaxPool ?? null;
    return this.#addon.convForward(
      ...samples,
      ...weightsAndOutput,
      call.cols,
      call.beta,
      call.bias ?? null,
      pool?.pooled ?? null,
      pool?.indices ?? null,
      pool?.offset ?? 0,
      pool?.windowRows ?? 2,
      ...parallel,
    );
  }

  /**
   * `gW = Σ_s y[s]·cols[s]ᵀ` per group (and `gb = Σ y` per channel when asked), the batch in 8 fixed
   * partitions summed in order: the bits depend on the batch size, not on the thread count.
   * @returns false when nothing ran (mixed dtypes, or an empty batch): take another path
   */
  convWeightGrad(call: NativeConvWeightGradCall): boolean {
    const { geometry, groups, cOutG, count, x, xOffset, cols, y, yOffset, gw, gb } = call;
    if (count <= 0) return false;
    const samples: ConvSamples = [geometry, groups, cOutG, count, x, xOffset];
    return this.#addon.convWeightGrad(...samples, cols, y, yOffset, gw, gb, this.threads, this.#minParallelFlops);
  }

  /** The backward of `convBatch`'s `reluMaxPool`, a sample per task; false when the dtypes are mixed. */
  maxPoolReluBackward(call: NativeMaxPoolReluBackwardCall): boolean {
    const { channels, h, w, windowRows, count, gradPooled, pooled, indices, gradY } = call;
    if (count <= 0) return true;
    return this.#addon.maxPoolReluBackward(
      channels,
      h,
      w,
      windowRows,
      count,
      gradPooled,
      pooled,
      indices,
      gradY,
      this.threads,
    );
  }

  /**
   * One Adam update without weight decay or AMSGrad, with the bits of `@torchlet/layers`' JS loop
   * (float64 arithmetic in the same order, moments rounded to the parameter's dtype when stored).
   * @returns false when the arrays are not all one float dtype: take the JS loop
   */
  adamStep(call: NativeAdamCall): boolean {
    const { param, paramOffset, grad, m, v, sign, beta1, beta2, stepSize, bias2Sqrt, eps } = call;
    return this.#addon.adamStep(
      param,
      paramOffset,
      grad,
      m,
      v,
      sign,
      beta1,
      beta2,
      stepSize,
      bias2Sqrt,
      eps,
      this.threads,
    );
  }
}

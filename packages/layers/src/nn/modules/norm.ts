import type { Variable } from '@torchlet/autograd';
import {
  checkInt,
  formatShape,
  full,
  rangeError,
  shapeError,
  Tensor,
  typeError,
  zeros,
  type DType,
} from '@torchlet/tensor';
import { batchNorm } from '../functional/batch-norm.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

type TensorInput = Tensor | Variable;

export interface BatchNormModuleOptions {
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
  /** Weight of each new batch in the running statistics; null for a cumulative average. Default 0.1. */
  momentum?: number | null;
  /** Learn a per-channel scale (`weight`, init 1) and shift (`bias`, init 0). Default true. */
  affine?: boolean;
  /** Keep running statistics for eval mode; without them eval uses the batch's own. Default true. */
  trackRunningStats?: boolean;
  /** Default 'float32'. */
  dtype?: DType;
}

/**
 * Shared by BatchNorm1d and BatchNorm2d, as PyTorch's `_BatchNorm`. Training normalises with the
 * batch's statistics and moves the running ones (the *unbiased* variance); eval uses the running
 * ones. The buffers keep PyTorch's names (`running_mean`, `running_var`, `num_batches_tracked`)
 * so state dicts and checkpoints carry over to PyTorch unchanged; `runningMean`, `runningVar` and
 * `numBatchesTracked` read them in camelCase.
 */
export abstract class BatchNormNd extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;

  constructor(name: string, numFeatures: number, options: BatchNormModuleOptions = {}) {
    super();
    if (options === null || typeof options !== 'object') throw typeError(name, 'options must be an object');
    this.numFeatures = checkInt(name, numFeatures, 'numFeatures', 1);
    const { eps = 1e-5, affine = true, trackRunningStats = true } = options;
    const momentum = options.momentum === undefined ? 0.1 : options.momentum;
    if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps))
      throw rangeError(name, `eps must be a finite number >= 0, got eps=${String(eps)}`);
    if (momentum !== null && (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1))) {
      throw rangeError(name, `momentum must be in [0, 1] or null, got momentum=${String(momentum)}`);
    }
    if (typeof affine !== 'boolean') throw typeError(name, `affine must be a boolean, got ${String(affine)}`);
    if (typeof trackRunningStats !== 'boolean')
      throw typeError(name, `trackRunningStats must be a boolean, got ${String(trackRunningStats)}`);
    const dtype = options.dtype ?? 'float32';
    if (dtype !== 'float32' && dtype !== 'float64')
      throw typeError(name, `dtype must be 'float32' or 'float64', got ${String(dtype)}`);
    this.eps = eps;
    this.momentum = momentum;
    this.affine = affine;
    this.trackRunningStats = trackRunningStats;
    this.weight = affine ? new Parameter(full([numFeatures], 1, { dtype })) : null;
    this.bias = affine ? new Parameter(zeros([numFeatures], { dtype })) : null;
    this.registerBuffer('running_mean', trackRunningStats ? zeros([numFeatures], { dtype }) : null);
    this.registerBuffer('running_var', trackRunningStats ? full([numFeatures], 1, { dtype }) : null);
    this.registerBuffer('num_batches_tracked', trackRunningStats ? zeros([], { dtype: 'int32' }) : null);
  }

  get runningMean(): Tensor | null {
    return this.running_mean;
  }
  get runningVar(): Tensor | null {
    return this.running_var;
  }
  /** Training batches seen since the last reset. */
  get numBatchesTracked(): number {
    return this.num_batches_tracked ? this.num_batches_tracked.data[this.num_batches_tracked.offset]! : 0;
  }

  /** Running mean 0, variance 1, count 0 (in place). */
  resetRunningStats(): void {
    this.running_mean?.data.fill(0);
    this.running_var?.data.fill(1);
    this.num_batches_tracked?.data.fill(0);
  }

  /** Statistics reset, weight 1, bias 0 (in place). */
  resetParameters(): void {
    this.resetRunningStats();
    this.weight?.data.data.fill(1);
    this.bias?.data.data.fill(0);
  }

  /** The ranks this variant accepts, for the error message. */
  protected abstract readonly ranks: readonly number[];

  forward(input: TensorInput): Variable {
    const name = this.constructor.name;
    if (!this.ranks.includes(input.ndim)) {
      throw shapeError(name, `expected ${this.ranks.join('-D or ')}-D input, got ${formatShape(input.shape)}`);
    }
    if (input.shape[1] !== this.numFeatures) {
      throw shapeError(
        name,
        `input has ${input.shape[1]} channels (axis 1 of ${formatShape(input.shape)}) but numFeatures is ${this.numFeatures}`,
      );
    }
    const perChannel = input.size / this.numFeatures;
    if (this.training && perChannel <= 1)
      throw shapeError(name, `training needs more than 1 value per channel, got input ${formatShape(input.shape)}`);
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.num_batches_tracked) {
      const count = this.num_batches_tracked;
      count.data[count.offset] = count.data[count.offset]! + 1;
      factor = this.momentum === null ? 1 / count.data[count.offset]! : this.momentum;
    }
    const useRunning = !this.training || this.trackRunningStats;
    return batchNorm(input, useRunning ? this.running_mean : null, useRunning ? this.running_var : null, {
      weight: this.weight,
      bias: this.bias,
      training: this.training || this.running_mean === null,
      momentum: factor,
      eps: this.eps,
    });
  }

  override extraRepr(): string {
    const extra = [`${this.numFeatures}`, `eps=${this.eps}`, `momentum=${this.momentum}`];
    if (!this.affine) extra.push('affine=false');
    if (!this.trackRunningStats) extra.push('trackRunningStats=false');
    return extra.join(', ');
  }
}

/**
 * Batch normalisation over `[N, C]` or `[N, C, L]`, as `torch.nn.BatchNorm1d`.
 * @example new BatchNorm1d(64).forward(x) // x [N, 64] or [N, 64, L] → same shape
 */
export class BatchNorm1d extends BatchNormNd {
  protected readonly ranks = [2, 3] as const;
  constructor(numFeatures: number, options: BatchNormModuleOptions = {}) {
    super('BatchNorm1d', numFeatures, options);
  }
}

/**
 * Batch normalisation over `[N, C, H, W]` per channel, as `torch.nn.BatchNorm2d`.
 * @example new BatchNorm2d(16).forward(x) // x [N, 16, H, W] → same shape
 */
export class BatchNorm2d extends BatchNormNd {
  protected readonly ranks = [4] as const;
  constructor(numFeatures: number, options: BatchNormModuleOptions = {}) {
    super('BatchNorm2d', numFeatures, options);
  }
}

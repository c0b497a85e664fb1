import { squeeze, unsqueeze, type Variable } from '@torchlet/autograd';
import {
  optionKeys,
  bumpVersion,
  copy_,
  checkInt,
  checkOptions,
  checkSize,
  formatShape,
  sizeOf,
  full,
  rangeError,
  shapeError,
  Tensor,
  typeError,
  zeros,
  type DType,
} from '@torchlet/tensor';
import { batchNorm } from '../functional/batch-norm.js';
import { checkNormalizedShape, groupNorm, instanceNorm, layerNorm } from '../functional/norm.js';
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
const BATCH_NORM_KEYS = optionKeys<BatchNormModuleOptions>({
  eps: true,
  momentum: true,
  affine: true,
  trackRunningStats: true,
  dtype: true,
});

/** What a norm layer with running statistics keeps, once its constructor's arguments are checked. */
export interface NormState {
  numFeatures: number;
  eps: number;
  momentum: number | null;
  affine: boolean;
  trackRunningStats: boolean;
  dtype: DType;
}

/**
 * Shared by BatchNormNd and InstanceNormNd, as PyTorch's `_NormBase`: the options, the affine
 * `weight` (1) and `bias` (0) of `[numFeatures]`, and the running statistics as buffers under
 * PyTorch's names. Registration order is the state dict's key order (checkpoints and the PyTorch
 * interop rely on it): weight, bias, running_mean, running_var, num_batches_tracked.
 */
export abstract class NormBase extends Module {
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

  constructor({ numFeatures, eps, momentum, affine, trackRunningStats, dtype }: NormState) {
    super();
    this.numFeatures = numFeatures;
    this.eps = eps;
    this.momentum = momentum;
    this.affine = affine;
    this.trackRunningStats = trackRunningStats;
    this.weight = affine ? new Parameter(full([numFeatures], 1, { dtype })) : null;
    this.bias = affine ? new Parameter(zeros([numFeatures], { dtype })) : null;
    const track = trackRunningStats;
    this.registerBuffer('running_mean', track ? zeros([numFeatures], { dtype }) : null);
    this.registerBuffer('running_var', track ? full([numFeatures], 1, { dtype }) : null);
    // Instance norm keeps it too, for state-dict parity with PyTorch, which registers it but never counts there.
    this.registerBuffer('num_batches_tracked', track ? zeros([], { dtype: 'int32' }) : null);
  }

  get runningMean(): Tensor | null {
    return this.running_mean;
  }
  get runningVar(): Tensor | null {
    return this.running_var;
  }
}

/** BatchNorm's constructor arguments, checked, with PyTorch's defaults. */
function batchNormState(name: string, numFeatures: number, options: BatchNormModuleOptions): NormState {
  checkOptions(name, options, BATCH_NORM_KEYS);
  checkInt(name, numFeatures, 'numFeatures', 1);
  checkSize(name, numFeatures, `numFeatures=${numFeatures}`);
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
  return { numFeatures, eps, momentum, affine, trackRunningStats, dtype };
}

export abstract class BatchNormNd extends NormBase {
  constructor(name: string, numFeatures: number, options: BatchNormModuleOptions = {}) {
    super(batchNormState(name, numFeatures, options));
  }

  /** Training batches seen since the last reset. */
  get numBatchesTracked(): number {
    return this.num_batches_tracked ? this.num_batches_tracked.data[this.num_batches_tracked.offset]! : 0;
  }

  /** Running mean 0, variance 1, count 0 (in place). */
  resetRunningStats(): void {
    if (this.running_mean) copy_(this.running_mean, 0);
    if (this.running_var) copy_(this.running_var, 1);
    if (this.num_batches_tracked) copy_(this.num_batches_tracked, 0);
  }

  /** Statistics reset, weight 1, bias 0 (in place). */
  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight) copy_(this.weight.data, 1);
    if (this.bias) copy_(this.bias.data, 0);
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
    // Exactly one value per channel has no variance; an empty batch is an empty output, as PyTorch.
    const perChannel = input.size / this.numFeatures;
    if (this.training && perChannel === 1)
      throw shapeError(name, `training needs more than 1 value per channel, got input ${formatShape(input.shape)}`);
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.num_batches_tracked) {
      const count = this.num_batches_tracked;
      count.data[count.offset] = count.data[count.offset]! + 1;
      bumpVersion(count);
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

/**
 * Batch normalisation over `[N, C, D, H, W]` per channel, as `torch.nn.BatchNorm3d`.
 * @example new BatchNorm3d(8).forward(x) // x [N, 8, D, H, W] → same shape
 */
export class BatchNorm3d extends BatchNormNd {
  protected readonly ranks = [5] as const;
  constructor(numFeatures: number, options: BatchNormModuleOptions = {}) {
    super('BatchNorm3d', numFeatures, options);
  }
}

function checkDType(op: string, dtype: unknown): DType {
  if (dtype !== 'float32' && dtype !== 'float64')
    throw typeError(op, `dtype must be 'float32' or 'float64', got ${String(dtype)}`);
  return dtype;
}

function checkBool(op: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw typeError(op, `${name} must be a boolean, got ${String(value)}`);
  return value;
}

function checkEps(op: string, eps: unknown): number {
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps))
    throw rangeError(op, `eps must be a finite number >= 0, got eps=${String(eps)}`);
  return eps;
}

export interface LayerNormModuleOptions {
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
  /** Learn an elementwise scale (`weight`, init 1) and shift (`bias`, init 0) of `normalizedShape`. Default true. */
  elementwiseAffine?: boolean;
  /** Default 'float32'. */
  dtype?: DType;
}

/**
 * Layer normalisation over the last axes, as `torch.nn.LayerNorm`. `weight`, `bias`: `normalizedShape`.
 * @example new LayerNorm(64).forward(x) // x [N, L, 64] → same shape
 */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormModuleOptions = {}) {
    super();
    const op = 'LayerNorm';
    const shape = checkNormalizedShape(op, normalizedShape, String);
    checkSize(op, sizeOf(shape), `normalizedShape=${formatShape(shape)}`);
    const o = checkOptions(
      op,
      options,
      optionKeys<LayerNormModuleOptions>({ eps: true, elementwiseAffine: true, dtype: true }),
    );
    this.normalizedShape = [...shape];
    this.eps = checkEps(op, o.eps ?? 1e-5);
    this.elementwiseAffine = checkBool(op, 'elementwiseAffine', o.elementwiseAffine ?? true);
    const dtype = checkDType(op, o.dtype ?? 'float32');
    this.weight = this.elementwiseAffine ? new Parameter(full(shape, 1, { dtype })) : null;
    this.bias = this.elementwiseAffine ? new Parameter(zeros(shape, { dtype })) : null;
  }

  /** Weight 1, bias 0 (in place). */
  resetParameters(): void {
    this.weight?.data.data.fill(1);
    this.bias?.data.data.fill(0);
  }

  /** `input [..., ...normalizedShape]` → same shape */
  forward(input: TensorInput): Variable {
    return layerNorm(input, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    const extra = [formatShape(this.normalizedShape), `eps=${this.eps}`];
    if (!this.elementwiseAffine) extra.push('elementwiseAffine=false');
    return extra.join(', ');
  }
}

export interface GroupNormModuleOptions {
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
  /** Learn a per-channel scale (`weight`, init 1) and shift (`bias`, init 0). Default true. */
  affine?: boolean;
  /** Default 'float32'. */
  dtype?: DType;
}

/**
 * Group normalisation, as `torch.nn.GroupNorm`: channels split into `numGroups` groups, each
 * normalised per sample. `weight`, `bias`: `[numChannels]`.
 * @example new GroupNorm(4, 32).forward(x) // x [N, 32, H, W] → same shape
 */
export class GroupNorm extends Module {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly affine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(numGroups: number, numChannels: number, options: GroupNormModuleOptions = {}) {
    super();
    const op = 'GroupNorm';
    this.numGroups = checkInt(op, numGroups, 'numGroups', 1);
    this.numChannels = checkInt(op, numChannels, 'numChannels', 1);
    checkSize(op, numChannels, `numChannels=${numChannels}`);
    if (numChannels % numGroups !== 0)
      throw rangeError(op, `numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`);
    const o = checkOptions(op, options, optionKeys<GroupNormModuleOptions>({ eps: true, affine: true, dtype: true }));
    this.eps = checkEps(op, o.eps ?? 1e-5);
    this.affine = checkBool(op, 'affine', o.affine ?? true);
    const dtype = checkDType(op, o.dtype ?? 'float32');
    this.weight = this.affine ? new Parameter(full([numChannels], 1, { dtype })) : null;
    this.bias = this.affine ? new Parameter(zeros([numChannels], { dtype })) : null;
  }

  /** Weight 1, bias 0 (in place). */
  resetParameters(): void {
    this.weight?.data.data.fill(1);
    this.bias?.data.data.fill(0);
  }

  /** `input [N, numChannels, ...]` → same shape */
  forward(input: TensorInput): Variable {
    if (input.ndim >= 2 && input.shape[1] !== this.numChannels)
      throw shapeError(
        'GroupNorm',
        `input has ${input.shape[1]} channels (axis 1 of ${formatShape(input.shape)}) but numChannels is ${this.numChannels}`,
      );
    return groupNorm(input, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}${this.affine ? '' : ', affine=false'}`;
  }
}

export interface InstanceNormModuleOptions extends Omit<BatchNormModuleOptions, 'momentum'> {
  /** Weight of each new batch in the running statistics. Default 0.1. */
  momentum?: number;
}

/** InstanceNorm's constructor arguments, checked, with PyTorch's defaults. */
function instanceNormState(name: string, numFeatures: number, options: InstanceNormModuleOptions): NormState {
  const o = checkOptions(name, options, BATCH_NORM_KEYS);
  checkInt(name, numFeatures, 'numFeatures', 1);
  const eps = checkEps(name, o.eps ?? 1e-5);
  const momentum = o.momentum ?? 0.1;
  if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1))
    throw rangeError(name, `momentum must be in [0, 1], got momentum=${String(momentum)}`);
  const affine = checkBool(name, 'affine', o.affine ?? false);
  const trackRunningStats = checkBool(name, 'trackRunningStats', o.trackRunningStats ?? false);
  const dtype = checkDType(name, o.dtype ?? 'float32');
  // Without parameters or buffers nothing is allocated (as PyTorch, any numFeatures constructs).
  if (affine || trackRunningStats) checkSize(name, numFeatures, `numFeatures=${numFeatures}`);
  return { numFeatures, eps, momentum, affine, trackRunningStats, dtype };
}

/**
 * Shared by InstanceNorm1d/2d/3d, as PyTorch's `_InstanceNorm`: defaults `affine: false` and
 * `trackRunningStats: false`. With running statistics, training updates them and eval uses them;
 * without, every mode normalises each instance by its own statistics. An input without the batch
 * axis (`[C, L]` for 1d) is treated as one sample.
 * Differs from PyTorch: a channel count other than `numFeatures` is an error even when not affine
 * (PyTorch only warns).
 */
export abstract class InstanceNormNd extends NormBase {
  declare readonly momentum: number;
  /** Spatial axes: 1, 2 or 3. */
  protected abstract readonly spatialDims: number;

  constructor(name: string, numFeatures: number, options: InstanceNormModuleOptions = {}) {
    super(instanceNormState(name, numFeatures, options));
  }

  /** `[N, C, ...spatial]` or `[C, ...spatial]` → same shape */
  forward(input: TensorInput): Variable {
    const name = this.constructor.name;
    const d = this.spatialDims;
    if (input.ndim !== d + 1 && input.ndim !== d + 2)
      throw shapeError(name, `expected ${d + 1}-D (unbatched) or ${d + 2}-D input, got ${formatShape(input.shape)}`);
    const unbatched = input.ndim === d + 1;
    const channels = input.shape[unbatched ? 0 : 1];
    if (channels !== this.numFeatures)
      throw shapeError(
        name,
        `input has ${channels} channels (axis ${unbatched ? 0 : 1} of ${formatShape(input.shape)}) but numFeatures is ${this.numFeatures}`,
      );
    const x = unbatched ? unsqueeze(input, 0) : input;
    const y = instanceNorm(x, {
      runningMean: this.running_mean,
      runningVar: this.running_var,
      weight: this.weight,
      bias: this.bias,
      useInputStats: this.training || !this.trackRunningStats,
      momentum: this.momentum,
      eps: this.eps,
    });
    return unbatched ? squeeze(y, 0) : y;
  }

  override extraRepr(): string {
    const extra = [`${this.numFeatures}`, `eps=${this.eps}`, `momentum=${this.momentum}`];
    if (this.affine) extra.push('affine=true');
    if (this.trackRunningStats) extra.push('trackRunningStats=true');
    return extra.join(', ');
  }
}

/** Instance normalisation over `[N, C, L]` (or `[C, L]`), as `torch.nn.InstanceNorm1d`. */
export class InstanceNorm1d extends InstanceNormNd {
  protected readonly spatialDims = 1;
  constructor(numFeatures: number, options: InstanceNormModuleOptions = {}) {
    super('InstanceNorm1d', numFeatures, options);
  }
}

/** Instance normalisation over `[N, C, H, W]` (or `[C, H, W]`), as `torch.nn.InstanceNorm2d`. */
export class InstanceNorm2d extends InstanceNormNd {
  protected readonly spatialDims = 2;
  constructor(numFeatures: number, options: InstanceNormModuleOptions = {}) {
    super('InstanceNorm2d', numFeatures, options);
  }
}

/** Instance normalisation over `[N, C, D, H, W]` (or `[C, D, H, W]`), as `torch.nn.InstanceNorm3d`. */
export class InstanceNorm3d extends InstanceNormNd {
  protected readonly spatialDims = 3;
  constructor(numFeatures: number, options: InstanceNormModuleOptions = {}) {
    super('InstanceNorm3d', numFeatures, options);
  }
}

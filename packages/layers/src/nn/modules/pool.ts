import type { Variable } from '@torchlet/autograd';
import { checkOptions, optionKeys, rangeError, typeError, describeOption, spatialTuple } from '@torchlet/tensor';
import {
  adaptiveAvgPool1d,
  adaptiveAvgPool2d,
  adaptiveAvgPool3d,
  adaptiveAvgPoolNd,
  adaptiveMaxPool1d,
  adaptiveMaxPool2d,
  adaptiveMaxPool3d,
  adaptiveMaxPoolNd,
  checkAdaptiveOutputSize,
  type AdaptiveOutputSize,
  type AdaptiveOutputSize2d,
} from '../functional/adaptive-pool.js';
import { type SpatialArg, type TensorInput } from '../functional/conv-options.js';
import {
  avgPool1d,
  avgPool2d,
  avgPool3d,
  avgPoolNd,
  checkPoolRank,
  maxPool1d,
  maxPool2d,
  maxPool3d,
  maxPoolNd,
  type AvgPoolOptions,
  type MaxPoolOptions,
} from '../functional/pool.js';
import { Module } from './module.js';

export type MaxPoolModuleOptions = Omit<MaxPoolOptions, 'kernelSize' | 'returnIndices'>;
export type AvgPoolModuleOptions = Omit<AvgPoolOptions, 'kernelSize'>;

const MAX_POOL_MODULE_KEYS = optionKeys<MaxPoolModuleOptions>({
  stride: true,
  padding: true,
  dilation: true,
  ceilMode: true,
});
const AVG_POOL_MODULE_KEYS = optionKeys<AvgPoolModuleOptions>({
  stride: true,
  padding: true,
  ceilMode: true,
  countIncludePad: true,
  divisorOverride: true,
});

/** Checks at construction what needs no input: the sizes, the flags and the half-kernel padding rule. */
function checkPoolOptions(
  name: string,
  dims: number,
  kernelSize: SpatialArg,
  options: MaxPoolModuleOptions & AvgPoolModuleOptions,
): void {
  checkOptions(name, options, name.startsWith('MaxPool') ? MAX_POOL_MODULE_KEYS : AVG_POOL_MODULE_KEYS);
  const kernel = spatialTuple(name, 'kernelSize', kernelSize, dims, 1);
  if (options.stride != null) spatialTuple(name, 'stride', options.stride, dims, 1);
  if (options.dilation !== undefined) spatialTuple(name, 'dilation', options.dilation, dims, 1);
  const padding = spatialTuple(name, 'padding', options.padding ?? 0, dims, 0);
  if (padding.some((p, i) => p > Math.floor(kernel[i]! / 2))) {
    throw rangeError(
      name,
      `padding must be at most half of kernelSize, got padding=${describeOption(options.padding)} with kernelSize=${describeOption(kernelSize)}`,
    );
  }
  for (const flag of ['ceilMode', 'countIncludePad'] as const) {
    const value = options[flag];
    if (value != null && typeof value !== 'boolean')
      throw typeError(name, `${flag} must be a boolean, got ${describeOption(value)}`);
  }
  const override = options.divisorOverride;
  if (override != null) {
    if (typeof override !== 'number' || !Number.isInteger(override))
      throw typeError(name, `divisorOverride must be an integer or null, got ${describeOption(override)}`);
    if (override === 0) throw rangeError(name, 'divisorOverride must not be zero');
  }
}

/** `kernelSize=2, stride=1, ...`: the kernel, then the options that were given. */
function poolRepr(kernelSize: SpatialArg, options: object): string {
  const parts = [`kernelSize=${describeOption(kernelSize)}`];
  for (const [key, value] of Object.entries(options))
    if (value !== undefined && value !== null) parts.push(`${key}=${describeOption(value)}`);
  return parts.join(', ');
}

/** What max and average pooling modules share: a kernel size and options checked at construction. */
abstract class PoolNd<O extends MaxPoolModuleOptions | AvgPoolModuleOptions> extends Module {
  readonly kernelSize: SpatialArg;
  readonly options: O;

  protected constructor(name: string, dims: number, kernelSize: SpatialArg, options: O) {
    super();
    checkPoolOptions(name, dims, kernelSize, options);
    this.kernelSize = kernelSize;
    this.options = { ...options };
  }

  override extraRepr(): string {
    return poolRepr(this.kernelSize, this.options);
  }
}

/**
 * 1-D max pooling, as `torch.nn.MaxPool1d`. Differs from PyTorch: for the indices call
 * `forwardWithIndices` instead of passing `returnIndices`.
 * @example new MaxPool1d(2).forward(randn([1, 4, 16])).shape // [1, 4, 8]
 */
export class MaxPool1d extends PoolNd<MaxPoolModuleOptions> {
  constructor(kernelSize: SpatialArg, options: MaxPoolModuleOptions = {}) {
    super('MaxPool1d', 1, kernelSize, options);
  }

  /** `input [N, C, L]` (or `[C, L]`) → `[N, C, Lout]` */
  forward(input: TensorInput): Variable {
    return maxPool1d(input, { ...this.options, kernelSize: this.kernelSize });
  }

  /** As `forward`, plus the int32 position in `[0, L)` of each maximum. */
  forwardWithIndices(input: TensorInput): [Variable, Variable] {
    return maxPool1d(input, { ...this.options, kernelSize: this.kernelSize, returnIndices: true });
  }
}

/**
 * 2-D max pooling, as `torch.nn.MaxPool2d`. Differs from PyTorch: for the indices call
 * `forwardWithIndices` instead of passing `returnIndices`.
 * @example new MaxPool2d(2).forward(randn([1, 6, 28, 28])).shape // [1, 6, 14, 14]
 */
export class MaxPool2d extends PoolNd<MaxPoolModuleOptions> {
  constructor(kernelSize: SpatialArg, options: MaxPoolModuleOptions = {}) {
    super('MaxPool2d', 2, kernelSize, options);
  }

  /** `input [N, C, H, W]` (or `[C, H, W]`) → `[N, C, Hout, Wout]` */
  forward(input: TensorInput): Variable {
    return maxPool2d(input, { ...this.options, kernelSize: this.kernelSize });
  }

  /** As `forward`, plus the int32 flat index `h·W + w` of each maximum within its plane. */
  forwardWithIndices(input: TensorInput): [Variable, Variable] {
    return maxPool2d(input, { ...this.options, kernelSize: this.kernelSize, returnIndices: true });
  }
}

/**
 * 1-D average pooling, as `torch.nn.AvgPool1d` (divisor rules as `avgPool1d`).
 * @example new AvgPool1d(3, { stride: 2, padding: 1 }).forward(randn([1, 2, 9])).shape // [1, 2, 5]
 */
export class AvgPool1d extends PoolNd<AvgPoolModuleOptions> {
  constructor(kernelSize: SpatialArg, options: AvgPoolModuleOptions = {}) {
    super('AvgPool1d', 1, kernelSize, options);
  }

  /** `input [N, C, L]` (or `[C, L]`) → `[N, C, Lout]` */
  forward(input: TensorInput): Variable {
    return avgPool1d(input, { ...this.options, kernelSize: this.kernelSize });
  }
}

/**
 * 2-D average pooling, as `torch.nn.AvgPool2d` (divisor rules as `avgPool2d`).
 * @example new AvgPool2d(2).forward(randn([1, 6, 28, 28])).shape // [1, 6, 14, 14]
 */
export class AvgPool2d extends PoolNd<AvgPoolModuleOptions> {
  constructor(kernelSize: SpatialArg, options: AvgPoolModuleOptions = {}) {
    super('AvgPool2d', 2, kernelSize, options);
  }

  /** `input [N, C, H, W]` (or `[C, H, W]`) → `[N, C, Hout, Wout]` */
  forward(input: TensorInput): Variable {
    return avgPool2d(input, { ...this.options, kernelSize: this.kernelSize });
  }
}

/**
 * 3-D max pooling, as `torch.nn.MaxPool3d`. Differs from PyTorch: for the indices call
 * `forwardWithIndices` instead of passing `returnIndices`.
 * @example new MaxPool3d(2).forward(randn([1, 2, 8, 8, 8])).shape // [1, 2, 4, 4, 4]
 */
export class MaxPool3d extends PoolNd<MaxPoolModuleOptions> {
  constructor(kernelSize: SpatialArg, options: MaxPoolModuleOptions = {}) {
    super('MaxPool3d', 3, kernelSize, options);
  }

  /** `input [N, C, D, H, W]` (or `[C, D, H, W]`) → `[N, C, Dout, Hout, Wout]` */
  forward(input: TensorInput): Variable {
    return maxPool3d(input, { ...this.options, kernelSize: this.kernelSize });
  }

  /** As `forward`, plus the int32 flat index `(d·H + h)·W + w` of each maximum within its plane. */
  forwardWithIndices(input: TensorInput): [Variable, Variable] {
    return maxPool3d(input, { ...this.options, kernelSize: this.kernelSize, returnIndices: true });
  }
}

/**
 * 3-D average pooling, as `torch.nn.AvgPool3d` (divisor rules as `avgPool1d`).
 * @example new AvgPool3d(2).forward(randn([1, 2, 8, 8, 8])).shape // [1, 2, 4, 4, 4]
 */
export class AvgPool3d extends PoolNd<AvgPoolModuleOptions> {
  constructor(kernelSize: SpatialArg, options: AvgPoolModuleOptions = {}) {
    super('AvgPool3d', 3, kernelSize, options);
  }

  /** `input [N, C, D, H, W]` (or `[C, D, H, W]`) → `[N, C, Dout, Hout, Wout]` */
  forward(input: TensorInput): Variable {
    return avgPool3d(input, { ...this.options, kernelSize: this.kernelSize });
  }
}

/**
 * Max pooling over `dims` axes (any number; PyTorch stops at MaxPool3d), over `maxPoolNd`.
 * @example new MaxPoolNd(4, 2).forward(randn([1, 2, 4, 4, 4, 4])).shape // [1, 2, 2, 2, 2, 2]
 */
export class MaxPoolNd extends PoolNd<MaxPoolModuleOptions> {
  constructor(
    readonly dims: number,
    kernelSize: SpatialArg,
    options: MaxPoolModuleOptions = {},
  ) {
    super('MaxPoolNd', checkPoolRank('MaxPoolNd', dims), kernelSize, options);
  }

  /** `input [N, C, ...spatial]` (or `[C, ...spatial]`, `dims` spatial axes) → `[N, C, ...outSize]` */
  forward(input: TensorInput): Variable {
    return maxPoolNd(input, this.dims, { ...this.options, kernelSize: this.kernelSize });
  }

  /** As `forward`, plus the int32 row-major flat index of each maximum within its plane. */
  forwardWithIndices(input: TensorInput): [Variable, Variable] {
    return maxPoolNd(input, this.dims, { ...this.options, kernelSize: this.kernelSize, returnIndices: true });
  }
}

/**
 * Average pooling over `dims` axes (any number), over `avgPoolNd` (divisor rules as `avgPool1d`).
 * @example new AvgPoolNd(4, 2).forward(randn([1, 2, 4, 4, 4, 4])).shape // [1, 2, 2, 2, 2, 2]
 */
export class AvgPoolNd extends PoolNd<AvgPoolModuleOptions> {
  constructor(
    readonly dims: number,
    kernelSize: SpatialArg,
    options: AvgPoolModuleOptions = {},
  ) {
    super('AvgPoolNd', checkPoolRank('AvgPoolNd', dims), kernelSize, options);
  }

  /** `input [N, C, ...spatial]` (or `[C, ...spatial]`, `dims` spatial axes) → `[N, C, ...outSize]` */
  forward(input: TensorInput): Variable {
    return avgPoolNd(input, this.dims, { ...this.options, kernelSize: this.kernelSize });
  }
}

/** What the adaptive pooling modules share: a rank and an output size checked at construction. */
abstract class AdaptivePool extends Module {
  readonly outputSize: AdaptiveOutputSize;

  protected constructor(
    name: string,
    readonly dims: number,
    outputSize: AdaptiveOutputSize,
  ) {
    super();
    checkAdaptiveOutputSize(name, outputSize, dims);
    this.outputSize = outputSize;
  }

  override extraRepr(): string {
    return `outputSize=${describeOption(this.outputSize)}`;
  }
}

/** Adaptive average pooling of any rank (the base of AdaptiveAvgPool1d/2d/3d). */
export class AdaptiveAvgPoolNd extends AdaptivePool {
  /**
   * Adaptive average pooling over `dims` axes (any number; PyTorch stops at 3).
   * @example new AdaptiveAvgPoolNd(4, 1).forward(randn([1, 2, 3, 4, 5, 6])).shape // [1, 2, 1, 1, 1, 1]
   */
  constructor(dims: number, outputSize: AdaptiveOutputSize, name = 'AdaptiveAvgPoolNd') {
    super(name, checkPoolRank(name, dims), outputSize);
  }

  /** `input [N, C, ...spatial]` (or `[C, ...spatial]`) → `[N, C, ...outputSize]` */
  forward(input: TensorInput): Variable {
    return adaptiveAvgPoolNd(input, this.dims, this.outputSize);
  }
}

/** Adaptive max pooling of any rank (the base of AdaptiveMaxPool1d/2d/3d). */
export class AdaptiveMaxPoolNd extends AdaptivePool {
  /**
   * Adaptive max pooling over `dims` axes (any number). Differs from PyTorch: for the indices call
   * `forwardWithIndices` instead of passing `return_indices`.
   * @example new AdaptiveMaxPoolNd(4, 2).forward(randn([1, 2, 3, 4, 5, 6])).shape // [1, 2, 2, 2, 2, 2]
   */
  constructor(dims: number, outputSize: AdaptiveOutputSize, name = 'AdaptiveMaxPoolNd') {
    super(name, checkPoolRank(name, dims), outputSize);
  }

  /** `input [N, C, ...spatial]` (or `[C, ...spatial]`) → `[N, C, ...outputSize]` */
  forward(input: TensorInput): Variable {
    return adaptiveMaxPoolNd(input, this.dims, this.outputSize);
  }

  /** As `forward`, plus the int32 row-major flat index of each maximum within its plane. */
  forwardWithIndices(input: TensorInput): [Variable, Variable] {
    return adaptiveMaxPoolNd(input, this.dims, this.outputSize, { returnIndices: true });
  }
}

/**
 * 1-D adaptive average pooling, as `torch.nn.AdaptiveAvgPool1d`: `[N, C, L]` → `[N, C, outputSize]`.
 * @example new AdaptiveAvgPool1d(1).forward(randn([2, 16, 50])).shape // [2, 16, 1]
 */
export class AdaptiveAvgPool1d extends AdaptiveAvgPoolNd {
  constructor(outputSize: AdaptiveOutputSize) {
    super(1, outputSize, 'AdaptiveAvgPool1d');
  }

  /** `input [N, C, L]` (or `[C, L]`) → `[N, C, Lout]` */
  override forward(input: TensorInput): Variable {
    return adaptiveAvgPool1d(input, this.outputSize);
  }
}

/**
 * 2-D adaptive average pooling, as `torch.nn.AdaptiveAvgPool2d`: any input size to `outputSize`.
 * @example new AdaptiveAvgPool2d(1).forward(randn([2, 512, 7, 7])).shape // [2, 512, 1, 1]
 */
export class AdaptiveAvgPool2d extends AdaptiveAvgPoolNd {
  constructor(outputSize: AdaptiveOutputSize2d) {
    super(2, outputSize, 'AdaptiveAvgPool2d');
  }

  /** `input [N, C, H, W]` (or `[C, H, W]`) → `[N, C, Hout, Wout]` */
  override forward(input: TensorInput): Variable {
    // The constructor took an AdaptiveOutputSize2d.
    return adaptiveAvgPool2d(input, this.outputSize as AdaptiveOutputSize2d);
  }
}

/**
 * 3-D adaptive average pooling, as `torch.nn.AdaptiveAvgPool3d`.
 * @example new AdaptiveAvgPool3d([1, 2, 2]).forward(randn([1, 4, 5, 6, 7])).shape // [1, 4, 1, 2, 2]
 */
export class AdaptiveAvgPool3d extends AdaptiveAvgPoolNd {
  constructor(outputSize: AdaptiveOutputSize) {
    super(3, outputSize, 'AdaptiveAvgPool3d');
  }

  /** `input [N, C, D, H, W]` (or `[C, D, H, W]`) → `[N, C, Dout, Hout, Wout]` */
  override forward(input: TensorInput): Variable {
    return adaptiveAvgPool3d(input, this.outputSize);
  }
}

/**
 * 1-D adaptive max pooling, as `torch.nn.AdaptiveMaxPool1d` (indices via `forwardWithIndices`).
 * @example new AdaptiveMaxPool1d(4).forward(randn([2, 16, 50])).shape // [2, 16, 4]
 */
export class AdaptiveMaxPool1d extends AdaptiveMaxPoolNd {
  constructor(outputSize: AdaptiveOutputSize) {
    super(1, outputSize, 'AdaptiveMaxPool1d');
  }

  /** `input [N, C, L]` (or `[C, L]`) → `[N, C, Lout]` */
  override forward(input: TensorInput): Variable {
    return adaptiveMaxPool1d(input, this.outputSize);
  }

  override forwardWithIndices(input: TensorInput): [Variable, Variable] {
    return adaptiveMaxPool1d(input, this.outputSize, { returnIndices: true });
  }
}

/**
 * 2-D adaptive max pooling, as `torch.nn.AdaptiveMaxPool2d`. Differs from PyTorch: for the
 * indices call `forwardWithIndices` instead of passing `return_indices`.
 * @example new AdaptiveMaxPool2d([2, 2]).forward(randn([1, 3, 9, 9])).shape // [1, 3, 2, 2]
 */
export class AdaptiveMaxPool2d extends AdaptiveMaxPoolNd {
  constructor(outputSize: AdaptiveOutputSize2d) {
    super(2, outputSize, 'AdaptiveMaxPool2d');
  }

  /** `input [N, C, H, W]` (or `[C, H, W]`) → `[N, C, Hout, Wout]` */
  override forward(input: TensorInput): Variable {
    return adaptiveMaxPool2d(input, this.outputSize as AdaptiveOutputSize2d);
  }

  override forwardWithIndices(input: TensorInput): [Variable, Variable] {
    return adaptiveMaxPool2d(input, this.outputSize as AdaptiveOutputSize2d, { returnIndices: true });
  }
}

/**
 * 3-D adaptive max pooling, as `torch.nn.AdaptiveMaxPool3d` (indices via `forwardWithIndices`).
 * @example new AdaptiveMaxPool3d(2).forward(randn([1, 4, 5, 6, 7])).shape // [1, 4, 2, 2, 2]
 */
export class AdaptiveMaxPool3d extends AdaptiveMaxPoolNd {
  constructor(outputSize: AdaptiveOutputSize) {
    super(3, outputSize, 'AdaptiveMaxPool3d');
  }

  /** `input [N, C, D, H, W]` (or `[C, D, H, W]`) → `[N, C, Dout, Hout, Wout]` */
  override forward(input: TensorInput): Variable {
    return adaptiveMaxPool3d(input, this.outputSize);
  }

  override forwardWithIndices(input: TensorInput): [Variable, Variable] {
    return adaptiveMaxPool3d(input, this.outputSize, { returnIndices: true });
  }
}

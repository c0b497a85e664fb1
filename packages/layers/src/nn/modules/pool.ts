import type { Variable } from '@torchlet/autograd';
import { checkOptions, optionKeys, rangeError, typeError, describeOption, spatialTuple } from '@torchlet/tensor';
import { adaptiveAvgPool2d, adaptiveMaxPool2d, type AdaptiveOutputSize } from '../functional/adaptive-pool.js';
import { type SpatialArg, type TensorInput } from '../functional/conv-options.js';
import {
  avgPool1d,
  avgPool2d,
  maxPool1d,
  maxPool2d,
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

function checkOutputSize(name: string, outputSize: unknown): AdaptiveOutputSize {
  const sizes = typeof outputSize === 'number' ? [outputSize] : outputSize;
  if (
    !Array.isArray(sizes) ||
    (typeof outputSize !== 'number' && sizes.length !== 2) ||
    sizes.some((s) => s !== null && (typeof s !== 'number' || !Number.isInteger(s)))
  ) {
    throw typeError(
      name,
      `outputSize must be an integer or [h, w] of integers or null, got outputSize=${describeOption(outputSize)}`,
    );
  }
  if (sizes.some((s) => s !== null && s < 1))
    throw rangeError(name, `outputSize must be positive, got outputSize=${describeOption(outputSize)}`);
  return outputSize as AdaptiveOutputSize;
}

/**
 * 2-D adaptive average pooling, as `torch.nn.AdaptiveAvgPool2d`: any input size to `outputSize`.
 * @example new AdaptiveAvgPool2d(1).forward(randn([2, 512, 7, 7])).shape // [2, 512, 1, 1]
 */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: AdaptiveOutputSize;

  constructor(outputSize: AdaptiveOutputSize) {
    super();
    this.outputSize = checkOutputSize('AdaptiveAvgPool2d', outputSize);
  }

  /** `input [N, C, H, W]` (or `[C, H, W]`) → `[N, C, Hout, Wout]` */
  forward(input: TensorInput): Variable {
    return adaptiveAvgPool2d(input, this.outputSize);
  }

  override extraRepr(): string {
    return `outputSize=${describeOption(this.outputSize)}`;
  }
}

/**
 * 2-D adaptive max pooling, as `torch.nn.AdaptiveMaxPool2d`. Differs from PyTorch: for the
 * indices call `forwardWithIndices` instead of passing `return_indices`.
 * @example new AdaptiveMaxPool2d([2, 2]).forward(randn([1, 3, 9, 9])).shape // [1, 3, 2, 2]
 */
export class AdaptiveMaxPool2d extends Module {
  readonly outputSize: AdaptiveOutputSize;

  constructor(outputSize: AdaptiveOutputSize) {
    super();
    this.outputSize = checkOutputSize('AdaptiveMaxPool2d', outputSize);
  }

  /** `input [N, C, H, W]` (or `[C, H, W]`) → `[N, C, Hout, Wout]` */
  forward(input: TensorInput): Variable {
    return adaptiveMaxPool2d(input, this.outputSize);
  }

  /** As `forward`, plus the int32 flat index `h·W + w` of each maximum within its plane. */
  forwardWithIndices(input: TensorInput): [Variable, Variable] {
    return adaptiveMaxPool2d(input, this.outputSize, { returnIndices: true });
  }

  override extraRepr(): string {
    return `outputSize=${describeOption(this.outputSize)}`;
  }
}

import { checkOptions, describeOption, describeValue, formatSize, optionKeys, spatialTuple } from '../check.js';
import { rangeError, shapeError, typeError } from '../errors.js';

/**
 * Everything a convolution-like kernel needs about one sample's spatial layout, per spatial axis
 * (one or more of them: `[L]`, `[H, W]`, `[D, H, W]`, ...). Built and checked by `convGeometry`;
 * kernels (im2col, col2im, pooling) trust it.
 *
 * `outputSize[i] = floor((inputSize[i] + padBefore[i] + padAfter[i] − dilation[i]·(kernelSize[i] − 1) − 1) / stride[i]) + 1`
 */
export interface ConvGeometry {
  /** Input channels seen by one kernel window (`Cin / groups` for grouped convolution). */
  readonly channels: number;
  readonly inputSize: readonly number[];
  readonly kernelSize: readonly number[];
  readonly stride: readonly number[];
  /** Zeros read before the first element of each axis (top / left / front). */
  readonly padBefore: readonly number[];
  /** Zeros read after the last element of each axis (bottom / right / back). */
  readonly padAfter: readonly number[];
  readonly dilation: readonly number[];
  readonly outputSize: readonly number[];
}

/** One value for every spatial axis, or a tuple with one entry per axis. */
export type SizeArg = number | readonly number[];

export interface ConvGeometryOptions {
  channels: number;
  /** Spatial sizes of one sample: `[L]`, `[H, W]`, `[D, H, W]` or more axes. */
  inputSize: readonly number[];
  kernelSize: SizeArg;
  /** Default 1. */
  stride?: SizeArg;
  /** Zeros before each axis. Default 0. */
  padding?: SizeArg;
  /** Zeros after each axis. Default: `padding` (symmetric). */
  paddingAfter?: SizeArg;
  /** Default 1. */
  dilation?: SizeArg;
}

/**
 * Validates convolution options against one sample's spatial size and computes the output size.
 *
 * @param op  the public op reporting errors, e.g. `'conv2d'`
 * @returns the geometry, every per-axis field a fresh array of `inputSize.length` entries
 * @throws ShapeError if `inputSize` is empty, a tuple's length differs from it, or the
 *   padded input is smaller than the dilated kernel (`(k − 1)·d + 1`) on some axis
 * @throws TypeError for non-integers; RangeError for `channels`, `kernelSize`, `stride` or `dilation` < 1,
 *   `padding` < 0, or a padded input or dilated kernel past 2^53 − 1 (sizes no longer exact)
 * @example convGeometry('conv2d', { channels: 3, inputSize: [8, 8], kernelSize: 3, padding: 1, stride: 2 }).outputSize // [4, 4]
 */
export function convGeometry(op: string, options: ConvGeometryOptions): ConvGeometry {
  if (options === null || typeof options !== 'object')
    throw typeError(op, `options must be an object, got ${describeValue(options)}`);
  const { channels, inputSize, kernelSize, stride = 1, padding = 0, dilation = 1 } = options;
  const paddingAfter = options.paddingAfter ?? padding;
  if (typeof channels !== 'number' || !Number.isInteger(channels)) {
    throw typeError(op, `channels must be an integer, got ${String(channels)}`);
  }
  if (channels < 1) throw rangeError(op, `channels must be >= 1, got ${channels}`);
  if (!Array.isArray(inputSize) || inputSize.length < 1) {
    throw shapeError(
      op,
      `inputSize must list at least one spatial size, got ${Array.isArray(inputSize) ? describeOption(inputSize) : describeValue(inputSize)}`,
    );
  }
  const dims = inputSize.length;
  const input = spatialTuple(op, 'inputSize', inputSize, dims, 0);
  const kernel = spatialTuple(op, 'kernelSize', kernelSize, dims, 1);
  const strides = spatialTuple(op, 'stride', stride, dims, 1);
  const padBefore = spatialTuple(op, 'padding', padding, dims, 0);
  const padAfter = spatialTuple(op, 'paddingAfter', paddingAfter, dims, 0);
  const dilations = spatialTuple(op, 'dilation', dilation, dims, 1);

  const padded = input.map((size, i) => size + padBefore[i]! + padAfter[i]!);
  const span = kernel.map((k, i) => dilatedSpan(k, dilations[i]!));
  // Past 2^53 − 1 a double no longer holds every integer: L + 2p would round, and the output size
  // and window offsets built from it would be silently wrong (a window lost, NaN offsets).
  const inexact = (sizes: number[], what: string, args: string) => {
    const i = sizes.findIndex((v) => v > Number.MAX_SAFE_INTEGER);
    if (i < 0) return;
    throw rangeError(
      op,
      `with ${args} the ${what} is ${formatSize(sizes)}, on axis ${i} past 2^53 − 1 = ${Number.MAX_SAFE_INTEGER} ` +
        '(where sizes stop being exact integers)',
    );
  };
  inexact(
    padded,
    `padded input (from [.., ${input.join(', ')}])`,
    `padding=${describeOption(padding)}${options.paddingAfter === undefined ? '' : `, paddingAfter=${describeOption(paddingAfter)}`}`,
  );
  inexact(span, 'dilated kernel', `kernelSize=${describeOption(kernelSize)}, dilation=${describeOption(dilation)}`);
  if (padded.some((p, i) => p < span[i]!)) {
    throw shapeError(
      op,
      `input [.., ${input.join(', ')}] padded to ${formatSize(padded)} is smaller than the dilated ` +
        `kernel ${formatSize(span)} (kernelSize=${describeOption(kernelSize)}, dilation=${describeOption(dilation)}, ` +
        `padding=${describeOption(padding)}${options.paddingAfter === undefined ? '' : `, paddingAfter=${describeOption(paddingAfter)}`})`,
    );
  }
  const outputSize = input.map((size, i) =>
    outputLength(size, kernel[i]!, strides[i]!, padBefore[i]!, padAfter[i]!, dilations[i]!),
  );
  // A stride past the padded input leaves one window at offset 0, and a one-tap kernel's dilation
  // moves nothing: clamped (same windows), so no kernel multiplies by a size past 2^53.
  return {
    channels,
    inputSize: input,
    kernelSize: kernel,
    stride: strides.map((s, i) => Math.min(s, padded[i]!)),
    padBefore,
    padAfter,
    dilation: dilations.map((d, i) => (kernel[i] === 1 ? 1 : d)),
    outputSize,
  };
}

export interface ConvSizeOptions {
  /** Default 1. */
  stride?: SizeArg;
  /** Zeros on each side. Default 0. */
  padding?: SizeArg;
  /** Default 1. */
  dilation?: SizeArg;
}

/**
 * The output length of a convolution (or pooling) along each axis:
 * `floor((inputSize + 2·padding − dilation·(kernelSize − 1) − 1) / stride) + 1`.
 *
 * @param inputSize  one size, or one per spatial axis
 * @returns a number for a number `inputSize`, else one size per axis
 * @throws as `convGeometry`, reported as `convOutputSize`
 * @example convOutputSize(28, 5) // 24
 * @example convOutputSize([32, 32], 3, { stride: 2, padding: 1 }) // [16, 16]
 */
export function convOutputSize(inputSize: number, kernelSize: number, options?: ConvSizeOptions): number;
export function convOutputSize(inputSize: readonly number[], kernelSize: SizeArg, options?: ConvSizeOptions): number[];
export function convOutputSize(
  inputSize: number | readonly number[],
  kernelSize: SizeArg,
  options: ConvSizeOptions = {},
): number | number[] {
  const op = 'convOutputSize';
  options = checkOptions(op, options, optionKeys<ConvSizeOptions>({ stride: true, padding: true, dilation: true }));
  const single = typeof inputSize === 'number';
  const geom = convGeometry(op, {
    channels: 1,
    inputSize: single ? [inputSize] : inputSize,
    kernelSize,
    stride: options.stride ?? 1,
    padding: options.padding ?? 0,
    dilation: options.dilation ?? 1,
  });
  return single ? geom.outputSize[0]! : geom.outputSize.slice();
}

/** How far a kernel of `k` taps reaches with dilation `d`: `d·(k − 1) + 1`. */
export function dilatedSpan(k: number, d: number): number {
  return d * (k - 1) + 1;
}

/**
 * The output length along one axis: `floor((L + padBefore + padAfter − d·(k − 1) − 1) / s) + 1`, the
 * formula every conv and pool size comes from. With `ceilMode` (pooling) the division rounds up, but a
 * last window that would start at or after `L + padBefore` (entirely in the padding) is dropped, as
 * PyTorch's `pooling_output_shape`. Not checked: callers have validated the options.
 * @example outputLength(28, 5, 1, 0, 0, 1) // 24
 */
export function outputLength(
  inSize: number,
  k: number,
  s: number,
  padBefore: number,
  padAfter: number,
  d: number,
  ceilMode = false,
): number {
  const reach = inSize + padBefore + padAfter - dilatedSpan(k, d) + (ceilMode ? s - 1 : 0);
  let out = Math.floor(reach / s) + 1;
  if (ceilMode && (out - 1) * s >= inSize + padBefore) out--;
  return out;
}

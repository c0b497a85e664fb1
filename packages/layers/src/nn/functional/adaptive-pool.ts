import type { Variable } from '@torchlet/autograd';
import { checkOptions, checkSize, describeOption, formatShape, rangeError, sizeOf, typeError } from '@torchlet/tensor';
import { type TensorInput } from './conv-options.js';
import {
  checkPoolInput,
  checkPoolRank,
  makePlan,
  windowDivisors,
  windowMaxOp,
  windowMeanOp,
  type AxisWindows,
} from './pool.js';

/**
 * An adaptive pool's target size: one number for every pooled axis, or one entry per axis
 * (`[h, w]` in 2-D) where null keeps that input size.
 */
export type AdaptiveOutputSize = number | readonly (number | null)[];

/** A 2-D adaptive pool's target size: one number for both axes, or `[h, w]` (null keeps that input size). */
export type AdaptiveOutputSize2d = number | readonly [number | null, number | null];

/**
 * The bins of an adaptive pool along one axis, as PyTorch: bin `o` covers
 * `[floor(o·In/Out), ceil((o+1)·In/Out))`, so bins cover the input and may overlap.
 */
export function adaptiveAxis(inSize: number, outSize: number): AxisWindows {
  const start = new Int32Array(outSize);
  const end = new Int32Array(outSize);
  const padded = new Int32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    start[o] = Math.floor((o * inSize) / outSize);
    end[o] = Math.floor(((o + 1) * inSize + outSize - 1) / outSize);
    padded[o] = end[o]! - start[o]!;
  }
  return { inSize, outSize, start, end, step: 1, padded };
}

/** The names of `dims` axes for messages: `[h, w]`, `[d, h, w]`, or `[s1, ..., sd]`. */
function axisNames(dims: number): string {
  const named = ['[l]', '[h, w]', '[d, h, w]'][dims - 1];
  return named ?? `[${Array.from({ length: dims }, (_, i) => `s${i + 1}`).join(', ')}]`;
}

/** Checks an adaptive pool's `outputSize` for `dims` axes (what needs no input) and returns it per axis. */
export function checkAdaptiveOutputSize(op: string, outputSize: unknown, dims: number): (number | null)[] {
  const sizes = typeof outputSize === 'number' ? new Array<number>(dims).fill(outputSize) : outputSize;
  if (
    !Array.isArray(sizes) ||
    sizes.length !== dims ||
    sizes.some((s) => s !== null && (typeof s !== 'number' || !Number.isInteger(s)))
  ) {
    const want = dims === 1 ? 'an integer' : `an integer or ${axisNames(dims)} of integers or null`;
    throw typeError(op, `outputSize must be ${want}, got outputSize=${describeOption(outputSize)}`);
  }
  // 0 is allowed, as in PyTorch: that axis of the output is empty. Differs from PyTorch: the
  // backward of an empty output is a zero gradient (PyTorch 1.13 refuses it).
  if (sizes.some((s) => s !== null && s < 0))
    throw rangeError(op, `outputSize must be non-negative, got outputSize=${describeOption(outputSize)}`);
  return sizes as (number | null)[];
}

function adaptiveAxes(op: string, input: TensorInput, dims: number, outputSize: AdaptiveOutputSize): AxisWindows[] {
  const spatial = checkPoolInput(op, input, dims);
  const out = checkAdaptiveOutputSize(op, outputSize, dims).map((s, i) => (s === null ? spatial[i]! : s));
  const outShape = [...input.shape.slice(0, input.ndim - dims), ...out];
  checkSize(
    op,
    sizeOf(outShape),
    () => `the output ${formatShape(outShape)} for outputSize=${describeOption(outputSize)}`,
  );
  return spatial.map((l, i) => adaptiveAxis(l, out[i]!));
}

function runAdaptiveAvgPool(op: string, dims: number, input: TensorInput, outputSize: AdaptiveOutputSize): Variable {
  const axes = adaptiveAxes(op, input, dims, outputSize);
  return windowMeanOp(
    input,
    makePlan(input.shape, dims, axes),
    windowDivisors(axes, (a, o) => a.padded[o]!),
  );
}

function runAdaptiveMaxPool(
  op: string,
  dims: number,
  input: TensorInput,
  outputSize: AdaptiveOutputSize,
  options: AdaptiveMaxPoolOptions,
): Variable | [Variable, Variable] {
  const axes = adaptiveAxes(op, input, dims, outputSize);
  checkOptions(op, options, ['returnIndices']);
  const [out, indices] = windowMaxOp(input, makePlan(input.shape, dims, axes)) as [Variable, Variable];
  return options.returnIndices ? [out, indices] : out;
}

/**
 * 2-D adaptive average pooling, as `torch.nn.functional.adaptive_avg_pool2d`: each output is the
 * mean of its bin (see `adaptiveAxis`).
 *
 * @param input `[N, C, H, W]` or unbatched `[C, H, W]`
 * @param outputSize `Hout` = `Wout`, or `[Hout, Wout]` (null keeps the input's size on that axis)
 * @returns `[N, C, Hout, Wout]`
 * @throws ShapeError for a wrong rank; RangeError for a negative output size
 * @example adaptiveAvgPool2d(randn([2, 512, 7, 7]), 1).shape // [2, 512, 1, 1]
 */
export function adaptiveAvgPool2d(input: TensorInput, outputSize: AdaptiveOutputSize2d): Variable {
  return runAdaptiveAvgPool('adaptiveAvgPool2d', 2, input, outputSize);
}

export interface AdaptiveMaxPoolOptions {
  /** Also return the flat `h·W + w` index of each maximum within its plane (int32). */
  returnIndices?: boolean;
}

/**
 * 2-D adaptive max pooling, as `torch.nn.functional.adaptive_max_pool2d`: each output is the max of
 * its bin (see `adaptiveAxis`); ties keep the first maximum in scan order.
 *
 * @param input `[N, C, H, W]` or unbatched `[C, H, W]`
 * @param outputSize `Hout` = `Wout`, or `[Hout, Wout]` (null keeps the input's size on that axis)
 * @returns `[N, C, Hout, Wout]`, or `[output, indices]` with `returnIndices`.
 *   Differs from PyTorch: indices are int32, not int64.
 * @throws ShapeError for a wrong rank; RangeError for a negative output size
 * @example adaptiveMaxPool2d(randn([1, 3, 9, 9]), [3, null]).shape // [1, 3, 3, 9]
 */
export function adaptiveMaxPool2d(
  input: TensorInput,
  outputSize: AdaptiveOutputSize2d,
  options: AdaptiveMaxPoolOptions & { returnIndices: true },
): [Variable, Variable];
export function adaptiveMaxPool2d(
  input: TensorInput,
  outputSize: AdaptiveOutputSize2d,
  options?: AdaptiveMaxPoolOptions,
): Variable;
export function adaptiveMaxPool2d(
  input: TensorInput,
  outputSize: AdaptiveOutputSize2d,
  options: AdaptiveMaxPoolOptions = {},
): Variable | [Variable, Variable] {
  return runAdaptiveMaxPool('adaptiveMaxPool2d', 2, input, outputSize, options);
}

/**
 * 1-D adaptive average pooling, as `torch.nn.functional.adaptive_avg_pool1d` (bins as `adaptiveAxis`).
 * @param input `[N, C, L]` or unbatched `[C, L]`
 * @param outputSize `Lout`, or `[Lout]` (null keeps L)
 * @returns `[N, C, Lout]`
 * @throws ShapeError for a wrong rank; RangeError for a negative output size
 * @example adaptiveAvgPool1d(randn([2, 8, 100]), 1).shape // [2, 8, 1]
 */
export function adaptiveAvgPool1d(input: TensorInput, outputSize: AdaptiveOutputSize): Variable {
  return runAdaptiveAvgPool('adaptiveAvgPool1d', 1, input, outputSize);
}

/**
 * 3-D adaptive average pooling, as `torch.nn.functional.adaptive_avg_pool3d`.
 * @param input `[N, C, D, H, W]` or unbatched `[C, D, H, W]`
 * @param outputSize one size for all axes, or `[Dout, Hout, Wout]` (null keeps that axis)
 * @returns `[N, C, Dout, Hout, Wout]`
 * @throws ShapeError for a wrong rank; RangeError for a negative output size
 * @example adaptiveAvgPool3d(randn([1, 4, 5, 6, 7]), [1, null, 2]).shape // [1, 4, 1, 6, 2]
 */
export function adaptiveAvgPool3d(input: TensorInput, outputSize: AdaptiveOutputSize): Variable {
  return runAdaptiveAvgPool('adaptiveAvgPool3d', 3, input, outputSize);
}

/**
 * Adaptive average pooling over the last `dims` axes (any number; PyTorch stops at 3).
 * @param input `[N, C, ...spatial]` or unbatched `[C, ...spatial]`, `dims` spatial axes
 * @param dims the number of pooled axes
 * @param outputSize one size for all axes, or one per axis (null keeps that axis)
 * @returns `[N, C, ...outputSize]`
 * @throws as `adaptiveAvgPool2d`; RangeError/TypeError for a `dims` that is not a positive integer
 * @example adaptiveAvgPoolNd(randn([1, 2, 4, 5, 6, 7]), 4, 1).shape // [1, 2, 1, 1, 1, 1]
 */
export function adaptiveAvgPoolNd(input: TensorInput, dims: number, outputSize: AdaptiveOutputSize): Variable {
  return runAdaptiveAvgPool('adaptiveAvgPoolNd', checkPoolRank('adaptiveAvgPoolNd', dims), input, outputSize);
}

/**
 * 1-D adaptive max pooling, as `torch.nn.functional.adaptive_max_pool1d` (ties keep the first maximum).
 * @param input `[N, C, L]` or unbatched `[C, L]`
 * @param outputSize `Lout`, or `[Lout]` (null keeps L)
 * @returns `[N, C, Lout]`, or `[output, indices]` with `returnIndices` (int32 positions in `[0, L)`).
 *   Differs from PyTorch: indices are int32, not int64.
 * @throws ShapeError for a wrong rank; RangeError for a negative output size
 * @example adaptiveMaxPool1d(randn([2, 8, 100]), 4).shape // [2, 8, 4]
 */
export function adaptiveMaxPool1d(
  input: TensorInput,
  outputSize: AdaptiveOutputSize,
  options: AdaptiveMaxPoolOptions & { returnIndices: true },
): [Variable, Variable];
export function adaptiveMaxPool1d(
  input: TensorInput,
  outputSize: AdaptiveOutputSize,
  options?: AdaptiveMaxPoolOptions,
): Variable;
export function adaptiveMaxPool1d(
  input: TensorInput,
  outputSize: AdaptiveOutputSize,
  options: AdaptiveMaxPoolOptions = {},
): Variable | [Variable, Variable] {
  return runAdaptiveMaxPool('adaptiveMaxPool1d', 1, input, outputSize, options);
}

/**
 * 3-D adaptive max pooling, as `torch.nn.functional.adaptive_max_pool3d`.
 * @param input `[N, C, D, H, W]` or unbatched `[C, D, H, W]`
 * @param outputSize one size for all axes, or `[Dout, Hout, Wout]` (null keeps that axis)
 * @returns `[N, C, Dout, Hout, Wout]`, or `[output, indices]` with `returnIndices` (int32, flat
 *   `(d·H + h)·W + w` within each plane). Differs from PyTorch: indices are int32, not int64.
 * @throws ShapeError for a wrong rank; RangeError for a negative output size
 * @example adaptiveMaxPool3d(randn([1, 4, 5, 6, 7]), 2).shape // [1, 4, 2, 2, 2]
 */
export function adaptiveMaxPool3d(
  input: TensorInput,
  outputSize: AdaptiveOutputSize,
  options: AdaptiveMaxPoolOptions & { returnIndices: true },
): [Variable, Variable];
export function adaptiveMaxPool3d(
  input: TensorInput,
  outputSize: AdaptiveOutputSize,
  options?: AdaptiveMaxPoolOptions,
): Variable;
export function adaptiveMaxPool3d(
  input: TensorInput,
  outputSize: AdaptiveOutputSize,
  options: AdaptiveMaxPoolOptions = {},
): Variable | [Variable, Variable] {
  return runAdaptiveMaxPool('adaptiveMaxPool3d', 3, input, outputSize, options);
}

/**
 * Adaptive max pooling over the last `dims` axes (any number; PyTorch stops at 3).
 * @param input `[N, C, ...spatial]` or unbatched `[C, ...spatial]`, `dims` spatial axes
 * @param dims the number of pooled axes
 * @param outputSize one size for all axes, or one per axis (null keeps that axis)
 * @returns `[N, C, ...outputSize]`, or `[output, indices]` with `returnIndices` (int32, row-major
 *   flat index within each plane)
 * @throws as `adaptiveMaxPool2d`; RangeError/TypeError for a `dims` that is not a positive integer
 * @example adaptiveMaxPoolNd(randn([1, 2, 4, 5, 6, 7]), 4, 2).shape // [1, 2, 2, 2, 2, 2]
 */
export function adaptiveMaxPoolNd(
  input: TensorInput,
  dims: number,
  outputSize: AdaptiveOutputSize,
  options: AdaptiveMaxPoolOptions & { returnIndices: true },
): [Variable, Variable];
export function adaptiveMaxPoolNd(
  input: TensorInput,
  dims: number,
  outputSize: AdaptiveOutputSize,
  options?: AdaptiveMaxPoolOptions,
): Variable;
export function adaptiveMaxPoolNd(
  input: TensorInput,
  dims: number,
  outputSize: AdaptiveOutputSize,
  options: AdaptiveMaxPoolOptions = {},
): Variable | [Variable, Variable] {
  return runAdaptiveMaxPool('adaptiveMaxPoolNd', checkPoolRank('adaptiveMaxPoolNd', dims), input, outputSize, options);
}

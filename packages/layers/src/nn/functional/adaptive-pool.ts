import type { Variable } from '@torchlet/autograd';
import { checkOptions, checkSize, describeOption, formatShape, rangeError, sizeOf, typeError } from '@torchlet/tensor';
import { type TensorInput } from './conv-options.js';
import { checkPoolInput, makePlan, windowMaxOp, windowMeanOp, type AxisWindows } from './pool.js';

/** An adaptive pool's target size: one number for both axes, or `[h, w]` where null keeps that input size. */
export type AdaptiveOutputSize = number | readonly [number | null, number | null];

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

function resolveOutputSize(op: string, outputSize: unknown, spatial: readonly number[]): number[] {
  const sizes = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
  if (
    !Array.isArray(sizes) ||
    sizes.length !== 2 ||
    sizes.some((s) => s !== null && (typeof s !== 'number' || !Number.isInteger(s)))
  ) {
    throw typeError(
      op,
      `outputSize must be an integer or [h, w] of integers or null, got outputSize=${describeOption(outputSize)}`,
    );
  }
  if (sizes.some((s) => s !== null && s < 1))
    throw rangeError(op, `outputSize must be positive, got outputSize=${describeOption(outputSize)}`);
  return sizes.map((s, i) => (s === null ? spatial[i]! : s));
}

function adaptiveAxes(op: string, input: TensorInput, outputSize: AdaptiveOutputSize): AxisWindows[] {
  const spatial = checkPoolInput(op, input, 2);
  const out = resolveOutputSize(op, outputSize, spatial);
  const outShape = [...input.shape.slice(0, input.ndim - 2), ...out];
  checkSize(op, sizeOf(outShape), `the output ${formatShape(outShape)} for outputSize=${describeOption(outputSize)}`);
  return spatial.map((l, i) => adaptiveAxis(l, out[i]!));
}

/**
 * 2-D adaptive average pooling, as `torch.nn.functional.adaptive_avg_pool2d`: each output is the
 * mean of its bin (see `adaptiveAxis`).
 *
 * @param input `[N, C, H, W]` or unbatched `[C, H, W]`
 * @param outputSize `Hout` = `Wout`, or `[Hout, Wout]` (null keeps the input's size on that axis)
 * @returns `[N, C, Hout, Wout]`
 * @throws ShapeError for a wrong rank; RangeError for a non-positive output size
 * @example adaptiveAvgPool2d(randn([2, 512, 7, 7]), 1).shape // [2, 512, 1, 1]
 */
export function adaptiveAvgPool2d(input: TensorInput, outputSize: AdaptiveOutputSize): Variable {
  const axes = adaptiveAxes('adaptiveAvgPool2d', input, outputSize);
  const plan = makePlan(input.shape, 2, axes);
  const [rows, cols] = axes as [AxisWindows, AxisWindows];
  const divisor = new Float64Array(rows.outSize * cols.outSize);
  for (let oh = 0, d = 0; oh < rows.outSize; oh++) {
    for (let ow = 0; ow < cols.outSize; ow++, d++) divisor[d] = rows.padded[oh]! * cols.padded[ow]!;
  }
  return windowMeanOp(input, plan, divisor);
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
 * @throws ShapeError for a wrong rank; RangeError for a non-positive output size
 * @example adaptiveMaxPool2d(randn([1, 3, 9, 9]), [3, null]).shape // [1, 3, 3, 9]
 */
export function adaptiveMaxPool2d(
  input: TensorInput,
  outputSize: AdaptiveOutputSize,
  options: AdaptiveMaxPoolOptions & { returnIndices: true },
): [Variable, Variable];
export function adaptiveMaxPool2d(
  input: TensorInput,
  outputSize: AdaptiveOutputSize,
  options?: AdaptiveMaxPoolOptions,
): Variable;
export function adaptiveMaxPool2d(
  input: TensorInput,
  outputSize: AdaptiveOutputSize,
  options: AdaptiveMaxPoolOptions = {},
): Variable | [Variable, Variable] {
  const axes = adaptiveAxes('adaptiveMaxPool2d', input, outputSize);
  checkOptions('adaptiveMaxPool2d', options, ['returnIndices']);
  const [out, indices] = windowMaxOp(input, makePlan(input.shape, 2, axes)) as [Variable, Variable];
  return options.returnIndices ? [out, indices] : out;
}

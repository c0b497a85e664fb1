import { Variable } from '@torchlet/autograd';
import {
  optionKeys,
  checkOptions,
  checkSize,
  contiguousData,
  describeValue,
  formatShape,
  rangeError,
  shapeError,
  sizeOf,
  spatialFactors,
  spatialTuple,
  Tensor,
  typeError,
  floatArray,
} from '@torchlet/tensor';
import { type TensorInput } from './conv-options.js';
import { defineAdjointPair } from './adjoint-pair.js';

/**
 * Interpolation is separable: nearest, linear, bilinear and trilinear all resample one spatial
 * axis at a time, each output position reading two input positions with weights `l0`, `l1`
 * (nearest: one position, weight 1). Going from the last axis to the first multiplies the weights
 * in the same order as PyTorch's bilinear kernel, `h0·(w0·x00 + w1·x01) + h1·(...)`.
 */
interface AxisTaps {
  axis: number;
  inSize: number;
  outSize: number;
  i0: Int32Array;
  i1: Int32Array;
  l0: Float64Array;
  l1: Float64Array;
}

/** The axis read as `[outer, size, inner]`: the products of the axes before and after it. */
function around(shape: readonly number[], axis: number): [number, number] {
  let outer = 1;
  for (let k = 0; k < axis; k++) outer *= shape[k]!;
  let inner = 1;
  for (let k = axis + 1; k < shape.length; k++) inner *= shape[k]!;
  return [outer, inner];
}

/** Resamples `input` along `taps.axis`: each output position, the two taps' weighted sum. */
function resample(input: Tensor, taps: AxisTaps): Tensor {
  const { axis, inSize, outSize, i0, i1, l0, l1 } = taps;
  const [outer, inner] = around(input.shape, axis);
  const x = contiguousData(input);
  const out = floatArray(input.dtype, outer * outSize * inner);
  for (let b = 0; b < outer; b++) {
    const src = b * inSize * inner;
    const dst = b * outSize * inner;
    for (let o = 0; o < outSize; o++) {
      const a = src + i0[o]! * inner;
      const c = src + i1[o]! * inner;
      const w0 = l0[o]!;
      const w1 = l1[o]!;
      const at = dst + o * inner;
      for (let j = 0; j < inner; j++) out[at + j] = w0 * x[a + j]! + w1 * x[c + j]!;
    }
  }
  const outShape = [...input.shape];
  outShape[axis] = outSize;
  return new Tensor(out, outShape);
}

/** The adjoint of `resample`: every output position hands its gradient back to the two it read. */
function resampleAdjoint(gradOutput: Tensor, taps: AxisTaps): Tensor {
  const { axis, inSize, outSize, i0, i1, l0, l1 } = taps;
  const [outer, inner] = around(gradOutput.shape, axis);
  const g = contiguousData(gradOutput);
  const gradInput = floatArray(gradOutput.dtype, outer * inSize * inner);
  for (let b = 0; b < outer; b++) {
    const src = b * inSize * inner;
    const dst = b * outSize * inner;
    for (let o = 0; o < outSize; o++) {
      const a = src + i0[o]! * inner;
      const c = src + i1[o]! * inner;
      const w0 = l0[o]!;
      const w1 = l1[o]!;
      const at = dst + o * inner;
      for (let j = 0; j < inner; j++) {
        gradInput[a + j] = gradInput[a + j]! + w0 * g[at + j]!;
        gradInput[c + j] = gradInput[c + j]! + w1 * g[at + j]!;
      }
    }
  }
  const inShape = [...gradOutput.shape];
  inShape[axis] = inSize;
  return new Tensor(gradInput, inShape);
}

// Resampling is linear, so it and its adjoint are each other's backward, to any order.
const [resampleAxisOp] = defineAdjointPair(['interpolate', 'interpolateBackward'], resample, resampleAdjoint);

export type InterpolateMode = 'nearest' | 'linear' | 'bilinear' | 'trilinear';

export interface InterpolateOptions {
  /** The output's spatial size (one number for every axis, or one per axis). Give this or `scaleFactor`. */
  size?: number | readonly number[];
  /** Output size `floor(in · scaleFactor)` per axis; the coordinates use `1 / scaleFactor`, as PyTorch. */
  scaleFactor?: number | readonly number[];
  /** Default 'nearest'. 'linear' needs `[N, C, L]`, 'bilinear' `[N, C, H, W]`, 'trilinear' `[N, C, D, H, W]`. */
  mode?: InterpolateMode;
  /**
   * Linear modes only: true maps the corner pixels' centres onto each other (scale `(in − 1)/(out − 1)`);
   * false (the default) the corners of the pixel grid.
   */
  alignCorners?: boolean;
}

/** The keys `InterpolateOptions` takes (Upsample takes the same). */
export const INTERPOLATE_KEYS = optionKeys<InterpolateOptions>({
  size: true,
  scaleFactor: true,
  mode: true,
  alignCorners: true,
});

const LINEAR_RANK: Record<string, number> = { linear: 3, bilinear: 4, trilinear: 5 };

/** Nearest source index, as PyTorch's `nearest_idx`: in float32 arithmetic, floored (not rounded). */
function nearestTaps(axis: number, inSize: number, outSize: number, scaleFactor: number | null): AxisTaps {
  const i0 = new Int32Array(outSize);
  const scale = Math.fround(scaleFactor !== null ? 1 / scaleFactor : inSize / outSize);
  for (let o = 0; o < outSize; o++) {
    i0[o] =
      outSize === inSize
        ? o
        : outSize === 2 * inSize
          ? o >> 1
          : Math.min(Math.floor(Math.fround(o * scale)), inSize - 1);
  }
  return { axis, inSize, outSize, i0, i1: i0, l0: new Float64Array(outSize).fill(1), l1: new Float64Array(outSize) };
}

/** Linear taps, as PyTorch's `area_pixel_compute_source_index`; a source left of 0 clamps to 0. */
function linearTaps(
  axis: number,
  inSize: number,
  outSize: number,
  scaleFactor: number | null,
  alignCorners: boolean,
): AxisTaps {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const l0 = new Float64Array(outSize);
  const l1 = new Float64Array(outSize);
  const scale = alignCorners
    ? outSize > 1
      ? (inSize - 1) / (outSize - 1)
      : 0
    : scaleFactor !== null
      ? 1 / scaleFactor
      : inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    let src = alignCorners ? scale * o : scale * (o + 0.5) - 0.5;
    if (!alignCorners && src < 0) src = 0;
    const lo = Math.floor(src);
    i0[o] = lo;
    i1[o] = lo + (lo < inSize - 1 ? 1 : 0);
    l1[o] = src - lo;
    l0[o] = 1 - l1[o]!;
  }
  return { axis, inSize, outSize, i0, i1, l0, l1 };
}

/**
 * Resizes the spatial axes, as `torch.nn.functional.interpolate` (without antialiasing, as PyTorch's
 * default). 'nearest' takes `floor(o · in/out)` (not the closest pixel); the linear modes blend the
 * two neighbours along each axis.
 *
 * @param input `[N, C, L]`, `[N, C, H, W]` or `[N, C, D, H, W]`
 * @returns `[N, C, ...size]`, `size` given or `floor(in · scaleFactor)` per axis
 * @throws TypeError for both or neither of size/scaleFactor, alignCorners with 'nearest', an unknown
 *   mode; ShapeError when the mode does not fit the input's rank or an axis but the batch is empty;
 *   RangeError for sizes or factors <= 0
 * @example interpolate(x, { scaleFactor: 2, mode: 'bilinear' }) // [1, 3, 8, 8] → [1, 3, 16, 16]
 */
export function interpolate(input: TensorInput, options: InterpolateOptions): Variable {
  const op = 'interpolate';
  if (!(input instanceof Tensor) && !(input instanceof Variable))
    throw typeError(op, `input must be a Tensor or Variable, got ${describeValue(input)}`);
  if (input.dtype === 'int32')
    throw typeError(op, `input must be float32 or float64, got int32 ${formatShape(input.shape)}`);
  const o = checkOptions(op, options, INTERPOLATE_KEYS);
  const mode = o.mode ?? 'nearest';
  if (mode !== 'nearest' && !(mode in LINEAR_RANK))
    throw typeError(op, `mode must be 'nearest', 'linear', 'bilinear' or 'trilinear', got ${describeValue(mode)}`);
  if (input.ndim < 3 || input.ndim > 5)
    throw shapeError(op, `input must be [N, C, L], [N, C, H, W] or [N, C, D, H, W], got ${formatShape(input.shape)}`);
  if (mode !== 'nearest' && LINEAR_RANK[mode] !== input.ndim)
    throw shapeError(op, `mode '${mode}' needs a ${LINEAR_RANK[mode]}-D input, got ${formatShape(input.shape)}`);
  // As PyTorch: only the batch may be empty.
  if (input.shape[1] === 0)
    throw shapeError(op, `input ${formatShape(input.shape)} has no channels; only the batch axis may be 0`);
  if (o.alignCorners !== undefined) {
    if (mode === 'nearest') throw typeError(op, "alignCorners can only be set with the linear modes, not 'nearest'");
    if (typeof o.alignCorners !== 'boolean')
      throw typeError(op, `alignCorners must be a boolean, got ${describeValue(o.alignCorners)}`);
  }
  const alignCorners = o.alignCorners ?? false;
  if ((o.size === undefined) === (o.scaleFactor === undefined))
    throw typeError(op, 'give exactly one of size and scaleFactor');
  const dims = input.ndim - 2;
  const spatial = input.shape.slice(2);
  const factors = o.scaleFactor === undefined ? null : spatialFactors(op, 'scaleFactor', o.scaleFactor, dims);
  const size =
    o.size !== undefined
      ? spatialTuple(op, 'size', o.size, dims, 1)
      : spatial.map((d, k) => Math.floor(d * factors![k]!));
  if (size.some((s) => s < 1))
    throw rangeError(
      op,
      `scaleFactor=${formatShape(factors!)} makes an empty output from input ${formatShape(input.shape)}`,
    );
  const outShape = [...input.shape.slice(0, 2), ...size];
  checkSize(
    op,
    sizeOf(outShape),
    `the output ${formatShape(outShape)} for ${o.size !== undefined ? 'size' : 'scaleFactor'}=${String(o.size ?? o.scaleFactor).replace(/,/g, ', ')}`,
  );
  let y: TensorInput = input;
  for (let k = dims - 1; k >= 0; k--) {
    const inSize = spatial[k]!;
    if (inSize === 0) throw shapeError(op, `cannot interpolate an empty axis; input is ${formatShape(input.shape)}`);
    const factor = factors ? factors[k]! : null;
    const taps =
      mode === 'nearest'
        ? nearestTaps(k + 2, inSize, size[k]!, factor)
        : linearTaps(k + 2, inSize, size[k]!, factor, alignCorners);
    y = resampleAxisOp(y, taps);
  }
  return y instanceof Variable ? y : new Variable(y);
}

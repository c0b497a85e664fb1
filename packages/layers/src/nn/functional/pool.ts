import { defineOp, type ForwardContext, type Variable } from '@torchlet/autograd';
import {
  checkOptions,
  optionKeys,
  formatShape,
  rangeError,
  shapeError,
  Tensor,
  typeError,
  uninitializedArrayFor,
  describeOption,
  formatSize,
  spatialTuple,
  outputLength,
  dilatedSpan,
  floatArray,
  floatData,
  sizeOf,
  type FloatArray,
} from '@torchlet/tensor';
import { type SpatialArg, type TensorInput } from './conv-options.js';
import { defineAdjointPair } from './adjoint-pair.js';

/**
 * Pooling reduces to two kernels over "windows": for every output position of an axis, the
 * input positions `start, start + step, ... < end` it reads. Max/avg pooling and the adaptive
 * pools differ only in how they build the windows, so one max kernel and one mean kernel (each
 * with its backward right below) serve all of them. 1-D pools are 2-D pools with a height of 1.
 */
export interface AxisWindows {
  readonly inSize: number;
  readonly outSize: number;
  /** First input position read by output position `o` (already clipped to the input). */
  readonly start: Int32Array;
  /** One past the last input position read (clipped). */
  readonly end: Int32Array;
  /** Distance between taps (the dilation; 1 for average and adaptive pools). */
  readonly step: number;
  /** Window length counted against `L + padding` (avg pool's `countIncludePad` divisor). */
  readonly padded: Int32Array;
}

/**
 * A pooling over `planes` independent planes (every `[n, c]` of the input), each pooled on every
 * axis of `axes`. The 1-D and 2-D kernels read `rows` and `cols`; from 3-D on the kernels read the
 * window table instead.
 */
export interface PoolPlan {
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly planes: number;
  /** Every pooled axis, outermost first. */
  readonly axes: readonly AxisWindows[];
  /** The last two pooled axes (rows a single unit window for a 1-D pool). */
  readonly rows: AxisWindows;
  readonly cols: AxisWindows;
  /** Elements of one input plane and one output plane. */
  readonly inPlane: number;
  readonly outPlane: number;
  /** From 3-D on: the flat in-plane offsets each output position reads, in scan order; else null. */
  readonly windows: WindowTable | null;
}

/**
 * Output position `o` of a plane reads the in-plane offsets `offsets[first[o] ... first[o + 1])`;
 * `startAt[o]` is the offset of its first tap inside the input on every axis, the index a window
 * entirely in the padding reports (as the 1-D/2-D kernels and PyTorch do).
 */
export interface WindowTable {
  readonly first: Int32Array;
  readonly offsets: Int32Array;
  readonly startAt: Int32Array;
}

/** The window table of pooled `axes`: each output position's taps, row-major, the last axis fastest. */
function windowTable(axes: readonly AxisWindows[]): WindowTable {
  const dims = axes.length;
  const inStrides = new Array<number>(dims);
  for (let a = dims - 1, s = 1; a >= 0; a--) {
    inStrides[a] = s;
    s *= axes[a]!.inSize;
  }
  const outPlane = axes.reduce((p, a) => p * a.outSize, 1);
  const first = new Int32Array(outPlane + 1);
  const startAt = new Int32Array(outPlane);
  const offsets: number[] = [];
  const o = new Int32Array(dims);
  // Plain numbers, not int32: a tap plus a dilation near 2^31 must pass the window's end, not wrap.
  const tap = new Array<number>(dims).fill(0);
  for (let at = 0; at < outPlane; at++) {
    first[at] = offsets.length;
    let empty = false;
    for (let a = 0; a < dims; a++) {
      tap[a] = axes[a]!.start[o[a]!]!;
      startAt[at] = startAt[at]! + tap[a]! * inStrides[a]!;
      if (tap[a]! >= axes[a]!.end[o[a]!]!) empty = true;
    }
    // Odometer over the taps of this window, each axis from its start by its step.
    while (!empty) {
      let offset = 0;
      for (let a = 0; a < dims; a++) offset += tap[a]! * inStrides[a]!;
      offsets.push(offset);
      let a = dims - 1;
      for (; a >= 0; a--) {
        const axis = axes[a]!;
        tap[a] = tap[a]! + axis.step;
        if (tap[a]! < axis.end[o[a]!]!) break;
        tap[a] = axis.start[o[a]!]!;
      }
      if (a < 0) break;
    }
    for (let a = dims - 1; a >= 0; a--) {
      if (++o[a]! < axes[a]!.outSize) break;
      o[a] = 0;
    }
  }
  first[outPlane] = offsets.length;
  return { first, offsets: Int32Array.from(offsets), startAt };
}

/** `windowMax` over a window table (3-D and up): same scan order, same NaN and tie rules. */
function windowMaxTable(x: FloatArray, plan: PoolPlan, out: FloatArray, indices: Int32Array): void {
  const { first, offsets, startAt } = plan.windows!;
  for (let plane = 0, o = 0; plane < plan.planes; plane++) {
    const base = plane * plan.inPlane;
    for (let p = 0; p < plan.outPlane; p++, o++) {
      let best = -Infinity;
      let at = startAt[p]!;
      for (let t = first[p]!; t < first[p + 1]!; t++) {
        const v = x[base + offsets[t]!]!;
        if (v > best || v !== v) {
          best = v;
          at = offsets[t]!;
        }
      }
      out[o] = best;
      indices[o] = at;
    }
  }
}

/** `windowMean` over a window table (3-D and up). */
function windowMeanTable(x: FloatArray, plan: PoolPlan, divisor: Float64Array, out: FloatArray): void {
  const { first, offsets } = plan.windows!;
  for (let plane = 0, o = 0; plane < plan.planes; plane++) {
    const base = plane * plan.inPlane;
    for (let p = 0; p < plan.outPlane; p++, o++) {
      let sum = 0;
      for (let t = first[p]!; t < first[p + 1]!; t++) sum += x[base + offsets[t]!]!;
      out[o] = sum / divisor[p]!;
    }
  }
}

/** Adjoint of `windowMeanTable`: every input in a window receives `gradOut / divisor`. */
function windowMeanTableBackward(gradOut: FloatArray, plan: PoolPlan, divisor: Float64Array, gradIn: FloatArray): void {
  const { first, offsets } = plan.windows!;
  for (let plane = 0, o = 0; plane < plan.planes; plane++) {
    const base = plane * plan.inPlane;
    for (let p = 0; p < plan.outPlane; p++, o++) {
      const g = gradOut[o]! / divisor[p]!;
      for (let t = first[p]!; t < first[p + 1]!; t++) gradIn[base + offsets[t]!]! += g;
    }
  }
}

/**
 * One divisor per output position of a plane: the product over the pooled axes of `perAxis(axis, o)`
 * (row-major, as the outputs).
 */
export function windowDivisors(
  axes: readonly AxisWindows[],
  perAxis: (axis: AxisWindows, o: number) => number,
): Float64Array {
  let divisor = Float64Array.of(1);
  for (const axis of axes) {
    const next = new Float64Array(divisor.length * axis.outSize);
    for (let i = 0, at = 0; i < divisor.length; i++)
      for (let o = 0; o < axis.outSize; o++, at++) next[at] = divisor[i]! * perAxis(axis, o);
    divisor = next;
  }
  return divisor;
}

/** The windows of a pool with kernel `k`, stride `s`, padding `p`, dilation `d` along one axis. */
export function poolAxis(inSize: number, outSize: number, k: number, s: number, p: number, d: number): AxisWindows {
  const start = new Int32Array(outSize);
  const end = new Int32Array(outSize);
  const padded = new Int32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const first = o * s - p;
    // The taps sit at first + j·d; skip the ones in the leading padding.
    const skip = first < 0 ? Math.ceil(-first / d) : 0;
    start[o] = first + skip * d;
    end[o] = Math.min(first + (k - 1) * d + 1, inSize);
    // avg pool (d = 1): PyTorch counts the window clipped to L + padding, not the whole kernel.
    padded[o] = Math.min(first + k, inSize + p) - first;
  }
  return { inSize, outSize, start, end, step: d, padded };
}

/** The single window `[0, 1)` of the height axis that turns a 1-D pool into a 2-D one. */
function unitAxis(): AxisWindows {
  const one = Int32Array.of(1);
  return { inSize: 1, outSize: 1, start: Int32Array.of(0), end: one, step: 1, padded: one };
}

/**
 * Output length of a pool along one axis, as PyTorch's `pooling_output_shape`: with `ceilMode`
 * the division rounds up, but a last window that would start at or after `L + padding` (entirely
 * in the right padding) is dropped.
 * @example poolOutputSize(5, 2, 2, 1, 1, true) // 3
 */
export function poolOutputSize(inSize: number, k: number, s: number, p: number, d: number, ceilMode: boolean): number {
  return outputLength(inSize, k, s, p, p, d, ceilMode);
}

/** max over each window, and the flat `ih·W + iw` index of the maximum within its plane. */
export function windowMax(x: FloatArray, plan: PoolPlan, out: FloatArray, indices: Int32Array): void {
  const { planes, rows, cols } = plan;
  const inPlane = rows.inSize * cols.inSize;
  const w = cols.inSize;
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * inPlane;
    for (let oh = 0; oh < rows.outSize; oh++) {
      const hs = rows.start[oh]!;
      const he = rows.end[oh]!;
      for (let ow = 0; ow < cols.outSize; ow++, o++) {
        const ws = cols.start[ow]!;
        const we = cols.end[ow]!;
        let best = -Infinity;
        let at = hs * w + ws;
        for (let ih = hs; ih < he; ih += rows.step) {
          const row = ih * w;
          for (let iw = ws; iw < we; iw += cols.step) {
            const v = x[base + row + iw]!;
            // As PyTorch: the first maximum in scan order wins, and a NaN beats everything.
            if (v > best || v !== v) {
              best = v;
              at = row + iw;
            }
          }
        }
        out[o] = best;
        indices[o] = at;
      }
    }
  }
}

/** Whether every window of the axis is exactly two adjacent positions (kernel 2, dilation 1, unclipped). */
function pairsOnly(axis: AxisWindows): boolean {
  if (axis.step !== 1) return false;
  for (let o = 0; o < axis.outSize; o++) if (axis.end[o]! - axis.start[o]! !== 2) return false;
  return true;
}

/**
 * `windowMax` for 2×2 windows inside the input (max pooling 2, the common case), without branches
 * on the data: the scan `v > best` mispredicts on random activations, so each step adds
 * `(candidate − at) · (v > x[at])` to the index instead ([384, 28, 28] float32: 1.5 ms for
 * `windowMax`, 0.53 ms here). Same answer as the scan: the first maximum wins, since only a strictly
 * larger value moves the index; a window holding NaN (its sum is NaN) takes the scan itself.
 */
export function windowMax2x2(x: FloatArray, plan: PoolPlan, out: FloatArray, indices: Int32Array): void {
  const { planes, rows, cols } = plan;
  const w = cols.inSize;
  const inPlane = rows.inSize * w;
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * inPlane;
    for (let oh = 0; oh < rows.outSize; oh++) {
      const rowAt = base + rows.start[oh]! * w;
      for (let ow = 0; ow < cols.outSize; ow++, o++) {
        const i0 = rowAt + cols.start[ow]!;
        const a = x[i0]!;
        const b = x[i0 + 1]!;
        const c = x[i0 + w]!;
        const d = x[i0 + w + 1]!;
        let at = i0;
        const sum = a + b + c + d;
        if (sum !== sum) {
          at = scan2x2(x, i0, w);
        } else {
          at += (i0 + 1 - at) * +(b > a);
          at += (i0 + w - at) * +(c > x[at]!);
          at += (i0 + w + 1 - at) * +(d > x[at]!);
        }
        out[o] = x[at]!;
        indices[o] = at - base;
      }
    }
  }
}

/** The plain scan of one 2×2 window (NaN wins, as in `windowMax`); returns the index of its max. */
function scan2x2(x: FloatArray, i0: number, w: number): number {
  let at = i0;
  let best = x[i0]!;
  for (let k = 1; k < 4; k++) {
    const i = i0 + (k >> 1) * w + (k & 1);
    const v = x[i]!;
    if (v > best || v !== v) {
      best = v;
      at = i;
    }
  }
  return at;
}

/** Adjoint of `windowMax`: each output's gradient goes to the input element that was the max. */
function windowMaxBackward(gradOut: FloatArray, indices: Int32Array, plan: PoolPlan, gradIn: FloatArray): void {
  const { inPlane, outPlane } = plan;
  for (let plane = 0, o = 0; plane < plan.planes; plane++) {
    const base = plane * inPlane;
    for (let i = 0; i < outPlane; i++, o++) {
      const at = indices[o]!;
      if (at >= 0 && at < inPlane) gradIn[base + at] = gradIn[base + at]! + gradOut[o]!;
    }
  }
}

/** Sum over each window divided by `divisor[oh·Wout + ow]`. */
function windowMean(x: FloatArray, plan: PoolPlan, divisor: Float64Array, out: FloatArray): void {
  if (plan.windows) return windowMeanTable(x, plan, divisor, out);
  const { planes, rows, cols } = plan;
  const inPlane = rows.inSize * cols.inSize;
  const w = cols.inSize;
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * inPlane;
    for (let oh = 0, d = 0; oh < rows.outSize; oh++) {
      const hs = rows.start[oh]!;
      const he = rows.end[oh]!;
      for (let ow = 0; ow < cols.outSize; ow++, o++, d++) {
        const ws = cols.start[ow]!;
        const we = cols.end[ow]!;
        let sum = 0;
        for (let ih = hs; ih < he; ih++) {
          const row = base + ih * w;
          for (let iw = ws; iw < we; iw++) sum += x[row + iw]!;
        }
        out[o] = sum / divisor[d]!;
      }
    }
  }
}

/** Adjoint of `windowMean`: every input in a window receives `gradOut / divisor`. */
function windowMeanBackward(gradOut: FloatArray, plan: PoolPlan, divisor: Float64Array, gradIn: FloatArray): void {
  if (plan.windows) return windowMeanTableBackward(gradOut, plan, divisor, gradIn);
  const { planes, rows, cols } = plan;
  const inPlane = rows.inSize * cols.inSize;
  const w = cols.inSize;
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * inPlane;
    for (let oh = 0, d = 0; oh < rows.outSize; oh++) {
      const hs = rows.start[oh]!;
      const he = rows.end[oh]!;
      for (let ow = 0; ow < cols.outSize; ow++, o++, d++) {
        const ws = cols.start[ow]!;
        const we = cols.end[ow]!;
        const g = gradOut[o]! / divisor[d]!;
        for (let ih = hs; ih < he; ih++) {
          const row = base + ih * w;
          for (let iw = ws; iw < we; iw++) gradIn[row + iw] = gradIn[row + iw]! + g;
        }
      }
    }
  }
}

/** Max over windows; returns `[output, indices]`, the indices int32 and not differentiable. */
export const windowMaxOp = defineOp({
  name: 'maxPool',
  forward(ctx: ForwardContext<{ indices: Int32Array; plan: PoolPlan }>, input: Tensor, plan: PoolPlan): Tensor[] {
    const size = sizeOf(plan.outputShape);
    // Both are written whole by the kernels below.
    const out = uninitializedArrayFor(input.dtype, size) as FloatArray;
    const indices = uninitializedArrayFor('int32', size) as Int32Array;
    if (plan.windows) windowMaxTable(floatData(input), plan, out, indices);
    else if (pairsOnly(plan.rows) && pairsOnly(plan.cols)) windowMax2x2(floatData(input), plan, out, indices);
    else windowMax(floatData(input), plan, out, indices);
    const indexTensor = new Tensor(indices, plan.outputShape);
    ctx.markNonDifferentiable(indexTensor);
    ctx.save({ indices, plan });
    return [new Tensor(out, plan.outputShape), indexTensor];
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    const { indices, plan } = ctx.saved;
    return [winnersScattered(gradOutput, indices, plan)];
  },
  differentiableBackward(ctx, gradOutput): [Variable] {
    const { indices, plan } = ctx.saved;
    return [scatterToWinners(gradOutput, indices, plan)];
  },
});

/** Each output's `g` added at its window's winner, into a new tensor: the pool's output shape → its input shape. */
function winnersScattered(g: Tensor, indices: Int32Array, plan: PoolPlan): Tensor {
  const gradIn = floatArray(g.dtype, sizeOf(plan.inputShape));
  windowMaxBackward(floatData(g), indices, plan, gradIn);
  return new Tensor(gradIn, plan.inputShape);
}

/** The input values at each window's winner: `x`: the pool's input shape → its output shape. */
function gatherWinners(x: Tensor, indices: Int32Array, plan: PoolPlan): Tensor {
  const src = floatData(x);
  const { inPlane, outPlane } = plan;
  const out = floatArray(x.dtype, plan.planes * outPlane);
  for (let plane = 0, o = 0; plane < plan.planes; plane++) {
    const base = plane * inPlane;
    for (let i = 0; i < outPlane; i++, o++) {
      const at = indices[o]!;
      out[o] = at >= 0 && at < inPlane ? src[base + at]! : 0;
    }
  }
  return new Tensor(out, plan.outputShape);
}

/**
 * Max-pool's backward as a differentiable op: each output's gradient added at its window's winner
 * (`indices`, flat per plane), the pool's output shape → its input shape. Linear in the gradient; its
 * adjoint, 'maxPoolGather', picks the winners back out.
 */
const [scatterToWinners] = defineAdjointPair(['maxPoolBackward', 'maxPoolGather'], winnersScattered, gatherWinners);

/** `windowMean` into a new tensor: `x`: the pool's input shape → its output shape. */
function windowMeans(x: Tensor, plan: PoolPlan, divisor: Float64Array): Tensor {
  const out = floatArray(x.dtype, sizeOf(plan.outputShape));
  windowMean(floatData(x), plan, divisor, out);
  return new Tensor(out, plan.outputShape);
}

/** `windowMeanBackward` into a new tensor: `g`: the pool's output shape → its input shape. */
function windowMeanAdjoint(g: Tensor, plan: PoolPlan, divisor: Float64Array): Tensor {
  const gradIn = floatArray(g.dtype, sizeOf(plan.inputShape));
  windowMeanBackward(floatData(g), plan, divisor, gradIn);
  return new Tensor(gradIn, plan.inputShape);
}

/**
 * Mean over windows with a per-output-position divisor. Linear in the input; its adjoint,
 * 'avgPoolBackward', is its backward, and the pool that one's.
 */
export const [windowMeanOp] = defineAdjointPair(['avgPool', 'avgPoolBackward'], windowMeans, windowMeanAdjoint);

/**
 * Checks a pooling input: a float Tensor/Variable of rank `dims + 1` (unbatched) or `dims + 2`,
 * with no empty spatial axis. Returns its spatial sizes.
 */
export function checkPoolInput(op: string, input: unknown, dims: number): number[] {
  if (input === null || typeof input !== 'object' || !('shape' in input) || !('dtype' in input)) {
    throw typeError(op, `input must be a Tensor or Variable, got ${input === null ? 'null' : typeof input}`);
  }
  const x = input as TensorInput;
  if (x.ndim !== dims + 1 && x.ndim !== dims + 2) {
    throw shapeError(
      op,
      `input must be ${dims + 1}-D (unbatched) or ${dims + 2}-D (batched), got ${formatShape(x.shape)}`,
    );
  }
  if (x.dtype === 'int32') throw typeError(op, `input must be float32 or float64, got int32 ${formatShape(x.shape)}`);
  const spatial = x.shape.slice(x.ndim - dims);
  if (spatial.some((d) => d === 0)) throw shapeError(op, `input ${formatShape(x.shape)} has an empty spatial axis`);
  // As PyTorch: only the batch may be empty, not the channels.
  if (x.ndim === dims + 2 ? x.shape[1] === 0 : x.shape[0] === 0)
    throw shapeError(op, `input ${formatShape(x.shape)} has no channels; only the batch axis may be 0`);
  return spatial;
}

/** Builds the plan for `[..., ...spatial]` (`dims` pooled axes) from per-axis windows. */
export function makePlan(inputShape: readonly number[], dims: number, axes: readonly AxisWindows[]): PoolPlan {
  const lead = inputShape.slice(0, inputShape.length - dims);
  const planes = lead.reduce((a, b) => a * b, 1);
  const [rows, cols] = dims === 1 ? [unitAxis(), axes[0]!] : [axes[dims - 2]!, axes[dims - 1]!];
  return {
    inputShape,
    outputShape: [...lead, ...axes.map((a) => a.outSize)],
    planes,
    axes: axes.slice(),
    rows,
    cols,
    inPlane: axes.reduce((p, a) => p * a.inSize, 1),
    outPlane: axes.reduce((p, a) => p * a.outSize, 1),
    windows: dims > 2 ? windowTable(axes) : null,
  };
}

export interface PoolCommonOptions {
  /** Window size, one integer or one per axis. Required. */
  kernelSize: SpatialArg;
  /** Default (and `null`): `kernelSize`. */
  stride?: SpatialArg | null;
  /** Implicit padding on both sides, at most half the kernel. Default 0. */
  padding?: SpatialArg;
  /** Round the output size up instead of down (see `poolOutputSize`). Default false. */
  ceilMode?: boolean;
}

export interface MaxPoolOptions extends PoolCommonOptions {
  /** Spacing between window taps. Default 1. */
  dilation?: SpatialArg;
  /** Also return the argmax indices (flat `h·W + w` within each plane of the unpadded input). */
  returnIndices?: boolean;
}

export interface AvgPoolOptions extends PoolCommonOptions {
  /** Count the zero padding in the divisor. Default true. */
  countIncludePad?: boolean;
  /** Divide every window by this instead (a non-zero integer). Default null. */
  divisorOverride?: number | null;
}

const MAX_POOL_KEYS = optionKeys<MaxPoolOptions>({
  kernelSize: true,
  stride: true,
  padding: true,
  ceilMode: true,
  dilation: true,
  returnIndices: true,
});
const AVG_POOL_KEYS = optionKeys<AvgPoolOptions>({
  kernelSize: true,
  stride: true,
  padding: true,
  ceilMode: true,
  countIncludePad: true,
  divisorOverride: true,
});

interface ResolvedPool {
  kernel: number[];
  stride: number[];
  padding: number[];
  dilation: number[];
  ceilMode: boolean;
  outSize: number[];
}

/** Validates the options shared by max and avg pooling and computes the output sizes. */
function resolvePool(
  op: string,
  input: TensorInput,
  dims: number,
  options: MaxPoolOptions | AvgPoolOptions,
  dilationArg: unknown,
): ResolvedPool {
  const spatial = checkPoolInput(op, input, dims);
  if (options === null || typeof options !== 'object')
    throw typeError(op, `options must be an object with kernelSize, got ${describeOption(options)}`);
  if (options.kernelSize === undefined) throw typeError(op, 'options.kernelSize is required');
  const kernel = spatialTuple(op, 'kernelSize', options.kernelSize, dims, 1);
  const stride = options.stride == null ? kernel.slice() : spatialTuple(op, 'stride', options.stride, dims, 1);
  const padding = spatialTuple(op, 'padding', options.padding ?? 0, dims, 0);
  const dilation = spatialTuple(op, 'dilation', dilationArg ?? 1, dims, 1);
  const ceilMode = options.ceilMode ?? false;
  if (typeof ceilMode !== 'boolean') throw typeError(op, `ceilMode must be a boolean, got ${describeOption(ceilMode)}`);
  if (padding.some((p, i) => p > Math.floor(kernel[i]! / 2))) {
    throw rangeError(
      op,
      `padding must be at most half of kernelSize, got padding=${describeOption(options.padding)} with kernelSize=${describeOption(options.kernelSize)}`,
    );
  }
  const outSize = spatial.map((l, i) => poolOutputSize(l, kernel[i]!, stride[i]!, padding[i]!, dilation[i]!, ceilMode));
  if (outSize.some((o) => o < 1)) {
    const dilated = kernel.map((k, i) => dilatedSpan(k, dilation[i]!));
    throw shapeError(
      op,
      `output would be empty: input ${formatShape(input.shape)} padded to ${formatSize(spatial.map((l, i) => l + 2 * padding[i]!))} is smaller than the ${dilation.some((d) => d > 1) ? 'dilated ' : ''}kernel ${formatSize(dilated)} (kernelSize=${describeOption(options.kernelSize)}${dilation.some((d) => d > 1) ? `, dilation=${describeOption('dilation' in options ? options.dilation : 1)}` : ''}; output ${formatSize(outSize)})`,
    );
  }
  return { kernel, stride, padding, dilation, ceilMode, outSize };
}

function asOptions<T extends PoolCommonOptions>(op: string, options: T | SpatialArg): T {
  if (options === null || (typeof options !== 'object' && typeof options !== 'number')) {
    throw typeError(
      op,
      `options must be an object with kernelSize, or the kernel size, got ${describeOption(options)}`,
    );
  }
  return typeof options === 'number' || Array.isArray(options) ? ({ kernelSize: options } as T) : (options as T);
}

function runMaxPool(
  op: string,
  dims: number,
  input: TensorInput,
  options: MaxPoolOptions | SpatialArg,
): Variable | [Variable, Variable] {
  const opts = checkOptions(op, asOptions<MaxPoolOptions>(op, options), MAX_POOL_KEYS);
  const r = resolvePool(op, input, dims, opts, opts.dilation);
  const spatial = input.shape.slice(input.ndim - dims);
  const axes = spatial.map((l, i) =>
    poolAxis(l, r.outSize[i]!, r.kernel[i]!, r.stride[i]!, r.padding[i]!, r.dilation[i]!),
  );
  const [out, indices] = windowMaxOp(input, makePlan(input.shape, dims, axes)) as [Variable, Variable];
  return opts.returnIndices ? [out, indices] : out;
}

function runAvgPool(op: string, dims: number, input: TensorInput, options: AvgPoolOptions | SpatialArg): Variable {
  const opts = checkOptions(op, asOptions<AvgPoolOptions>(op, options), AVG_POOL_KEYS);
  const r = resolvePool(op, input, dims, opts, 1);
  const countIncludePad = opts.countIncludePad ?? true;
  if (typeof countIncludePad !== 'boolean')
    throw typeError(op, `countIncludePad must be a boolean, got ${describeOption(countIncludePad)}`);
  const override = opts.divisorOverride ?? null;
  if (override !== null) {
    if (typeof override !== 'number' || !Number.isInteger(override))
      throw typeError(op, `divisorOverride must be an integer or null, got ${describeOption(override)}`);
    if (override === 0) throw rangeError(op, 'divisorOverride must not be zero');
  }
  const spatial = input.shape.slice(input.ndim - dims);
  const axes = spatial.map((l, i) => poolAxis(l, r.outSize[i]!, r.kernel[i]!, r.stride[i]!, r.padding[i]!, 1));
  const plan = makePlan(input.shape, dims, axes);
  const divisor =
    override !== null
      ? new Float64Array(plan.outPlane).fill(override)
      : countIncludePad
        ? windowDivisors(axes, (a, o) => a.padded[o]!)
        : // A window entirely in padding sums nothing; dividing by 1 keeps it 0 (PyTorch writes 0).
          windowDivisors(axes, (a, o) => a.end[o]! - a.start[o]!).map((d) => Math.max(1, d));
  return windowMeanOp(input, plan, divisor);
}

/** maxPool1d/2d/3d: `input [N, C, ...spatial]`; `[output, indices]` with `returnIndices: true`. */
export interface MaxPoolFunction {
  (input: TensorInput, options: MaxPoolOptions & { returnIndices: true }): [Variable, Variable];
  (input: TensorInput, options: MaxPoolOptions | SpatialArg): Variable;
}

/** avgPool1d/2d/3d: `input [N, C, ...spatial]`. */
export type AvgPoolFunction = (input: TensorInput, options: AvgPoolOptions | SpatialArg) => Variable;

/** The public max pool of one rank: `runMaxPool` with its name (in every error) and rank fixed. */
function maxPoolOfRank(op: string, dims: number): MaxPoolFunction {
  // One implementation behind both overloads, as an overloaded function declaration has.
  return ((input: TensorInput, options: MaxPoolOptions | SpatialArg) =>
    runMaxPool(op, dims, input, options)) as MaxPoolFunction;
}

/** The public average pool of one rank: `runAvgPool` with its name (in every error) and rank fixed. */
function avgPoolOfRank(op: string, dims: number): AvgPoolFunction {
  return (input, options) => runAvgPool(op, dims, input, options);
}

/**
 * 1-D max pooling, as `torch.nn.functional.max_pool1d`.
 *
 * @param input `[N, C, L]` or unbatched `[C, L]`
 * @param options `{ kernelSize, stride = kernelSize, padding = 0, dilation = 1, ceilMode = false,
 *   returnIndices = false }`, or just the kernel size
 * @returns `[N, C, Lout]`, `Lout = poolOutputSize(L, kernelSize, stride, padding, dilation, ceilMode)`;
 *   with `returnIndices`, `[output, indices]` where `indices` (int32, same shape) is the position of
 *   each maximum in `[0, L)`. Differs from PyTorch: indices are int32, not int64.
 * @throws ShapeError for a wrong rank or an empty output; RangeError for padding > kernelSize / 2
 * @example maxPool1d(tensor([[[1, 3, 2, 5]]]), 2).toArray() // [[[3, 5]]]
 */
export const maxPool1d: MaxPoolFunction = maxPoolOfRank('maxPool1d', 1);

/**
 * 2-D max pooling, as `torch.nn.functional.max_pool2d`.
 *
 * @param input `[N, C, H, W]` or unbatched `[C, H, W]`
 * @param options `{ kernelSize, stride = kernelSize, padding = 0, dilation = 1, ceilMode = false,
 *   returnIndices = false }` (numbers or `[h, w]` pairs), or just the kernel size
 * @returns `[N, C, Hout, Wout]` with each axis sized by `poolOutputSize`; with `returnIndices`,
 *   `[output, indices]`, `indices` (int32) the flat `h·W + w` of each maximum within its plane.
 *   Differs from PyTorch: indices are int32, not int64.
 * @throws ShapeError for a wrong rank or an empty output; RangeError for padding > kernelSize / 2
 * @example maxPool2d(randn([1, 6, 28, 28]), 2).shape // [1, 6, 14, 14]
 */
export const maxPool2d: MaxPoolFunction = maxPoolOfRank('maxPool2d', 2);

/**
 * 1-D average pooling, as `torch.nn.functional.avg_pool1d`. The divisor is the window clipped to
 * `L + padding` with `countIncludePad` (default), the number of real inputs without it, or
 * `divisorOverride`. Differs from PyTorch: `divisorOverride` is accepted here too.
 *
 * @param input `[N, C, L]` or unbatched `[C, L]`
 * @param options `{ kernelSize, stride = kernelSize, padding = 0, ceilMode = false,
 *   countIncludePad = true, divisorOverride = null }`, or just the kernel size
 * @returns `[N, C, Lout]`, `Lout = poolOutputSize(L, kernelSize, stride, padding, 1, ceilMode)`
 * @throws ShapeError for a wrong rank or an empty output; RangeError for padding > kernelSize / 2
 * @example avgPool1d(tensor([[[1, 3, 2, 6]]]), 2).toArray() // [[[2, 4]]]
 */
export const avgPool1d: AvgPoolFunction = avgPoolOfRank('avgPool1d', 1);

/**
 * 2-D average pooling, as `torch.nn.functional.avg_pool2d` (divisor rules as `avgPool1d`, per window).
 *
 * @param input `[N, C, H, W]` or unbatched `[C, H, W]`
 * @param options `{ kernelSize, stride = kernelSize, padding = 0, ceilMode = false,
 *   countIncludePad = true, divisorOverride = null }`, or just the kernel size
 * @returns `[N, C, Hout, Wout]`, each axis sized by `poolOutputSize` with dilation 1
 * @throws ShapeError for a wrong rank or an empty output; RangeError for padding > kernelSize / 2
 * @example avgPool2d(randn([1, 6, 28, 28]), { kernelSize: 2 }).shape // [1, 6, 14, 14]
 */
export const avgPool2d: AvgPoolFunction = avgPoolOfRank('avgPool2d', 2);

/**
 * 3-D max pooling, as `torch.nn.functional.max_pool3d`.
 *
 * @param input `[N, C, D, H, W]` or unbatched `[C, D, H, W]`
 * @param options as `maxPool2d`, numbers or `[d, h, w]` triples, or just the kernel size
 * @returns `[N, C, Dout, Hout, Wout]` with each axis sized by `poolOutputSize`; with `returnIndices`,
 *   `[output, indices]`, `indices` (int32) the flat `(d·H + h)·W + w` of each maximum within its plane.
 *   Differs from PyTorch: indices are int32, not int64.
 * @throws ShapeError for a wrong rank or an empty output; RangeError for padding > kernelSize / 2
 * @example maxPool3d(randn([1, 2, 8, 8, 8]), 2).shape // [1, 2, 4, 4, 4]
 */
export const maxPool3d: MaxPoolFunction = maxPoolOfRank('maxPool3d', 3);

/**
 * 3-D average pooling, as `torch.nn.functional.avg_pool3d` (divisor rules as `avgPool1d`, per window).
 *
 * @param input `[N, C, D, H, W]` or unbatched `[C, D, H, W]`
 * @param options as `avgPool2d`, numbers or `[d, h, w]` triples, or just the kernel size
 * @returns `[N, C, Dout, Hout, Wout]`, each axis sized by `poolOutputSize` with dilation 1
 * @throws ShapeError for a wrong rank or an empty output; RangeError for padding > kernelSize / 2
 * @example avgPool3d(randn([1, 2, 8, 8, 8]), { kernelSize: 2 }).shape // [1, 2, 4, 4, 4]
 */
export const avgPool3d: AvgPoolFunction = avgPoolOfRank('avgPool3d', 3);

/** The number of pooled axes of an N-d pool: a positive integer. */
export function checkPoolRank(op: string, dims: unknown): number {
  if (typeof dims !== 'number' || !Number.isInteger(dims))
    throw typeError(op, `dims must be an integer (the number of pooled axes), got ${describeOption(dims)}`);
  if (dims < 1) throw rangeError(op, `dims must be positive, got dims=${dims}`);
  return dims;
}

/**
 * Max pooling over the last `dims` axes (any number; PyTorch stops at 3), options as `maxPool2d`.
 *
 * @param input `[N, C, ...spatial]` or unbatched `[C, ...spatial]`, `dims` spatial axes
 * @param dims the number of pooled axes (the input's rank alone cannot tell batched from unbatched)
 * @param options `{ kernelSize, stride = kernelSize, padding = 0, dilation = 1, ceilMode = false,
 *   returnIndices = false }`, numbers or one entry per axis, or just the kernel size
 * @returns `[N, C, ...outSize]`; with `returnIndices`, `[output, indices]`, `indices` (int32) the
 *   row-major flat index of each maximum within its `[n, c]` plane of the unpadded input
 * @throws as `maxPool2d`; RangeError/TypeError for a `dims` that is not a positive integer
 * @example maxPoolNd(randn([1, 2, 4, 4, 4, 4]), 4, 2).shape // [1, 2, 2, 2, 2, 2]
 */
export function maxPoolNd(
  input: TensorInput,
  dims: number,
  options: MaxPoolOptions & { returnIndices: true },
): [Variable, Variable];
export function maxPoolNd(input: TensorInput, dims: number, options: MaxPoolOptions | SpatialArg): Variable;
export function maxPoolNd(
  input: TensorInput,
  dims: number,
  options: MaxPoolOptions | SpatialArg,
): Variable | [Variable, Variable] {
  return runMaxPool('maxPoolNd', checkPoolRank('maxPoolNd', dims), input, options);
}

/**
 * Average pooling over the last `dims` axes (any number), options and divisor rules as `avgPool2d`.
 *
 * @param input `[N, C, ...spatial]` or unbatched `[C, ...spatial]`, `dims` spatial axes
 * @param dims the number of pooled axes
 * @param options `{ kernelSize, stride = kernelSize, padding = 0, ceilMode = false,
 *   countIncludePad = true, divisorOverride = null }`, or just the kernel size
 * @returns `[N, C, ...outSize]`, each axis sized by `poolOutputSize` with dilation 1
 * @throws as `avgPool2d`; RangeError/TypeError for a `dims` that is not a positive integer
 * @example avgPoolNd(randn([1, 2, 4, 4, 4, 4]), 4, 2).shape // [1, 2, 2, 2, 2, 2]
 */
export function avgPoolNd(input: TensorInput, dims: number, options: AvgPoolOptions | SpatialArg): Variable {
  return runAvgPool('avgPoolNd', checkPoolRank('avgPoolNd', dims), input, options);
}

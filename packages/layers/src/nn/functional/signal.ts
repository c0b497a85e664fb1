import { defineOp, type ForwardContext, type Variable } from '@torchlet/autograd';
import {
  convAdjointInto,
  convForwardInto,
  convGeometry,
  convPlan,
  convWeightGradInto,
  type ConvPlan,
  describeOption,
  floatArray,
  type FloatArray,
  floatData,
  formatShape,
  rangeError,
  shapeError,
  Tensor,
  typeError,
} from '@torchlet/tensor';
import { convInputGrad, convWeightGrad } from './conv-grads.js';
import { checkConvSizes, type TensorInput } from './conv-options.js';

/**
 * Textbook (signal-processing) convolution: the kernel is flipped, unlike the cross-correlation
 * deep-learning layers call convolution. Every mode is a window of the 'full' result, and a window
 * of a correlation over a zero-padded input is the same correlation with other padding: output
 * `offset` of the full result needs `M − 1 − offset` zeros before and `length + offset − N` after.
 * So all three functions are one op over the conv kernels, with per-axis asymmetric padding.
 */
export type SignalMode = 'full' | 'same' | 'valid';

interface SignalCall {
  op: string;
  padBefore: number[];
  padAfter: number[];
  /** Convolve (flip the kernel) rather than correlate. */
  flip: boolean;
}

/** The elements in reverse order: reversing a contiguous array flips every axis at once. */
function reversed(data: FloatArray): FloatArray {
  const out = floatArray(data instanceof Float32Array ? 'float32' : 'float64', data.length);
  for (let i = 0, j = data.length - 1; j >= 0; i++, j--) out[i] = data[j]!;
  return out;
}

const signalOp = defineOp({
  name: 'signalConvolve',
  forward(
    ctx: ForwardContext<{ x: Tensor; kernel: Tensor; plan: ConvPlan; flip: boolean }>,
    x: Tensor,
    w: Tensor,
    call: SignalCall,
  ): Tensor {
    const kernel = call.flip ? reversed(floatData(w)) : floatData(w);
    const geom = convGeometry(call.op, {
      channels: 1,
      inputSize: x.shape,
      kernelSize: w.shape,
      padding: call.padBefore,
      paddingAfter: call.padAfter,
    });
    const plan = convPlan(1, 1, 1, 1, geom);
    const out = floatArray(x.dtype, plan.outPositions);
    convForwardInto(floatData(x), kernel, plan, out, false);
    ctx.save({ x, kernel: new Tensor(kernel, w.shape), plan, flip: call.flip });
    return new Tensor(out, geom.outputSize);
  },
  backward(ctx, gradOutput: Tensor): (Tensor | null)[] {
    const { x, kernel, plan, flip } = ctx.saved;
    const gy = floatData(gradOutput);
    let gradX: Tensor | null = null;
    let gradW: Tensor | null = null;
    if (ctx.needsInputGrad[0]) {
      const gx = floatArray(gradOutput.dtype, x.size);
      convAdjointInto(gy, floatData(kernel), plan, gx);
      gradX = new Tensor(gx, x.shape);
    }
    if (ctx.needsInputGrad[1]) {
      const gw = floatArray(gradOutput.dtype, kernel.size);
      convWeightGradInto(floatData(x), gy, plan, gw);
      // The forward used the flipped kernel, so its gradient flips back.
      gradW = new Tensor(flip ? reversed(gw) : gw, kernel.shape);
    }
    return [gradX, gradW, null];
  },
  differentiableBackward(ctx, gradOutput): (Variable | null)[] {
    // The same conv gradients as differentiable ops, so they can be differentiated again.
    const { plan, flip } = ctx.saved;
    const [x, w] = ctx.inputs;
    const kernel = flip ? reverse(w) : w;
    let gradW: Variable | null = null;
    if (ctx.needsInputGrad[1]) {
      const gw = convWeightGrad(x, gradOutput, plan, w.shape);
      gradW = flip ? reverse(gw) : gw;
    }
    return [ctx.needsInputGrad[0] ? convInputGrad(gradOutput, kernel, plan, x.shape) : null, gradW, null];
  },
});

/** Every axis flipped, as a differentiable op: its own adjoint. Any shape → same shape. */
const reverse = defineOp({
  name: 'flip',
  forward(_ctx, x: Tensor): Tensor {
    return new Tensor(reversed(floatData(x)), x.shape);
  },
  backward(_ctx, gradOutput: Tensor): [Tensor] {
    return [new Tensor(reversed(floatData(gradOutput)), gradOutput.shape)];
  },
  differentiableBackward(_ctx, gradOutput): [Variable] {
    return [reverse(gradOutput)];
  },
});

const MODES: readonly SignalMode[] = ['full', 'same', 'valid'];

/**
 * Checks a signal op's two arrays and mode. `rank` null (the n-d ops) takes the first array's rank,
 * which the second must share; `names` are the parameters as the op's docs call them.
 */
function checkSignalArgs(
  op: string,
  x: unknown,
  w: unknown,
  rank: number | null,
  mode: unknown,
  names: readonly [string, string] = ['x', 'w'],
): [TensorInput, TensorInput, SignalMode] {
  for (const [name, t] of [
    [names[0], x],
    [names[1], w],
  ] as const) {
    if (t === null || typeof t !== 'object' || !('shape' in t) || !('dtype' in t)) {
      throw typeError(op, `${name} must be a Tensor or Variable, got ${t === null ? 'null' : typeof t}`);
    }
  }
  const a = x as TensorInput;
  const b = w as TensorInput;
  const [xName, wName] = names;
  if (rank === null) {
    if (a.ndim < 1) throw shapeError(op, `${xName} must have at least one axis, got ${formatShape(a.shape)}`);
    if (b.ndim !== a.ndim) {
      throw shapeError(
        op,
        `${xName} and ${wName} must have the same number of axes, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`,
      );
    }
  }
  for (const [name, t] of [
    [xName, a],
    [wName, b],
  ] as const) {
    if (rank !== null && t.ndim !== rank)
      throw shapeError(op, `${name} must be ${rank}-D, got ${formatShape(t.shape)}`);
    if (t.size === 0) throw shapeError(op, `${name} must not be empty, got ${formatShape(t.shape)}`);
  }
  if (a.dtype === 'int32' || b.dtype === 'int32')
    throw typeError(op, `${xName} and ${wName} must be float32 or float64, got ${a.dtype} and ${b.dtype}`);
  if (a.dtype !== b.dtype)
    throw typeError(op, `${xName} is ${a.dtype} but ${wName} is ${b.dtype}; cast one of them so both match`);
  if (!MODES.includes(mode as SignalMode))
    throw rangeError(op, `mode must be 'full', 'same' or 'valid', got ${describeOption(mode)}`);
  return [a, b, mode as SignalMode];
}

/** Runs the op for per-axis windows `[offset, offset + length)` of the full result. */
function windowed(
  op: string,
  x: TensorInput,
  w: TensorInput,
  windows: readonly [number, number][],
  flip: boolean,
): Variable {
  const padBefore = windows.map(([offset], i) => w.shape[i]! - 1 - offset);
  const padAfter = windows.map(([offset, length], i) => length + offset - x.shape[i]!);
  return signalOp(x, w, { op, padBefore, padAfter, flip });
}

/**
 * Discrete linear convolution of two 1-D signals, as `numpy.convolve`:
 * `out[i] = Σ_j x[j]·w[i − j]` (the kernel is flipped).
 *
 * @param x `[N]`
 * @param w `[M]`
 * @param mode `'full'` (default): `[N + M − 1]`; `'same'`: `[max(N, M)]`, centred as numpy;
 *   `'valid'`: `[max(N, M) − min(N, M) + 1]`, only full overlaps. As numpy, the longer input
 *   plays the signal, so the result does not depend on the order.
 * @throws ShapeError for inputs that are not 1-D or are empty; RangeError for an unknown mode
 * @example convolve(tensor([0, 1, 2, 3, 4]), tensor([1, -1, 2]), 'valid').toArray() // [1, 3, 5]
 */
export function convolve(x: TensorInput, w: TensorInput, mode: SignalMode = 'full'): Variable {
  const [a, b, m] = checkSignalArgs('convolve', x, w, 1, mode);
  const n = a.shape[0]!;
  const k = b.shape[0]!;
  const short = Math.min(n, k);
  const long = Math.max(n, k);
  const window: [number, number] =
    m === 'full' ? [0, n + k - 1] : m === 'valid' ? [short - 1, long - short + 1] : [Math.floor((short - 1) / 2), long];
  return windowed('convolve', a, b, [window], true);
}

function windows2d(
  op: string,
  x: TensorInput,
  w: TensorInput,
  mode: SignalMode,
  sameOffset: (k: number) => number,
  names: readonly [string, string] = ['x', 'w'],
): [number, number][] {
  if (mode === 'valid') {
    const xLarger = x.shape.every((d, i) => d >= w.shape[i]!);
    const wLarger = x.shape.every((d, i) => d <= w.shape[i]!);
    if (!xLarger && !wLarger) {
      throw shapeError(
        op,
        `mode 'valid' needs one input at least as large as the other on every axis; ${names[0]} is ${formatShape(x.shape)} and ${names[1]} is ${formatShape(w.shape)}`,
      );
    }
  }
  return x.shape.map((n, i) => {
    const k = w.shape[i]!;
    if (mode === 'full') return [0, n + k - 1];
    if (mode === 'valid') return [Math.min(n, k) - 1, Math.abs(n - k) + 1];
    return [sameOffset(k), n];
  });
}

/**
 * 2-D convolution of an image with a kernel, as `scipy.signal.convolve2d` with zero fill:
 * `out[i, j] = Σ x[p, q]·w[i − p, j − q]` (the kernel is flipped on both axes).
 *
 * @param x `[H, W]`
 * @param w `[kH, kW]`
 * @param mode `'full'` (default): `[H + kH − 1, W + kW − 1]`; `'same'`: `[H, W]`, the full result's
 *   window from `floor((k − 1) / 2)` on each axis; `'valid'`: `[|H − kH| + 1, |W − kW| + 1]`, which
 *   needs one input at least as large as the other on both axes
 * @throws ShapeError for inputs that are not 2-D, are empty, or cannot do 'valid'; RangeError for an unknown mode
 * @example convolve2d(randn([5, 6]), randn([3, 3]), 'same').shape // [5, 6]
 */
export function convolve2d(x: TensorInput, w: TensorInput, mode: SignalMode = 'full'): Variable {
  const [a, b, m] = checkSignalArgs('convolve2d', x, w, 2, mode);
  return windowed(
    'convolve2d',
    a,
    b,
    windows2d('convolve2d', a, b, m, (k) => Math.floor((k - 1) / 2)),
    true,
  );
}

/**
 * 2-D cross-correlation, as `scipy.signal.correlate2d` with zero fill:
 * `out[i, j] = Σ x[p + i − (kH − 1), q + j − (kW − 1)]·w[p, q]` over the full result.
 *
 * @param x `[H, W]`
 * @param w `[kH, kW]`
 * @param mode as `convolve2d`, except that 'same' takes the full result's window from `floor(k / 2)`,
 *   as scipy does: for even kernels that is not `convolve2d` with a rotated kernel (one off)
 * @throws as `convolve2d`
 * @example correlate2d(randn([4, 5]), randn([2, 2]), 'valid').shape // [3, 4]
 */
export function correlate2d(x: TensorInput, w: TensorInput, mode: SignalMode = 'full'): Variable {
  const [a, b, m] = checkSignalArgs('correlate2d', x, w, 2, mode);
  return windowed(
    'correlate2d',
    a,
    b,
    windows2d('correlate2d', a, b, m, (k) => Math.floor(k / 2)),
    false,
  );
}

/** convolveNd/correlateNd: the windows of scipy's n-d modes, checked against the tensor size limit. */
function signalNd(op: string, a: unknown, k: unknown, mode: unknown, flip: boolean): Variable {
  const names = ['a', 'k'] as const;
  const [x, w, m] = checkSignalArgs(op, a, k, null, mode, names);
  // scipy.signal.convolve/correlate centre 'same' at (M − 1) // 2 on every axis, both of them.
  const windows = windows2d(op, x, w, m, (size) => Math.floor((size - 1) / 2), names);
  const outShape = windows.map(([, length]) => length);
  checkConvSizes(
    op,
    x,
    outShape,
    { rows: w.size, positions: outShape.reduce((p, d) => p * d, 1) },
    `k ${formatShape(w.shape)}, mode=${describeOption(m)}`,
  );
  return windowed(op, x, w, windows, flip);
}

/**
 * Textbook n-d convolution, exactly `scipy.signal.convolve(a, k, mode, method='direct')`:
 * `out[i] = Σ_j a[j]·k[i − j]` over every axis (the kernel is flipped on every axis, as MATLAB's `convn`).
 * Differentiable in both arguments, to any order.
 *
 * @param a `[n1, ..., nd]`, d ≥ 1
 * @param k `[m1, ..., md]`, the same number of axes
 * @param mode `'full'` (default): `[n + m − 1]` per axis; `'same'`: `a`'s shape, the full result's
 *   window from `floor((m − 1) / 2)` on each axis; `'valid'`: `[|n − m| + 1]` per axis, only full
 *   overlaps, which needs one array at least as large as the other on every axis (then the result
 *   does not depend on the order, as scipy swaps them).
 *   For odd `m` 'same' is centred, as MATLAB's `convn(a, k, 'same')`. For even `m` the window starts
 *   at `(m − 2) / 2`, one earlier than MATLAB's `convn`, which starts at `m / 2`:
 *   `convn(a, k, 'same')` is `convolveNd(a, k, 'full')` sliced from `floor(m / 2)`.
 * @throws ShapeError for empty arrays, differing numbers of axes, or 'valid' when neither array
 *   contains the other; RangeError for an unknown mode or a result past the tensor size limit;
 *   TypeError for int32 or mixed dtypes
 * @example convolveNd(randn([6, 5, 4, 3]), randn([3, 3, 3, 3]), 'same').shape // [6, 5, 4, 3]
 */
export function convolveNd(a: TensorInput, k: TensorInput, mode: SignalMode = 'full'): Variable {
  return signalNd('convolveNd', a, k, mode, true);
}

/**
 * Textbook n-d cross-correlation, exactly `scipy.signal.correlate(a, k, mode, method='direct')`
 * (real inputs): `out[i] = Σ_j a[j + i − (m − 1)]·k[j]` over the full result.
 * Differentiable in both arguments, to any order.
 *
 * @param a `[n1, ..., nd]`, d ≥ 1
 * @param k `[m1, ..., md]`, the same number of axes
 * @param mode as `convolveNd`; 'same' takes the full result's window from `floor((m − 1) / 2)` on
 *   each axis as scipy.signal.correlate does (unlike `correlate2d`, which starts at `floor(m / 2)`).
 * @throws as `convolveNd`
 * @example correlateNd(randn([4, 4, 4, 4, 4]), randn([2, 2, 2, 2, 2]), 'valid').shape // [3, 3, 3, 3, 3]
 */
export function correlateNd(a: TensorInput, k: TensorInput, mode: SignalMode = 'full'): Variable {
  return signalNd('correlateNd', a, k, mode, false);
}

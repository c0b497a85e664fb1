import type { Variable } from '@torchlet/autograd';
import {
  checkOptions,
  optionKeys,
  checkSize,
  describeOption,
  spatialTuple,
  formatShape,
  sizeOf,
  rangeError,
  shapeError,
  typeError,
  type Tensor,
} from '@torchlet/tensor';
import { checkInputWeightBias } from './check-tensors.js';

/** A tensor argument: a plain Tensor (a constant) or a Variable (joins the graph). */
export type TensorInput = Tensor | Variable;

/** One integer for every spatial axis, or one per axis (`[sH, sW]`). */
export type SpatialArg = number | readonly number[];

/** How `paddingMode` fills the border before a convolution, as PyTorch's `padding_mode`. */
export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

export interface ConvOptions {
  /** Default 1. */
  stride?: SpatialArg;
  /**
   * Zero padding on both sides of each axis (default 0), or `'valid'` (none), or `'same'`
   * (output as large as the input; stride 1 only): total `dilation·(k − 1)` per axis, half
   * (rounded down) before and the rest after, as PyTorch.
   */
  padding?: SpatialArg | 'same' | 'valid';
  /** Spacing between kernel taps. Default 1. */
  dilation?: SpatialArg;
  /** Channels split into `groups` independent convolutions; must divide Cin and Cout. Default 1. */
  groups?: number;
  /** Default `'zeros'`. Other modes pad with that mode first, then convolve unpadded. */
  paddingMode?: PaddingMode;
}

/** `ConvOptions` resolved to one integer per spatial axis; what the conv op and its kernels take. */
export interface ConvParams {
  stride: number[];
  padBefore: number[];
  padAfter: number[];
  dilation: number[];
  groups: number;
}

/** The keys `ConvOptions` takes; any other is refused with a did-you-mean. */
export const CONV_KEYS = optionKeys<ConvOptions>({
  stride: true,
  padding: true,
  dilation: true,
  groups: true,
  paddingMode: true,
});

const PADDING_MODES: readonly PaddingMode[] = ['zeros', 'reflect', 'replicate', 'circular'];

/** `'zeros' | 'reflect' | 'replicate' | 'circular'`, or a RangeError naming the bad value. */
export function checkPaddingMode(op: string, mode: unknown): PaddingMode {
  if (!PADDING_MODES.includes(mode as PaddingMode)) {
    throw rangeError(
      op,
      `paddingMode must be 'zeros', 'reflect', 'replicate' or 'circular', got ${describeOption(mode)}`,
    );
  }
  return mode as PaddingMode;
}

/** A positive integer `groups`. */
export function checkGroups(op: string, groups: unknown): number {
  if (typeof groups !== 'number' || !Number.isInteger(groups))
    throw typeError(op, `groups must be an integer, got groups=${describeOption(groups)}`);
  if (groups < 1) throw rangeError(op, `groups must be positive, got groups=${groups}`);
  return groups;
}

/**
 * Resolves conv options against a kernel: numbers become per-axis tuples, `'valid'` is zero
 * padding and `'same'` the asymmetric padding that keeps the size (the odd element after).
 *
 * @param kernelSize `[k1, ..., kd]`, the weight's spatial sizes
 * @throws TypeError/RangeError for malformed options; RangeError for `'same'` with a stride > 1
 * @example normalizeConvOptions('conv1d', [4], { padding: 'same', dilation: 3 }) // padBefore [4], padAfter [5]
 */
export function normalizeConvOptions(
  op: string,
  kernelSize: readonly number[],
  options: ConvOptions,
): ConvParams & { paddingMode: PaddingMode } {
  checkOptions(op, options, CONV_KEYS);
  const dims = kernelSize.length;
  const stride = spatialTuple(op, 'stride', options.stride ?? 1, dims, 1);
  const dilation = spatialTuple(op, 'dilation', options.dilation ?? 1, dims, 1);
  const groups = checkGroups(op, options.groups ?? 1);
  const paddingMode = checkPaddingMode(op, options.paddingMode ?? 'zeros');
  const padding = options.padding ?? 0;
  let padBefore: number[];
  let padAfter: number[];
  if (padding === 'valid') {
    padBefore = new Array<number>(dims).fill(0);
    padAfter = padBefore.slice();
  } else if (padding === 'same') {
    if (stride.some((s) => s !== 1)) {
      throw rangeError(op, `padding='same' needs stride 1 on every axis, got stride=${describeOption(options.stride)}`);
    }
    const total = kernelSize.map((k, i) => dilation[i]! * (k - 1));
    padBefore = total.map((t) => Math.floor(t / 2));
    padAfter = total.map((t, i) => t - padBefore[i]!);
  } else {
    if (typeof padding === 'string')
      throw rangeError(
        op,
        `padding must be a number, a tuple, 'same' or 'valid', got padding=${describeOption(padding)}`,
      );
    padBefore = spatialTuple(op, 'padding', padding, dims, 0);
    padAfter = padBefore.slice();
  }
  return { stride, padBefore, padAfter, dilation, groups, paddingMode };
}

/**
 * Checks the kinds, ranks and dtypes of a convolution's tensors (conv and convTranspose alike).
 *
 * @param input  `[N, C, ...spatial]` or unbatched `[C, ...spatial]`, `dims` spatial axes
 * @param weight rank `dims + 2`
 * @param bias   any shape here (checked by `checkConvChannels`) or null
 */
export function checkConvTensors(
  op: string,
  dims: number,
  input: unknown,
  weight: unknown,
  bias: unknown,
  weightLayout: string,
): void {
  checkInputWeightBias(op, input, weight, bias);
  const x = input as TensorInput;
  const w = weight as TensorInput;
  const b = bias as TensorInput | null | undefined;
  if (x.ndim !== dims + 1 && x.ndim !== dims + 2) {
    throw shapeError(
      op,
      `input must be ${dims + 1}-D (unbatched) or ${dims + 2}-D (batched), got ${formatShape(x.shape)}`,
    );
  }
  if (w.ndim !== dims + 2)
    throw shapeError(op, `weight must be ${dims + 2}-D ${weightLayout}, got ${formatShape(w.shape)}`);
  if (x.dtype === 'int32') throw typeError(op, `input must be float32 or float64, got int32 ${formatShape(x.shape)}`);
  if (w.dtype !== x.dtype)
    throw typeError(op, `input is ${x.dtype} but weight is ${w.dtype}; cast one of them so both match`);
  if (b && b.dtype !== x.dtype)
    throw typeError(op, `input is ${x.dtype} but bias is ${b.dtype}; cast one of them so both match`);
  const spatial = x.shape.slice(x.ndim - dims);
  if (spatial.some((d) => d === 0)) throw shapeError(op, `input ${formatShape(x.shape)} has an empty spatial axis`);
}

/**
 * Checks channel counts against `groups` and the bias length. A conv weight is
 * `[Cout, Cin/groups, ...k]` (`weightInAxis` 1); a transposed-conv weight `[Cin, Cout/groups, ...k]` (0).
 */
export function checkConvChannels(
  op: string,
  dims: number,
  input: TensorInput,
  weight: TensorInput,
  bias: TensorInput | null | undefined,
  groups: number,
  weightInAxis: 0 | 1,
): void {
  const cIn = input.shape[input.ndim - dims - 1]!;
  // As PyTorch: a weight with no output channels (conv) is an error, though an empty batch is not.
  if (weightInAxis === 1 && weight.shape[0] === 0)
    throw shapeError(op, `weight ${formatShape(weight.shape)} has no output channels; expected at least 1`);
  if (cIn % groups !== 0) {
    throw shapeError(
      op,
      `input channels (${cIn}) must be divisible by groups (${groups}); input is ${formatShape(input.shape)}`,
    );
  }
  if (weight.shape[0]! % groups !== 0) {
    const what = weightInAxis === 1 ? 'output' : 'input';
    throw shapeError(
      op,
      `weight ${formatShape(weight.shape)} has ${weight.shape[0]} ${what} channels, not divisible by groups=${groups}`,
    );
  }
  const expected = weightInAxis === 1 ? weight.shape[1]! * groups : weight.shape[0]!;
  if (cIn !== expected) {
    throw shapeError(
      op,
      `input has ${cIn} channels, but weight ${formatShape(weight.shape)} with groups=${groups} expects ${expected}; input is ${formatShape(input.shape)}`,
    );
  }
  const outChannels = weightInAxis === 1 ? weight.shape[0]! : weight.shape[1]! * groups;
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outChannels)) {
    throw shapeError(
      op,
      `bias must be [${outChannels}] (one per output channel of weight ${formatShape(weight.shape)}), got ${formatShape(bias.shape)}`,
    );
  }
}

/**
 * A convolution's output and one sample's im2col columns must fit in a tensor (`checkSize`), checked
 * before anything is allocated; `options` (the user's spelling, or a function making it) is what the
 * message blames.
 * @param columns one sample's im2col matrix: `rows` = (Cin / groups)·∏kernel... of the convolution input side, × window positions
 */
export function checkConvSizes(
  op: string,
  input: TensorInput,
  outputShape: readonly number[],
  columns: { rows: number; positions: number },
  options: string | (() => string),
): void {
  // The messages are built only when a check fails: this runs on every convolution call.
  const spelled = () => (typeof options === 'function' ? options() : options);
  checkSize(
    op,
    sizeOf(outputShape),
    () => `the output ${formatShape(outputShape)} of input ${formatShape(input.shape)} with ${spelled()}`,
  );
  checkSize(
    op,
    columns.rows * columns.positions,
    () =>
      `one sample's im2col columns (${columns.rows} × ${columns.positions} positions, input ${formatShape(input.shape)} with ${spelled()})`,
  );
}

/** Whether `input` lacks the batch axis (`[C, ...spatial]` for a `dims`-D op). */
export function isUnbatched(input: { ndim: number }, dims: number): boolean {
  return input.ndim === dims + 1;
}

/**
 * A public conv of one rank (conv1d/2d/3d, convTranspose1d/2d/3d): `input [N, Cin, ...spatial]` or
 * unbatched `[Cin, ...spatial]`, `weight` in the op's layout, `bias [Cout]` or null.
 */
export type ConvFunction<Options> = (
  input: TensorInput,
  weight: TensorInput,
  bias?: TensorInput | null,
  options?: Options,
) => Variable;

/** What every public conv of a family runs: its name (it heads every error) and rank come first. */
export type ConvRunner<Options> = (
  op: string,
  dims: number,
  input: TensorInput,
  weight: TensorInput,
  bias: TensorInput | null | undefined,
  options?: Options,
) => Variable;

/** The public conv of one rank: `run` with the op's name and rank fixed. */
export function convOfRank<Options>(run: ConvRunner<Options>, op: string, dims: number): ConvFunction<Options> {
  return (input, weight, bias, options) => run(op, dims, input, weight, bias, options);
}

/**
 * The public conv of any rank (convNd, convTransposeNd): `run` with the op's name fixed and the rank
 * taken from the weight; `channels` names the weight's first two axes for the error without a spatial one.
 */
export function convOfAnyRank<Options>(run: ConvRunner<Options>, op: string, channels: string): ConvFunction<Options> {
  return (input, weight, bias, options) => {
    checkInputWeightBias(op, input, weight, bias);
    if (weight.ndim < 3) {
      throw shapeError(
        op,
        `weight must be ${channels}, ...kernel] with at least one spatial axis, got ${formatShape(weight.shape)}`,
      );
    }
    return run(op, weight.ndim - 2, input, weight, bias, options);
  };
}

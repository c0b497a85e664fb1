import { defineOp, pad, sum, type BackwardContext, type ForwardContext, Variable } from '@torchlet/autograd';
import { convInputGrad, convWeightGrad } from './conv-grads.js';
import {
  channelSums,
  convAdjointInto,
  convForwardInto,
  convGeometry,
  convPlan,
  convWeightGradInto,
  fillChannelBias,
  formatShape,
  getBackend,
  rangeError,
  shapeError,
  takeColumns,
  Tensor,
  uninitializedArrayFor,
  type ConvPlan,
  describeOption,
  formatSize,
  dilatedSpan,
  floatArray,
  floatData,
  type FloatArray,
} from '@torchlet/tensor';
import {
  checkConvChannels,
  checkConvSizes,
  checkConvTensors,
  convOfAnyRank,
  convOfRank,
  isUnbatched,
  normalizeConvOptions,
  type ConvOptions,
  type ConvParams,
  type ConvFunction,
  type TensorInput,
} from './conv-options.js';

/*
 * The forward's columns are kept for the weight gradient when a graph is recorded: im2col then runs
 * once per step instead of twice (LeNet-5's conv2 at batch 64: 1.6 ms per pass). The buffers come
 * from the conv engine's column pool (@torchlet/tensor's kernels/conv/columns.ts) and go back when backward frees the graph.
 */
// Columns of at most this many elements are kept (16 MB in float32); larger ones are recomputed.
const KEPT_COLUMNS_MAX = 1 << 22;

/** What the conv op needs beyond its tensors: the resolved options of `normalizeConvOptions`. */
export interface ConvCall extends ConvParams {
  op: string;
}

/** The plan of a conv op's forward on `input` (batched or not) and `weight`, with `call`'s options. */
export function planConvCall(input: Tensor, weight: Tensor, call: ConvCall): { plan: ConvPlan; unbatched: boolean } {
  const dims = weight.ndim - 2;
  const unbatched = isUnbatched(input, dims);
  const [n, cIn, ...inputSize] = unbatched ? [1, ...input.shape] : input.shape;
  const geom = convGeometry(call.op, {
    channels: cIn!,
    inputSize,
    kernelSize: weight.shape.slice(2),
    stride: call.stride,
    padding: call.padBefore,
    paddingAfter: call.padAfter,
    dilation: call.dilation,
  });
  return { plan: convPlan(n!, call.groups, cIn!, weight.shape[0]!, geom), unbatched };
}

/** What a conv op's forward leaves for `convGradients`. */
export interface ConvSaved {
  input: Tensor;
  weight: Tensor;
  plan: ConvPlan;
  /** The forward's im2col columns, kept for the weight gradient (see `keepConvColumns`), or null. */
  columns: FloatArray | null;
}

/**
 * Columns for the forward to leave for the weight gradient (when one is wanted, they are not too
 * large and the backend's conv capability wants them: `ConvKernels.keepsColumns`), given back to the pool when the graph releases the op's saved record; null when they are
 * not kept.
 */
export function keepConvColumns<S>(ctx: ForwardContext<S>, input: Tensor, plan: ConvPlan): FloatArray | null {
  const columns = plan.batch * plan.cIn * plan.kernelVolume * plan.outPositions;
  if (!ctx.needsInputGrad[1] || plan.direct || columns > KEPT_COLUMNS_MAX) return null;
  if (getBackend().conv?.keepsColumns?.(plan) === false) return null;
  const keep = takeColumns(input.dtype, columns);
  ctx.onRelease(() => keep.give());
  return keep.columns;
}

/**
 * The gradients of a conv op's (input, weight, bias), each only if asked for, from the conv output's
 * gradient `gy` `[N, Cout, ...outputSize]`.
 */
export function convGradients(
  ctx: BackwardContext<ConvSaved>,
  gy: FloatArray,
): [Tensor | null, Tensor | null, Tensor | null] {
  const { input, weight, plan, columns } = ctx.saved;
  const dtype = input.dtype;
  let gradInput: Tensor | null = null;
  let gradWeight: Tensor | null = null;
  let gradBias: Tensor | null = null;
  if (ctx.needsInputGrad[0]) {
    const gx = floatArray(dtype, input.size);
    convAdjointInto(gy, floatData(weight), plan, gx);
    gradInput = new Tensor(gx, input.shape);
  }
  if (ctx.needsInputGrad[1]) {
    const gw = floatArray(dtype, weight.size);
    // The bias gradient comes along: under the wasm kernel the same tasks sum gy's channels.
    const gb = ctx.needsInputGrad[2] ? floatArray(dtype, plan.cOut) : null;
    convWeightGradInto(floatData(input), gy, plan, gw, columns, gb);
    gradWeight = new Tensor(gw, weight.shape);
    if (gb) gradBias = new Tensor(gb, [plan.cOut]);
  }
  if (ctx.needsInputGrad[2] && !gradBias) {
    const gb = floatArray(dtype, plan.cOut);
    channelSums(gy, plan.batch, plan.cOut, plan.outPositions, gb);
    gradBias = new Tensor(gb, [plan.cOut]);
  }
  return [gradInput, gradWeight, gradBias];
}

/**
 * The differentiable convolution shared by conv1d/2d/3d: forward im2col + GEMM with the bias in
 * the same pass; backward gradInput = col2im(Wᵀ·gradOutput), gradWeight = gradOutput·colsᵀ summed
 * over the batch, gradBias = Σ gradOutput, each only if asked for. Inputs are validated by the
 * public functions; an unbatched input `[Cin, ...]` runs as a batch of one.
 */
export const convOp = defineOp({
  name: 'conv',
  forward(ctx: ForwardContext<ConvSaved>, input: Tensor, weight: Tensor, bias: Tensor | null, call: ConvCall): Tensor {
    const { plan, unbatched } = planConvCall(input, weight, call);
    // convForwardInto writes all of it: from the bias, or by GEMMs with beta = 0, which do not read C.
    const out = uninitializedArrayFor(input.dtype, plan.batch * plan.cOut * plan.outPositions) as FloatArray;
    const keep = keepConvColumns(ctx, input, plan);
    convForwardInto(floatData(input), floatData(weight), plan, out, false, keep, bias ? floatData(bias) : null);
    ctx.save({ input, weight, plan, columns: keep });
    const outShape = [plan.cOut, ...plan.geom.outputSize];
    return new Tensor(out, unbatched ? outShape : [plan.batch, ...outShape]);
  },
  backward(ctx, gradOutput: Tensor): (Tensor | null)[] {
    return [...convGradients(ctx, floatData(gradOutput)), null];
  },
  differentiableBackward(ctx, gradOutput): (Variable | null)[] {
    const [input, weight] = ctx.inputs;
    const { plan } = ctx.saved;
    return [
      ctx.needsInputGrad[0] ? convInputGrad(gradOutput, weight, plan, input.shape) : null,
      ctx.needsInputGrad[1] ? convWeightGrad(input, gradOutput, plan, weight.shape) : null,
      ctx.needsInputGrad[2] ? sum(gradOutput, channelSumAxes(gradOutput.ndim, input.ndim === weight.ndim - 1)) : null,
      null,
    ];
  },
});

/** How a weight of `dims` spatial axes is laid out, for error messages: `[Cout, Cin / groups, kH, kW]`. */
export function weightLayout(dims: number, channels = '[Cout, Cin / groups'): string {
  const named = ['', ', k', ', kH, kW', ', kD, kH, kW'];
  const axes = named[dims] ?? Array.from({ length: dims }, (_, i) => `, k${i + 1}`).join('');
  return `${channels}${axes}]`;
}

/** The axes a bias gradient sums over: all but the channel axis (0 unbatched, else 1). */
export function channelSumAxes(ndim: number, unbatched: boolean): number[] {
  const channel = unbatched ? 0 : 1;
  return Array.from({ length: ndim }, (_, i) => i).filter((i) => i !== channel);
}

/**
 * Validation and padding shared by convNd and conv1d/2d/3d (see `conv2d` for the contract): the input to
 * convolve (padded here unless the padding mode is zeros) and the options for `convOp`.
 */
export function prepareConv(
  op: string,
  dims: number,
  input: TensorInput,
  weight: TensorInput,
  bias: TensorInput | null | undefined,
  options: ConvOptions,
): { x: TensorInput; call: ConvCall; outputShape: number[] } {
  checkConvTensors(op, dims, input, weight, bias, weightLayout(dims));
  const params = normalizeConvOptions(op, weight.shape.slice(2), options);
  checkConvChannels(op, dims, input, weight, bias, params.groups, 1);
  const spatial = input.shape.slice(input.ndim - dims);
  const kernel = weight.shape.slice(2);
  const padded = spatial.map((l, i) => l + params.padBefore[i]! + params.padAfter[i]!);
  const span = kernel.map((k, i) => dilatedSpan(k, params.dilation[i]!));
  if (padded.some((p, i) => p < span[i]!)) {
    throw shapeError(
      op,
      `input ${formatShape(input.shape)} padded to ${formatSize(padded)} is smaller than the dilated kernel ${formatSize(span)}`,
    );
  }
  const unbatched = isUnbatched(input, dims);
  const n = unbatched ? 1 : input.shape[0]!;
  const cIn = input.shape[input.ndim - dims - 1]!;
  const outSize = padded.map((p, i) => Math.floor((p - span[i]!) / params.stride[i]!) + 1);
  const positions = outSize.reduce((a, d) => a * d, 1);
  const outputShape = unbatched ? [weight.shape[0]!, ...outSize] : [n, weight.shape[0]!, ...outSize];
  checkConvSizes(
    op,
    input,
    outputShape,
    { rows: cIn * kernel.reduce((a, k) => a * k, 1), positions },
    () =>
      `padding=${describeOption(options.padding ?? 0)}, stride=${describeOption(options.stride ?? 1)}, dilation=${describeOption(options.dilation ?? 1)}`,
  );
  const { paddingMode } = params;
  let x = input;
  let call: ConvCall = {
    op,
    stride: params.stride,
    padBefore: params.padBefore,
    padAfter: params.padAfter,
    dilation: params.dilation,
    groups: params.groups,
  };
  if (paddingMode !== 'zeros' && params.padBefore.some((p, i) => p > 0 || params.padAfter[i]! > 0)) {
    spatial.forEach((l, i) => {
      const most = Math.max(params.padBefore[i]!, params.padAfter[i]!);
      if (paddingMode === 'reflect' && most >= l) {
        throw rangeError(
          op,
          `paddingMode='reflect' needs padding < input size on every axis; input ${formatShape(input.shape)} with padding=${describeOption(options.padding)}`,
        );
      }
      if (paddingMode === 'circular' && most > l) {
        throw rangeError(
          op,
          `paddingMode='circular' needs padding <= input size on every axis; input ${formatShape(input.shape)} with padding=${describeOption(options.padding)}`,
        );
      }
    });
    // As PyTorch: pad in that mode, then convolve without padding.
    const widths = spatial.map((_, i) => [params.padBefore[i]!, params.padAfter[i]!] as [number, number]);
    x = pad(input, widths, { mode: paddingMode });
    const zero = new Array<number>(dims).fill(0);
    call = { ...call, padBefore: zero, padAfter: zero };
  }
  return { x, call, outputShape };
}

/** What the convolution over no input channels keeps for backward: shapes only. */
interface NoChannelSaved {
  inputShape: number[];
  weightShape: number[];
  channels: number;
  positions: number;
}

/**
 * A convolution over `Cin = 0` channels is an empty sum: every output is its channel's bias (0 without
 * one), as `linear` with no input features. Backward: empty input and weight gradients, the bias
 * gradient the per-channel sums of gradOutput.
 */
const noChannelConvOp = defineOp({
  name: 'conv',
  forward(
    ctx: ForwardContext<NoChannelSaved>,
    input: Tensor,
    weight: Tensor,
    bias: Tensor | null,
    outputShape: number[],
  ): Tensor {
    const channels = weight.shape[0]!;
    const positions = outputShape.slice(outputShape.length - (weight.ndim - 2)).reduce((a, d) => a * d, 1);
    const out = floatArray(
      input.dtype,
      outputShape.reduce((a, d) => a * d, 1),
    );
    if (bias)
      fillChannelBias(out, floatData(bias), out.length / Math.max(1, channels * positions), channels, positions);
    ctx.save({ inputShape: input.shape.slice(), weightShape: weight.shape.slice(), channels, positions });
    return new Tensor(out, outputShape);
  },
  backward(ctx, gradOutput: Tensor): (Tensor | null)[] {
    const { inputShape, weightShape, channels, positions } = ctx.saved;
    const dtype = gradOutput.dtype;
    const empty = (shape: number[]) => new Tensor(floatArray(dtype, 0), shape);
    let gradBias: Tensor | null = null;
    if (ctx.needsInputGrad[2]) {
      const g = floatData(gradOutput);
      const gb = floatArray(dtype, channels);
      channelSums(g, g.length / Math.max(1, channels * positions), channels, positions, gb);
      gradBias = new Tensor(gb, [channels]);
    }
    return [
      ctx.needsInputGrad[0] ? empty(inputShape) : null,
      ctx.needsInputGrad[1] ? empty(weightShape) : null,
      gradBias,
      null,
    ];
  },
  differentiableBackward(ctx, gradOutput): (Variable | null)[] {
    const { inputShape, weightShape } = ctx.saved;
    const empty = (shape: number[]) => new Variable(new Tensor(floatArray(gradOutput.dtype, 0), shape));
    const channelAxis = gradOutput.ndim - (weightShape.length - 2) - 1;
    const otherAxes = gradOutput.shape.map((_, i) => i).filter((i) => i !== channelAxis);
    return [
      ctx.needsInputGrad[0] ? empty(inputShape) : null,
      ctx.needsInputGrad[1] ? empty(weightShape) : null,
      ctx.needsInputGrad[2] ? sum(gradOutput, otherAxes) : null,
      null,
    ];
  },
});

/** The convolution every public conv function runs: validation, then the op over one ConvPlan. */
function runConv(
  op: string,
  dims: number,
  input: TensorInput,
  weight: TensorInput,
  bias: TensorInput | null | undefined,
  options: ConvOptions = {},
): Variable {
  const { x, call, outputShape } = prepareConv(op, dims, input, weight, bias, options);
  if (x.shape[x.ndim - dims - 1] === 0) return noChannelConvOp(x, weight, bias ?? null, outputShape);
  return convOp(x, weight, bias ?? null, call);
}

/**
 * Convolution (cross-correlation, as in PyTorch) over any number of spatial axes, by im2col + GEMM;
 * the rank comes from the weight. conv1d/2d/3d are this op with the rank fixed; PyTorch stops at 3.
 *
 * @param input  `[N, Cin, ...spatial]` or unbatched `[Cin, ...spatial]`, `d = weight.ndim − 2` spatial axes
 * @param weight `[Cout, Cin / groups, k1, ..., kd]`, d ≥ 1
 * @param bias   `[Cout]` or null
 * @param options `{ stride = 1, padding = 0 | 'same' | 'valid', dilation = 1, groups = 1, paddingMode = 'zeros' }`,
 *   numbers or one entry per spatial axis
 * @returns `[N, Cout, ...outSize]`, each axis `convOutputSize(size, k, { stride, padding, dilation })`
 * @throws ShapeError for a weight of rank < 3, an input that is not of rank d + 1 or d + 2, and the
 *   rest as `conv2d`
 * @example convNd(randn([1, 2, 5, 6, 7, 8]), randn([3, 2, 3, 3, 3, 3]), null, { padding: 1 }).shape // [1, 3, 5, 6, 7, 8]
 */
export const convNd: ConvFunction<ConvOptions> = convOfAnyRank(runConv, 'convNd', '[Cout, Cin / groups');

/**
 * 1-D convolution (cross-correlation, as in PyTorch), by im2col + GEMM.
 *
 * @param input  `[N, Cin, L]` or unbatched `[Cin, L]`
 * @param weight `[Cout, Cin / groups, k]`
 * @param bias   `[Cout]` or null
 * @param options `{ stride = 1, padding = 0 | 'same' | 'valid', dilation = 1, groups = 1, paddingMode = 'zeros' }`
 * @returns `[N, Cout, Lout]`, `Lout = convOutputSize(L, k, { stride, padding, dilation })`
 * @throws see `conv2d`
 * @example conv1d(randn([2, 4, 16]), randn([8, 4, 3]), null, { padding: 'same' }).shape // [2, 8, 16]
 */
export const conv1d: ConvFunction<ConvOptions> = convOfRank(runConv, 'conv1d', 1);

/**
 * 2-D convolution (cross-correlation, as in PyTorch), by im2col + GEMM.
 *
 * @param input  `[N, Cin, H, W]` or unbatched `[Cin, H, W]`
 * @param weight `[Cout, Cin / groups, kH, kW]`
 * @param bias   `[Cout]` or null
 * @param options `{ stride = 1, padding = 0 | 'same' | 'valid', dilation = 1, groups = 1, paddingMode = 'zeros' }`,
 *   numbers or `[h, w]` pairs
 * @returns `[N, Cout, Hout, Wout]`, `Hout = convOutputSize(H, kH, { stride, padding, dilation })`
 * @throws ShapeError for a wrong rank, `Cin !== weight.shape[1] * groups`, groups not dividing the
 *   channels, a bias that is not `[Cout]`, or the dilated kernel exceeding the padded input
 * @throws RangeError for stride/dilation < 1, negative padding, `'same'` with stride > 1, or a
 *   reflect/circular padding larger than the input; TypeError for mixed dtypes
 * Differs from PyTorch: `paddingMode` is accepted here too (torch has it only on the modules).
 * Differs from PyTorch 1.13: with `Cin = 0` the result is `[N, Cout, Hout, Wout]` of the bias (zeros
 *   without), the empty sum, as `linear` with no features; torch 1.13 returns an empty `[N, 0, Hout, Wout]`.
 * @throws RangeError if the output or one sample's im2col columns would exceed `MAX_ELEMENTS`
 * @example conv2d(randn([1, 3, 8, 8]), randn([4, 3, 3, 3]), null, { padding: 1 }).shape // [1, 4, 8, 8]
 */
export const conv2d: ConvFunction<ConvOptions> = convOfRank(runConv, 'conv2d', 2);

/**
 * 3-D convolution (cross-correlation, as in PyTorch), by im2col + GEMM.
 *
 * @param input  `[N, Cin, D, H, W]` or unbatched `[Cin, D, H, W]`
 * @param weight `[Cout, Cin / groups, kD, kH, kW]`
 * @param bias   `[Cout]` or null
 * @param options as `conv2d`, numbers or `[d, h, w]` triples
 * @returns `[N, Cout, Dout, Hout, Wout]`, each axis as `convOutputSize`
 * @throws see `conv2d`
 * @example conv3d(randn([1, 2, 4, 4, 4]), randn([3, 2, 3, 3, 3]), null, { padding: 1 }).shape // [1, 3, 4, 4, 4]
 */
export const conv3d: ConvFunction<ConvOptions> = convOfRank(runConv, 'conv3d', 3);

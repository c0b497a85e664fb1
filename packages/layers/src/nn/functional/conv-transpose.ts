import { defineOp, sum, type ForwardContext, type Variable } from '@torchlet/autograd';
import {
  channelSums,
  convAdjointInto,
  convForwardInto,
  convGeometry,
  convPlan,
  convWeightGradInto,
  fillChannelBias,
  type ConvPlan,
  checkOptions,
  describeOption,
  optionKeys,
  floatArray,
  floatData,
  formatShape,
  formatSize,
  rangeError,
  shapeError,
  spatialTuple,
  Tensor,
  typeError,
} from '@torchlet/tensor';
import { convByPlan, convWeightGrad } from './conv-grads.js';
import { channelSumAxes, weightLayout } from './conv.js';
import {
  checkConvChannels,
  checkConvSizes,
  checkConvTensors,
  convOfAnyRank,
  convOfRank,
  checkGroups,
  isUnbatched,
  type SpatialArg,
  type ConvFunction,
  type TensorInput,
} from './conv-options.js';

export interface ConvTransposeOptions {
  /** Default 1. */
  stride?: SpatialArg;
  /** Trims `padding` from both ends of each output axis (the conv it inverts padded its input by it). Default 0. */
  padding?: SpatialArg;
  /** Extra size added at the end of each axis (to pick among the sizes a strided conv maps onto). Default 0. */
  outputPadding?: SpatialArg;
  /**
   * The spatial output size wanted (`[...outSize]`, or `[N, Cout, ...outSize]`); picks `outputPadding`
   * as PyTorch's module forward does with `output_size`, and then `outputPadding` is ignored.
   * Differs from PyTorch: the functional form takes it too (torch has it only on the modules).
   */
  outputSize?: readonly number[] | null;
  /** Default 1. */
  dilation?: SpatialArg;
  /** Default 1. */
  groups?: number;
}

const CONV_TRANSPOSE_KEYS = optionKeys<ConvTransposeOptions>({
  stride: true,
  padding: true,
  outputPadding: true,
  outputSize: true,
  dilation: true,
  groups: true,
});

interface ConvTransposeCall {
  op: string;
  stride: number[];
  padding: number[];
  outputPadding: number[];
  dilation: number[];
  groups: number;
}

/**
 * Output length of a transposed convolution along one axis:
 * `(L − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1`.
 */
export function convTransposeOutputSize(
  inSize: number,
  k: number,
  stride: number,
  padding: number,
  dilation: number,
  outputPadding: number,
): number {
  return (inSize - 1) * stride - 2 * padding + dilation * (k - 1) + outputPadding + 1;
}

/**
 * The transposed convolution is the adjoint of a convolution from its output back to its input,
 * so it runs on the same plan with the roles swapped: the convolution input side is this op's output.
 */
function transposePlan(
  op: string,
  input: Tensor,
  weight: Tensor,
  call: ConvTransposeCall,
): { plan: ConvPlan; outShape: number[]; unbatched: boolean } {
  const dims = weight.ndim - 2;
  const unbatched = isUnbatched(input, dims);
  const [n, cIn, ...inSize] = unbatched ? [1, ...input.shape] : input.shape;
  const cOut = weight.shape[1]! * call.groups;
  const kernel = weight.shape.slice(2);
  const outSize = inSize.map((l, i) =>
    convTransposeOutputSize(
      l,
      kernel[i]!,
      call.stride[i]!,
      call.padding[i]!,
      call.dilation[i]!,
      call.outputPadding[i]!,
    ),
  );
  const geom = convGeometry(op, {
    channels: cOut,
    inputSize: outSize,
    kernelSize: kernel,
    stride: call.stride,
    padding: call.padding,
    dilation: call.dilation,
  });
  // With outputPadding >= stride (allowed when dilation is larger) the conv over the output would
  // yield one more position per axis; only the first L are this op's input. im2col and col2im
  // read outputSize as the number of window positions, so pinning it is exact.
  const plan = convPlan(n!, call.groups, cOut, cIn!, { ...geom, outputSize: inSize });
  const outShape = [cOut, ...outSize];
  return { plan, outShape: unbatched ? outShape : [n!, ...outShape], unbatched };
}

/**
 * The differentiable transposed convolution: forward = the conv input-gradient (GEMM + col2im) with
 * the bias as its starting value; backward input = conv forward, weight = the conv weight gradient
 * with input and output swapped.
 */
export const convTransposeOp = defineOp({
  name: 'convTranspose',
  forward(
    ctx: ForwardContext<{ input: Tensor; weight: Tensor; plan: ConvPlan }>,
    input: Tensor,
    weight: Tensor,
    bias: Tensor | null,
    call: ConvTransposeCall,
  ): Tensor {
    const { plan, outShape } = transposePlan(call.op, input, weight, call);
    const out = floatArray(input.dtype, plan.batch * plan.cIn * plan.inPositions);
    if (bias) fillChannelBias(out, floatData(bias), plan.batch, plan.cIn, plan.inPositions);
    convAdjointInto(floatData(input), floatData(weight), plan, out);
    ctx.save({ input, weight, plan });
    return new Tensor(out, outShape);
  },
  backward(ctx, gradOutput: Tensor): (Tensor | null)[] {
    const { input, weight, plan } = ctx.saved;
    const gy = floatData(gradOutput);
    let gradInput: Tensor | null = null;
    let gradWeight: Tensor | null = null;
    let gradBias: Tensor | null = null;
    if (ctx.needsInputGrad[0]) {
      const gx = floatArray(gradOutput.dtype, input.size);
      convForwardInto(gy, floatData(weight), plan, gx, false);
      gradInput = new Tensor(gx, input.shape);
    }
    if (ctx.needsInputGrad[1]) {
      const gw = floatArray(gradOutput.dtype, weight.size);
      convWeightGradInto(gy, floatData(input), plan, gw);
      gradWeight = new Tensor(gw, weight.shape);
    }
    if (ctx.needsInputGrad[2]) {
      const gb = floatArray(gradOutput.dtype, plan.cIn);
      channelSums(gy, plan.batch, plan.cIn, plan.inPositions, gb);
      gradBias = new Tensor(gb, [plan.cIn]);
    }
    return [gradInput, gradWeight, gradBias, null];
  },
  differentiableBackward(ctx, gradOutput): (Variable | null)[] {
    // The transposed conv is the conv's input gradient: its gradients are conv and the weight gradient.
    const [input, weight] = ctx.inputs;
    const { plan } = ctx.saved;
    return [
      ctx.needsInputGrad[0] ? convByPlan(gradOutput, weight, plan, input.shape) : null,
      ctx.needsInputGrad[1] ? convWeightGrad(gradOutput, input, plan, weight.shape) : null,
      ctx.needsInputGrad[2] ? sum(gradOutput, channelSumAxes(gradOutput.ndim, input.ndim === weight.ndim - 1)) : null,
      null,
    ];
  },
});

/**
 * The `outputPadding` that makes the output `outputSize` (spatial, or with the batch and channel
 * axes in front), as PyTorch's `_output_padding`: each size must lie within `stride − 1` above the
 * smallest output, `(L − 1)·stride − 2·padding + dilation·(k − 1) + 1`.
 */
function outputPaddingFor(
  op: string,
  outputSize: unknown,
  inSize: readonly number[],
  kernel: readonly number[],
  stride: readonly number[],
  padding: readonly number[],
  dilation: readonly number[],
): number[] {
  const dims = inSize.length;
  if (
    !Array.isArray(outputSize) ||
    (outputSize.length !== dims && outputSize.length !== dims + 2) ||
    outputSize.some((v) => typeof v !== 'number' || !Number.isInteger(v))
  ) {
    throw typeError(
      op,
      `outputSize must list ${dims} (or ${dims + 2}) integers, got outputSize=${describeOption(outputSize)}`,
    );
  }
  const wanted = (outputSize as number[]).slice(outputSize.length - dims);
  const smallest = inSize.map((l, i) =>
    convTransposeOutputSize(l, kernel[i]!, stride[i]!, padding[i]!, dilation[i]!, 0),
  );
  const largest = smallest.map((m, i) => m + stride[i]! - 1);
  if (wanted.some((w, i) => w < smallest[i]! || w > largest[i]!)) {
    throw rangeError(
      op,
      `requested an output size of ${formatSize(wanted)}, but valid sizes range from ${formatSize(smallest)} to ${formatSize(largest)} (for an input of ${formatSize(inSize)})`,
    );
  }
  return wanted.map((w, i) => w - smallest[i]!);
}

/** The transposed convolution every public function runs: validation, then the op over one ConvPlan. */
function runConvTranspose(
  op: string,
  dims: number,
  input: TensorInput,
  weight: TensorInput,
  bias: TensorInput | null | undefined,
  options: ConvTransposeOptions = {},
): Variable {
  checkConvTensors(op, dims, input, weight, bias, weightLayout(dims, '[Cin, Cout / groups'));
  checkOptions(op, options, CONV_TRANSPOSE_KEYS);
  const stride = spatialTuple(op, 'stride', options.stride ?? 1, dims, 1);
  const padding = spatialTuple(op, 'padding', options.padding ?? 0, dims, 0);
  const dilation = spatialTuple(op, 'dilation', options.dilation ?? 1, dims, 1);
  const groups = checkGroups(op, options.groups ?? 1);
  const outputPadding =
    options.outputSize != null
      ? outputPaddingFor(
          op,
          options.outputSize,
          input.shape.slice(input.ndim - dims),
          weight.shape.slice(2),
          stride,
          padding,
          dilation,
        )
      : spatialTuple(op, 'outputPadding', options.outputPadding ?? 0, dims, 0);
  if (outputPadding.some((p, i) => p >= stride[i]! && p >= dilation[i]!)) {
    throw rangeError(
      op,
      `outputPadding must be smaller than stride or dilation on every axis, got outputPadding=${describeOption(options.outputPadding)} with stride=${describeOption(options.stride ?? 1)}, dilation=${describeOption(options.dilation ?? 1)}`,
    );
  }
  checkConvChannels(op, dims, input, weight, bias, groups, 0);
  const inSize = input.shape.slice(input.ndim - dims);
  const kernel = weight.shape.slice(2);
  const outSize = inSize.map((l, i) =>
    convTransposeOutputSize(l, kernel[i]!, stride[i]!, padding[i]!, dilation[i]!, outputPadding[i]!),
  );
  if (outSize.some((o) => o < 1)) {
    throw shapeError(
      op,
      `output would be empty: input ${formatShape(input.shape)} with weight ${formatShape(weight.shape)}, stride=${describeOption(options.stride ?? 1)}, padding=${describeOption(options.padding)} gives ${formatSize(outSize)}`,
    );
  }
  const n = isUnbatched(input, dims) ? [] : [input.shape[0]!];
  const cOut = weight.shape[1]! * groups;
  checkConvSizes(
    op,
    input,
    [...n, cOut, ...outSize],
    { rows: cOut * kernel.reduce((a, k) => a * k, 1), positions: inSize.reduce((a, l) => a * l, 1) },
    () =>
      `stride=${describeOption(options.stride ?? 1)}, padding=${describeOption(options.padding ?? 0)}, dilation=${describeOption(options.dilation ?? 1)}, outputPadding=${describeOption(options.outputPadding ?? 0)}`,
  );
  return convTransposeOp(input, weight, bias ?? null, { op, stride, padding, outputPadding, dilation, groups });
}

/**
 * 1-D transposed convolution ("deconvolution"), as `torch.nn.functional.conv_transpose1d`: the
 * gradient of `conv1d` with respect to its input.
 *
 * @param input  `[N, Cin, L]` or unbatched `[Cin, L]`
 * @param weight `[Cin, Cout / groups, k]`
 * @param bias   `[Cout]` or null
 * @param options `{ stride = 1, padding = 0, outputPadding = 0, dilation = 1, groups = 1, outputSize = null }`
 * @returns `[N, Cout, Lout]`, `Lout = (L − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1`
 * @throws see `convTranspose2d`
 * @example convTranspose1d(randn([1, 4, 8]), randn([4, 2, 4]), null, { stride: 2, padding: 1 }).shape // [1, 2, 16]
 */
export const convTranspose1d: ConvFunction<ConvTransposeOptions> = convOfRank(runConvTranspose, 'convTranspose1d', 1);

/**
 * 2-D transposed convolution, as `torch.nn.functional.conv_transpose2d`: forward is the input
 * gradient of `conv2d` (GEMM + col2im), so it maps a conv's output size back to its input size.
 *
 * @param input  `[N, Cin, H, W]` or unbatched `[Cin, H, W]`
 * @param weight `[Cin, Cout / groups, kH, kW]`
 * @param bias   `[Cout]` or null
 * @param options `{ stride = 1, padding = 0, outputPadding = 0, dilation = 1, groups = 1, outputSize = null }`, numbers or `[h, w]`
 * @returns `[N, Cout, Hout, Wout]`, `Hout = (H − 1)·stride − 2·padding + dilation·(kH − 1) + outputPadding + 1`
 * @throws ShapeError for a wrong rank, channel counts that do not match the weight and `groups`, a
 *   bias that is not `[Cout]`, or an empty output; RangeError for `outputPadding` not below stride
 *   or dilation, negative padding, stride/dilation < 1; TypeError for mixed dtypes
 * @example convTranspose2d(randn([1, 8, 7, 7]), randn([8, 4, 3, 3]), null, { stride: 2, padding: 1, outputPadding: 1 }).shape // [1, 4, 14, 14]
 */
export const convTranspose2d: ConvFunction<ConvTransposeOptions> = convOfRank(runConvTranspose, 'convTranspose2d', 2);

/**
 * 3-D transposed convolution, as `torch.nn.functional.conv_transpose3d` (see `convTranspose2d`).
 *
 * @param input  `[N, Cin, D, H, W]` or unbatched `[Cin, D, H, W]`
 * @param weight `[Cin, Cout / groups, kD, kH, kW]`
 * @param bias   `[Cout]` or null
 * @param options as `convTranspose2d`, numbers or `[d, h, w]` triples
 * @returns `[N, Cout, Dout, Hout, Wout]`, each axis as `convTransposeOutputSize`
 * @throws see `convTranspose2d`
 * @example convTranspose3d(randn([1, 4, 3, 3, 3]), randn([4, 2, 2, 2, 2]), null, { stride: 2 }).shape // [1, 2, 6, 6, 6]
 */
export const convTranspose3d: ConvFunction<ConvTransposeOptions> = convOfRank(runConvTranspose, 'convTranspose3d', 3);

/**
 * Transposed convolution over any number of spatial axes, the gradient of `convNd` with respect to
 * its input; the rank comes from the weight. PyTorch stops at 3.
 *
 * @param input  `[N, Cin, ...spatial]` or unbatched `[Cin, ...spatial]`, `d = weight.ndim − 2` spatial axes
 * @param weight `[Cin, Cout / groups, k1, ..., kd]`, d ≥ 1
 * @param bias   `[Cout]` or null
 * @param options as `convTranspose2d`, numbers or one entry per spatial axis
 * @returns `[N, Cout, ...outSize]`, `outSize = (L − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1`
 * @throws ShapeError for a weight of rank < 3, and the rest as `convTranspose2d`
 * @example convTransposeNd(randn([1, 2, 3, 3, 3, 3]), randn([2, 1, 2, 2, 2, 2]), null, { stride: 2 }).shape // [1, 1, 6, 6, 6, 6]
 */
export const convTransposeNd: ConvFunction<ConvTransposeOptions> = convOfAnyRank(
  runConvTranspose,
  'convTransposeNd',
  '[Cin, Cout / groups',
);

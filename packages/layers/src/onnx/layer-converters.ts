import { formatShape, rangeError, shapeError, typeError, type Tensor } from '@torchlet/tensor';
import type { ConvParams } from '../nn/functional/conv-options.js';
import { windowDivisors, type AxisWindows, type PoolPlan } from '../nn/functional/pool.js';
import { float, int, ints, str } from './graph-builder.js';
import type { OnnxConverter, OnnxOpCall } from './op-call.js';
import { onnxPoolAxis, type OnnxPoolAxis } from './pool-windows.js';

const OP = 'exportOnnx';

/*
 * Converters of the layer ops (functional/): convolutions, pools, linear, batch norm, dropout and
 * the fused conv → ReLU → max-pool block. Their ops take resolved plans (a ConvCall, a PoolPlan),
 * so the ONNX attributes are read from those.
 */

/**
 * ONNX's Conv and pool operators need `[N, C, ...spatial]`; Torchlet also takes unbatched input.
 * Runs `build` on the batched value, adding and removing the batch axis around it when needed.
 */
function batched(call: OnnxOpCall, x: string, rank: number, dims: number, build: (x: string) => string): string {
  if (rank === dims + 2) return build(x);
  const axes = call.int64s([0]);
  return call.node('Squeeze', [build(call.node('Unsqueeze', [x, axes])), axes]);
}

/** `conv(input, weight, bias, call)`: Conv, padding given per side. */
const conv: OnnxConverter = (call) => {
  const params = call.args[3];
  if (Array.isArray(params))
    throw rangeError(OP, `${call.name}: a convolution over zero input channels has no ONNX form`);
  const p = params as ConvParams;
  const weight = call.inputShape(1);
  const dims = weight.length - 2;
  const inputs = [call.input(0), call.input(1)];
  if (call.args[2] != null) inputs.push(call.input(2));
  return batched(call, inputs[0]!, call.inputShape(0).length, dims, (x) =>
    call.node('Conv', [x, ...inputs.slice(1)], {
      kernel_shape: ints(weight.slice(2)),
      strides: ints(p.stride),
      pads: ints([...p.padBefore, ...p.padAfter]),
      dilations: ints(p.dilation),
      group: int(p.groups),
    }),
  );
};

interface ConvTransposeParams {
  stride: number[];
  padding: number[];
  outputPadding: number[];
  dilation: number[];
  groups: number;
}

/**
 * `convTranspose(input, weight, bias, call)`: ConvTranspose. outputPadding only trims less from the
 * end: it first eats into the end padding; what is left goes to ONNX's output_padding, which ONNX
 * Runtime takes only below the stride (PyTorch also allows it below the dilation). Beyond that the
 * extra positions get no kernel tap at all, so they are zero padding plus the bias.
 */
const convTranspose: OnnxConverter = (call) => {
  const p = call.args[3] as ConvTransposeParams;
  const weight = call.inputShape(1);
  const dims = weight.length - 2;
  const endPads = p.padding.map((pad, i) => Math.max(pad - p.outputPadding[i]!, 0));
  const extra = p.padding.map((pad, i) => Math.max(p.outputPadding[i]! - pad, 0));
  const fits = extra.every((e, i) => e < p.stride[i]!);
  const hasBias = call.args[2] != null;
  const inputs = [call.input(1)];
  if (hasBias && fits) inputs.push(call.input(2));
  const attributes = {
    kernel_shape: ints(weight.slice(2)),
    strides: ints(p.stride),
    pads: ints([...p.padding, ...endPads]),
    dilations: ints(p.dilation),
    group: int(p.groups),
    output_padding: ints(fits ? extra : extra.map(() => 0)),
  };
  return batched(call, call.input(0), call.inputShape(0).length, dims, (x) => {
    const y = call.node('ConvTranspose', [x, ...inputs], attributes);
    if (fits) return y;
    const padded = call.node('Pad', [y, call.int64s([0, 0, ...extra.map(() => 0), 0, 0, ...extra])]);
    if (!hasBias) return padded;
    const cOut = weight[1]! * p.groups;
    const shape = call.int64s([cOut, ...extra.map(() => 1)]);
    return call.node('Add', [padded, call.node('Reshape', [call.input(2), shape])]);
  });
};

/** `convReluMaxPool(input, weight, bias, call)`, the fused block: its three ONNX nodes. */
const convReluMaxPool: OnnxConverter = (call) => {
  const y = call.node('Relu', [conv(call) as string]);
  const dims = call.inputShape(1).length - 2;
  const two = new Array<number>(dims).fill(2);
  return batched(call, y, call.inputShape(0).length, dims, (x) =>
    call.node('MaxPool', [x], { kernel_shape: ints(two), strides: ints(two), pads: ints([...two, ...two].fill(0)) }),
  );
};

/** The pooled axes of a plan, outermost first. */
function pooledAxes(plan: PoolPlan): AxisWindows[] {
  return plan.axes.slice();
}

/** Each pooled axis as ONNX attributes, or a ShapeError naming the op when a window pattern has no ONNX form. */
function poolAttributes(call: OnnxOpCall, plan: PoolPlan): { axes: OnnxPoolAxis[]; dims: number } {
  const windows = pooledAxes(plan);
  const axes = windows.map(onnxPoolAxis);
  if (axes.some((a) => a === null)) {
    const sizes = windows.map((w) => `${w.inSize} → ${w.outSize}`).join(', ');
    throw shapeError(
      OP,
      `${call.name} pools ${sizes}, in bins of different sizes (an adaptive pool whose input size is not a multiple of its output size); ONNX has no adaptive pool, so only sizes that divide (or an output of 1) export; input ${formatShape(plan.inputShape)}`,
    );
  }
  return { axes: axes as OnnxPoolAxis[], dims: windows.length };
}

/** The whole input is one window on every axis: a global pool. */
const isGlobal = (axes: OnnxPoolAxis[], plan: PoolPlan) =>
  pooledAxes(plan).every((w, i) => w.outSize === 1 && axes[i]!.kernel === w.inSize && axes[i]!.padBefore === 0);

/** `maxPool(input, plan)` → [values, indices]: MaxPool (or GlobalMaxPool); the indices have no ONNX value. */
const maxPool: OnnxConverter = (call) => {
  const plan = call.args[1] as PoolPlan;
  const { axes, dims } = poolAttributes(call, plan);
  const y = batched(call, call.input(0), plan.inputShape.length, dims, (x) =>
    isGlobal(axes, plan)
      ? call.node('GlobalMaxPool', [x])
      : call.node('MaxPool', [x], {
          kernel_shape: ints(axes.map((a) => a.kernel)),
          strides: ints(axes.map((a) => a.stride)),
          pads: ints([...axes.map((a) => a.padBefore), ...axes.map((a) => a.padAfter)]),
          dilations: ints(axes.map((a) => a.dilation)),
        }),
  );
  return [y, null];
};

/**
 * `avgPool(input, plan, divisor)`: AveragePool when the divisors are ONNX's (the clipped window's
 * size, or the kernel's with padding counted and no ceil-mode overhang); any other divisor
 * (`divisorOverride`, ceil mode with `countIncludePad`) as zero padding, an unpadded
 * AveragePool (each window's sum / kernel size), and a Mul by kernel size / divisor per position.
 */
const avgPool: OnnxConverter = (call) => {
  const plan = call.args[1] as PoolPlan;
  const divisor = call.args[2] as Float64Array;
  const { axes, dims } = poolAttributes(call, plan);
  const windows = pooledAxes(plan);
  const same = (want: Float64Array) => want.every((v, i) => v === divisor[i]);
  const clipped = same(windowDivisors(windows, (w, o) => Math.max(1, w.end[o]! - w.start[o]!)));
  const counted =
    axes.every((a) => a.padAfter === a.padBefore) && same(windowDivisors(windows, (w, o) => w.padded[o]!));
  const attributes = {
    kernel_shape: ints(axes.map((a) => a.kernel)),
    strides: ints(axes.map((a) => a.stride)),
  };
  return batched(call, call.input(0), plan.inputShape.length, dims, (x) => {
    if (isGlobal(axes, plan)) return call.node('GlobalAveragePool', [x]);
    if (clipped || counted) {
      return call.node('AveragePool', [x], {
        ...attributes,
        pads: ints([...axes.map((a) => a.padBefore), ...axes.map((a) => a.padAfter)]),
        count_include_pad: int(clipped ? 0 : 1),
      });
    }
    const pads = [0, 0, ...axes.map((a) => a.padBefore), 0, 0, ...axes.map((a) => a.padAfter)];
    const padded = call.node('Pad', [x, call.int64s(pads)]);
    const mean = call.node('AveragePool', [padded], attributes);
    const kernelSize = axes.reduce((n, a) => n * a.kernel, 1);
    const scale = Array.from(divisor, (d) => kernelSize / d);
    return call.node('Mul', [
      mean,
      call.floats(
        scale,
        windows.map((w) => w.outSize),
      ),
    ]);
  });
};

/** `linear(input, weight, bias)`: Gemm for `[N, in]`; otherwise MatMul with the transposed weight (and Add). */
const linear: OnnxConverter = (call) => {
  const hasBias = call.args[2] != null;
  if (call.inputShape(0).length === 2) {
    const inputs = [call.input(0), call.input(1)];
    if (hasBias) inputs.push(call.input(2));
    return call.node('Gemm', inputs, { transB: int(1) });
  }
  const weightT = call.node('Transpose', [call.input(1)], { perm: ints([1, 0]) });
  const product = call.node('MatMul', [call.input(0), weightT]);
  return hasBias ? call.node('Add', [product, call.input(2)]) : product;
};

interface BatchNormPlan {
  runningMean: Tensor | null;
  runningVar: Tensor | null;
  training: boolean;
  eps: number;
}

/** `batchNorm(input, weight, bias, plan)` in eval mode: BatchNormalization over the running statistics. */
const batchNorm: OnnxConverter = (call) => {
  const plan = call.args[3] as BatchNormPlan;
  if (plan.training || !plan.runningMean || !plan.runningVar) {
    throw rangeError(
      OP,
      `${call.name} normalises with the batch's own statistics (training mode, or trackRunningStats=false), which ONNX's BatchNormalization does not; export normalises with running statistics`,
    );
  }
  const c = call.inputShape(0)[1]!;
  const scale = call.args[1] != null ? call.input(1) : call.floats(new Float32Array(c).fill(1), [c]);
  const shift = call.args[2] != null ? call.input(2) : call.floats(new Float32Array(c), [c]);
  return call.node(
    'BatchNormalization',
    [call.input(0), scale, shift, call.value(plan.runningMean), call.value(plan.runningVar)],
    { epsilon: float(plan.eps) },
  );
};

/** `dropout` only runs in training mode (eval mode returns the input without an op). */
const dropout: OnnxConverter = (call) => {
  throw typeError(
    OP,
    `${call.name} ran in training mode; export runs the model in eval mode, so a functional dropout must follow it (dropout(x, { p, training: this.training }))`,
  );
};

/** `prelu(x, weight, layout)`: PRelu, the per-channel slopes shaped `[C, 1, ...]` to broadcast over axis 1. */
const prelu: OnnxConverter = (call) => {
  const rank = call.inputShape(0).length;
  const c = call.inputShape(1)[0]!;
  const slopes =
    rank >= 2
      ? call.node('Reshape', [call.input(1), call.int64s([c, ...new Array<number>(Math.max(rank - 2, 0)).fill(1)])])
      : call.input(1);
  return call.node('PRelu', [call.input(0), slopes]);
};

/** GELU: the Gelu operator from opset 20; before that x·½·(1 + erf(x/√2)) or its tanh approximation. */
export const gelu: OnnxConverter = (call) => {
  const options = (call.args[1] ?? {}) as { approximate?: 'none' | 'tanh' };
  const approximate = options.approximate ?? 'none';
  const x = call.input(0);
  if (call.opset >= 20) return call.node('Gelu', [x], { approximate: str(approximate) });
  const scalar = (v: number) => call.floats([v], []);
  let inner: string;
  if (approximate === 'tanh') {
    const cube = call.node('Mul', [call.node('Mul', [x, x]), x]);
    const sum = call.node('Add', [x, call.node('Mul', [cube, scalar(0.044715)])]);
    inner = call.node('Tanh', [call.node('Mul', [sum, scalar(Math.sqrt(2 / Math.PI))])]);
  } else {
    inner = call.node('Erf', [call.node('Mul', [x, scalar(Math.SQRT1_2)])]);
  }
  const onePlus = call.node('Add', [inner, scalar(1)]);
  return call.node('Mul', [call.node('Mul', [x, scalar(0.5)]), onePlus]);
};

export const LAYER_CONVERTERS: Record<string, OnnxConverter> = {
  conv,
  convTranspose,
  convReluMaxPool,
  maxPool,
  avgPool,
  linear,
  batchNorm,
  dropout,
  prelu,
  gelu,
};

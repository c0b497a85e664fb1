import * as A from '@torchlet/autograd';
import { Variable } from '@torchlet/autograd';
import { normalizeAxis, rangeError, Tensor, typeError } from '@torchlet/tensor';
import { elu, hardswish, prelu, softplus } from '../nn/functional/activation.js';
import { batchNorm } from '../nn/functional/batch-norm.js';
import { conv1d, conv2d, conv3d } from '../nn/functional/conv.js';
import { convTranspose1d, convTranspose2d, convTranspose3d } from '../nn/functional/conv-transpose.js';
import { dropout } from '../nn/functional/dropout.js';
import { linear } from '../nn/functional/linear.js';
import { avgPool1d, avgPool2d, avgPool3d, maxPool1d, maxPool2d, maxPool3d } from '../nn/functional/pool.js';
import type { AttributeMessage, IntValues } from './decode.js';
import { decodeTensor } from './decode.js';

const OP = 'importOnnx';

/** A value of the running graph: float data (a Variable, or a Tensor buffer or constant) or integers (shapes). */
export type NodeValue = Variable | Tensor | IntValues;

/** One node call: its inputs (undefined where omitted), attributes, the opset and the model's mode. */
export interface OnnxNodeRun {
  readonly where: string;
  readonly inputs: readonly (NodeValue | undefined)[];
  readonly attributes: ReadonlyMap<string, AttributeMessage>;
  readonly opset: number;
  readonly training: boolean;
}

type Importer = (run: OnnxNodeRun) => NodeValue | (NodeValue | undefined)[];

const isInts = (v: NodeValue | undefined): v is IntValues =>
  v !== undefined && !(v instanceof Variable) && !(v instanceof Tensor);

/** Float input `i` (a Variable or Tensor); a TypeError naming the node when it is missing or integer. */
function float(run: OnnxNodeRun, i: number): Variable | Tensor {
  const v = run.inputs[i];
  if (v === undefined || isInts(v))
    throw typeError(
      OP,
      `${run.where}: input ${i} must be a float tensor, got ${v === undefined ? 'nothing' : 'integers'}`,
    );
  return v;
}

/** Integer input `i` (a shape, axes, pads), or `fallback` when omitted. */
function intsOf(run: OnnxNodeRun, i: number, fallback?: number[]): number[] {
  const v = run.inputs[i];
  if (v === undefined && fallback) return fallback;
  if (!isInts(v)) throw typeError(OP, `${run.where}: input ${i} must be an integer tensor known when the graph runs`);
  return v.ints;
}

function intAttr(run: OnnxNodeRun, name: string, fallback: number): number {
  return run.attributes.get(name)?.i ?? fallback;
}
function floatAttr(run: OnnxNodeRun, name: string, fallback: number): number {
  return run.attributes.get(name)?.f ?? fallback;
}
function intsAttr(run: OnnxNodeRun, name: string): number[] | undefined {
  return run.attributes.get(name)?.ints?.map(Number);
}
function stringAttr(run: OnnxNodeRun, name: string, fallback: string): string {
  const s = run.attributes.get(name)?.s;
  return s && s.length > 0 ? new TextDecoder().decode(s) : fallback;
}

const rankOf = (v: Variable | Tensor) => v.shape.length;

/** Axes from the `axes` input (newer opsets) or attribute (older), normalised; all axes when neither is given. */
function axesOf(run: OnnxNodeRun, x: Variable | Tensor, inputIndex: number): number[] | undefined {
  const given = run.inputs[inputIndex] !== undefined ? intsOf(run, inputIndex) : intsAttr(run, 'axes');
  return given?.map((a) => normalizeAxis(OP, a, rankOf(x), 'axes'));
}

/** The model's float data as it flows: a constant Tensor is wrapped so ops see one kind. */
const asVariable = (v: Variable | Tensor): Variable => (v instanceof Variable ? v : new Variable(v));

const unary =
  (f: (x: Variable | Tensor) => Variable): Importer =>
  (run) =>
    f(float(run, 0));

const binary =
  (f: (a: Variable | Tensor, b: Variable | Tensor) => Variable, intF?: (a: number, b: number) => number): Importer =>
  (run) => {
    const [a, b] = run.inputs;
    if (intF && isInts(a) && isInts(b)) return elementwiseInts(run, a, b, intF);
    return f(float(run, 0), float(run, 1));
  };

/** Shape arithmetic on integer tensors (same shape or a scalar), as exporters write around Reshape. */
function elementwiseInts(run: OnnxNodeRun, a: IntValues, b: IntValues, f: (a: number, b: number) => number): IntValues {
  if (a.ints.length !== b.ints.length && a.ints.length !== 1 && b.ints.length !== 1)
    throw typeError(
      OP,
      `${run.where}: integer operands of ${a.ints.length} and ${b.ints.length} values do not broadcast`,
    );
  const n = Math.max(a.ints.length, b.ints.length);
  const ints = Array.from({ length: n }, (_, i) =>
    f(a.ints[a.ints.length === 1 ? 0 : i]!, b.ints[b.ints.length === 1 ? 0 : i]!),
  );
  return { ints, dims: a.ints.length >= b.ints.length ? a.dims : b.dims };
}

/** Conv / pool geometry: ONNX pads `[b1, b2, ..., e1, e2, ...]` and `auto_pad`. */
function padsOf(run: OnnxNodeRun, dims: number): { before: number[]; after: number[] } {
  const autoPad = stringAttr(run, 'auto_pad', 'NOTSET');
  if (autoPad !== 'NOTSET' && autoPad !== 'VALID')
    throw rangeError(OP, `${run.where}: auto_pad=${autoPad} is not supported; write explicit pads`);
  const pads = autoPad === 'VALID' ? undefined : intsAttr(run, 'pads');
  return {
    before: pads ? pads.slice(0, dims) : new Array<number>(dims).fill(0),
    after: pads ? pads.slice(dims) : new Array<number>(dims).fill(0),
  };
}

/** Explicit padding on the spatial axes (value `fill`) when the sides differ or a pool cannot take them. */
function padSpatial(x: Variable | Tensor, before: number[], after: number[], fill: number): Variable {
  return A.pad(
    x,
    before.map((b, i) => [b, after[i]!] as [number, number]),
    { mode: 'constant', value: fill },
  );
}

const CONVS = [conv1d, conv2d, conv3d];

const Conv: Importer = (run) => {
  let x = float(run, 0);
  const w = float(run, 1);
  const b = run.inputs[2] === undefined ? null : float(run, 2);
  const dims = rankOf(w) - 2;
  const conv = CONVS[dims - 1];
  if (!conv) throw rangeError(OP, `${run.where}: a ${dims}-D convolution; importOnnx runs 1-D to 3-D`);
  const { before, after } = padsOf(run, dims);
  let padding = before;
  if (before.some((p, i) => p !== after[i])) {
    x = padSpatial(x, before, after, 0);
    padding = before.map(() => 0);
  }
  return conv(x, w, b, {
    stride: intsAttr(run, 'strides') ?? 1,
    padding,
    dilation: intsAttr(run, 'dilations') ?? 1,
    groups: intAttr(run, 'group', 1),
  });
};

const TRANSPOSED = [convTranspose1d, convTranspose2d, convTranspose3d];

const ConvTranspose: Importer = (run) => {
  const w = float(run, 1);
  const dims = rankOf(w) - 2;
  const convT = TRANSPOSED[dims - 1];
  if (!convT) throw rangeError(OP, `${run.where}: a ${dims}-D transposed convolution; importOnnx runs 1-D to 3-D`);
  if (run.attributes.has('output_shape'))
    throw rangeError(OP, `${run.where}: output_shape is not supported; write pads and output_padding`);
  const { before, after } = padsOf(run, dims);
  const outputPadding = intsAttr(run, 'output_padding') ?? new Array<number>(dims).fill(0);
  // ONNX trims `before` from the start and `after` from the end; PyTorch trims `padding` from both and adds outputPadding back at the end.
  if (before.some((p, i) => after[i]! > p || p - after[i]! + outputPadding[i]! < 0))
    throw rangeError(
      OP,
      `${run.where}: pads [${before}] / [${after}] trim more from the end than the start, which convTranspose cannot express`,
    );
  return convT(float(run, 0), w, run.inputs[2] === undefined ? null : float(run, 2), {
    stride: intsAttr(run, 'strides') ?? 1,
    padding: before,
    outputPadding: before.map((p, i) => p - after[i]! + outputPadding[i]!),
    dilation: intsAttr(run, 'dilations') ?? 1,
    groups: intAttr(run, 'group', 1),
  });
};

/** MaxPool / AveragePool: PyTorch pools take symmetric padding up to half the kernel; other padding goes first. */
function pool(kind: 'max' | 'avg'): Importer {
  return (run) => {
    let x = float(run, 0);
    const dims = rankOf(x) - 2;
    const kernel = intsAttr(run, 'kernel_shape')!;
    if (kernel.length !== dims || dims < 1 || dims > 3)
      throw rangeError(OP, `${run.where}: a ${dims}-D pool; importOnnx runs 1-D to 3-D pools`);
    if (intAttr(run, 'storage_order', 0) !== 0) throw rangeError(OP, `${run.where}: storage_order=1 is not supported`);
    const { before, after } = padsOf(run, dims);
    const countIncludePad = intAttr(run, 'count_include_pad', 0) === 1;
    let padding = before;
    const even = before.every((p, i) => p === after[i] && p <= Math.floor(kernel[i]! / 2));
    if (!even) {
      if (kind === 'avg' && !countIncludePad)
        throw rangeError(OP, `${run.where}: uneven pads with count_include_pad=0 have no PyTorch form`);
      x = padSpatial(x, before, after, kind === 'max' ? -Infinity : 0);
      padding = before.map(() => 0);
    }
    const options = {
      kernelSize: kernel,
      stride: intsAttr(run, 'strides') ?? 1,
      padding,
      ceilMode: intAttr(run, 'ceil_mode', 0) === 1,
    };
    if (kind === 'max') {
      const f = [maxPool1d, maxPool2d, maxPool3d][dims - 1]!;
      return [f(x, { ...options, dilation: intsAttr(run, 'dilations') ?? 1 }), undefined];
    }
    const f = [avgPool1d, avgPool2d, avgPool3d][dims - 1]!;
    return f(x, { ...options, countIncludePad });
  };
}

/** Gemm: alpha·A'·B' + beta·C; the usual `transB=1` with unit scales is `linear`, so a Linear layer trains as one. */
const Gemm: Importer = (run) => {
  const a = float(run, 0);
  const b = float(run, 1);
  const c = run.inputs[2] === undefined ? null : float(run, 2);
  const alpha = floatAttr(run, 'alpha', 1);
  const beta = floatAttr(run, 'beta', 1);
  const transA = intAttr(run, 'transA', 0) === 1;
  const transB = intAttr(run, 'transB', 0) === 1;
  if (!transA && transB && alpha === 1 && beta === 1 && (c === null || rankOf(c) === 1)) return linear(a, b, c);
  let y: Variable = A.matmul(transA ? A.permute(a, [1, 0]) : a, transB ? A.permute(b, [1, 0]) : b);
  if (alpha !== 1) y = A.mul(y, alpha);
  if (c !== null) y = A.add(y, beta === 1 ? c : A.mul(c, beta));
  return y;
};

const BatchNormalization: Importer = (run) => {
  const x = float(run, 0);
  const [scale, shift, runningMean, runningVar] = [1, 2, 3, 4].map((i) => float(run, i));
  if (!(runningMean instanceof Tensor) || !(runningVar instanceof Tensor))
    throw typeError(OP, `${run.where}: the running A.mean and variance must be initializers`);
  return batchNorm(x, runningMean, runningVar, {
    weight: scale,
    bias: shift,
    training: run.training,
    // ONNX's momentum weights the old statistics (default 0.9); PyTorch's weights the new batch.
    momentum: 1 - floatAttr(run, 'momentum', 0.9),
    eps: floatAttr(run, 'epsilon', 1e-5),
  });
};

/** Reshape with ONNX's 0 (copy the input's size; allowzero=0) and -1 (the rest). */
function reshapeTo(run: OnnxNodeRun, x: Variable | Tensor, shape: number[]): Variable {
  if (intAttr(run, 'allowzero', 0) === 1 && shape.includes(0))
    throw rangeError(OP, `${run.where}: allowzero=1 with a 0 in the shape is not supported`);
  return A.reshape(
    x,
    shape.map((d, i) => (d === 0 ? x.shape[i]! : d)),
  );
}

/** Flatten(axis): `[∏ before axis, ∏ from axis]`. */
const Flatten: Importer = (run) => {
  const x = float(run, 0);
  const axis = normalizeAxis(OP, intAttr(run, 'axis', 1), rankOf(x) + 1, 'axis');
  const lead = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  return A.reshape(x, [lead, -1]);
};

const Reduce =
  (
    f: (x: Variable | Tensor, dim: number[] | undefined, keepdim: boolean) => Variable,
    axesInputFrom: number,
  ): Importer =>
  (run) => {
    const x = float(run, 0);
    const axes = axesOf(run, x, run.opset >= axesInputFrom ? 1 : -1);
    if (axes !== undefined && axes.length === 0 && intAttr(run, 'noop_with_empty_axes', 0) === 1) return asVariable(x);
    return f(x, axes && axes.length > 0 ? axes : undefined, intAttr(run, 'keepdims', 1) === 1);
  };

/** Softmax / LogSoftmax: from opset 13 over one axis (default -1); before, over the flattened axes from `axis` (default 1). */
const softmaxOf =
  (f: typeof A.softmax): Importer =>
  (run) => {
    const x = float(run, 0);
    const rank = rankOf(x);
    const axis = normalizeAxis(OP, intAttr(run, 'axis', run.opset >= 13 ? -1 : 1), rank, 'axis');
    if (run.opset >= 13 || axis === rank - 1) return f(x, axis);
    const merged = A.reshape(x, [...x.shape.slice(0, axis), -1]);
    return A.reshape(f(merged, axis), x.shape.slice());
  };

/** Squeeze / Unsqueeze: axes an input from opset 13, an attribute before. */
const Unsqueeze: Importer = (run) => {
  const x = run.inputs[0];
  const axes = run.opset >= 13 ? intsOf(run, 1) : intsAttr(run, 'axes')!;
  if (isInts(x)) {
    const rank = x.dims.length + axes.length;
    const dims = x.dims.slice();
    for (const a of axes.map((a) => normalizeAxis(OP, a, rank, 'axes')).sort((p, q) => p - q)) dims.splice(a, 0, 1);
    return { ints: x.ints, dims };
  }
  let y = asVariable(float(run, 0));
  const rank = rankOf(y) + axes.length;
  for (const a of axes.map((a) => normalizeAxis(OP, a, rank, 'axes')).sort((p, q) => p - q)) y = A.unsqueeze(y, a);
  return y;
};

const Squeeze: Importer = (run) => {
  const x = float(run, 0);
  const given = run.opset >= 13 ? (run.inputs[1] === undefined ? undefined : intsOf(run, 1)) : intsAttr(run, 'axes');
  return A.squeeze(
    x,
    given?.map((a) => normalizeAxis(OP, a, rankOf(x), 'axes')),
  );
};

/** Concat of float values, or of integer ones (a shape being assembled). */
const Concat: Importer = (run) => {
  if (run.inputs.every(isInts)) {
    return {
      ints: run.inputs.flatMap((v) => (v as IntValues).ints),
      dims: [run.inputs.reduce((n, v) => n + (v as IntValues).ints.length, 0)],
    };
  }
  const parts = run.inputs.map((_, i) => float(run, i));
  return A.concat(parts, normalizeAxis(OP, intAttr(run, 'axis', 0), rankOf(parts[0]!), 'axis'));
};

/** Gather: picks from a shape (integers), or rows of float data along `axis` with constant indices. */
const Gather: Importer = (run) => {
  const data = run.inputs[0];
  const indices = run.inputs[1];
  if (!isInts(indices))
    throw typeError(OP, `${run.where}: indices must be an integer tensor known when the graph runs`);
  if (isInts(data)) {
    const picked = indices.ints.map((i) => data.ints[i < 0 ? i + data.ints.length : i]!);
    return { ints: picked, dims: indices.dims };
  }
  const x = float(run, 0);
  const axis = normalizeAxis(OP, intAttr(run, 'axis', 0), rankOf(x), 'axis');
  const size = x.shape[axis]!;
  const picked = A.indexSelect(
    x,
    axis,
    indices.ints.map((i) => (i < 0 ? i + size : i)),
  );
  return indices.dims.length === 0 ? A.squeeze(picked, axis) : picked;
};

/** Slice(data, starts, ends, axes?, steps?) as one `slice` per axis (Python-style ends, clamped). */
const Slice: Importer = (run) => {
  let y = asVariable(float(run, 0));
  const starts = intsOf(run, 1);
  const ends = intsOf(run, 2);
  const axes = intsOf(
    run,
    3,
    starts.map((_, i) => i),
  );
  const steps = intsOf(
    run,
    4,
    starts.map(() => 1),
  );
  axes.forEach((a, k) => {
    const axis = normalizeAxis(OP, a, rankOf(y), 'axes');
    const size = y.shape[axis]!;
    const clampEnd = (e: number) => Math.max(Math.min(e, size), -size - 1);
    const end = clampEnd(ends[k]!);
    y = A.slice(y, axis, Math.max(Math.min(starts[k]!, size), -size), end < -size ? undefined : end, steps[k]!);
  });
  return y;
};

/** Pad(data, pads, constant_value?): constant, reflect, edge and wrap modes. */
const Pad: Importer = (run) => {
  const x = float(run, 0);
  const rank = rankOf(x);
  const pads = run.opset >= 11 ? intsOf(run, 1) : intsAttr(run, 'pads')!;
  if (pads.some((p) => p < 0)) throw rangeError(OP, `${run.where}: negative pads (cropping) are not supported`);
  const value =
    run.inputs[2] === undefined
      ? floatAttr(run, 'value', 0)
      : (float(run, 2) instanceof Tensor
          ? (float(run, 2) as Tensor)
          : (float(run, 2) as Variable).data
        ).toTypedArray()[0]!;
  const mode = stringAttr(run, 'mode', 'constant');
  const torchMode = ({ constant: 'constant', reflect: 'reflect', edge: 'replicate', wrap: 'circular' } as const)[
    mode as 'constant'
  ];
  if (!torchMode) throw rangeError(OP, `${run.where}: A.pad mode '${mode}' is not supported`);
  if (pads.every((p) => p === 0)) return asVariable(x);
  const widths = Array.from({ length: rank }, (_, i) => [pads[i]!, pads[i + rank]!] as [number, number]);
  return A.pad(x, widths, { mode: torchMode, value });
};

/** Constant: its `value` tensor (float data as a constant, integers as a shape), or a scalar/list attribute. */
const Constant: Importer = (run) => {
  const t = run.attributes.get('value')?.t;
  if (t) return decodeTensor(t, `${run.where} value`);
  const ints = intsAttr(run, 'value_ints');
  if (ints) return { ints, dims: [ints.length] };
  const i = run.attributes.get('value_int')?.i;
  if (i !== undefined) return { ints: [Number(i)], dims: [] };
  const f = run.attributes.get('value_float')?.f;
  if (f !== undefined) return new Tensor(Float32Array.of(f), []);
  const floats = run.attributes.get('value_floats')?.floats;
  if (floats) return new Tensor(Float32Array.from(floats), [floats.length]);
  throw rangeError(OP, `${run.where}: a Constant without a value, value_float(s) or value_int(s) attribute`);
};

/** Dropout: active in training mode (ratio from the input, opset 12+, or the attribute), else the identity. */
const Dropout: Importer = (run) => {
  const x = float(run, 0);
  const ratioInput = run.inputs[1];
  const p =
    ratioInput !== undefined && !isInts(ratioInput)
      ? (ratioInput instanceof Variable ? ratioInput.data : ratioInput).toTypedArray()[0]!
      : floatAttr(run, 'ratio', 0.5);
  return [dropout(x, { p, training: run.training }), undefined];
};

/** Clip(x, min?, max?): bounds as inputs from opset 11, attributes before. */
const Clip: Importer = (run) => {
  const bound = (i: number, name: string): number | null => {
    const v = run.inputs[i];
    if (v !== undefined && !isInts(v)) return (v instanceof Variable ? v.data : v).toTypedArray()[0]!;
    const a = run.attributes.get(name)?.f;
    return a ?? null;
  };
  return A.clamp(float(run, 0), bound(1, 'min'), bound(2, 'max'));
};

/** The node types importOnnx runs, by ONNX op type. */
export const IMPORTERS: Record<string, Importer> = {
  Conv,
  ConvTranspose,
  MaxPool: pool('max'),
  AveragePool: pool('avg'),
  GlobalAveragePool: (run) => {
    const x = float(run, 0);
    return A.mean(x, x.shape.map((_, i) => i).slice(2), true);
  },
  GlobalMaxPool: (run) => {
    const x = float(run, 0);
    return A.amax(x, x.shape.map((_, i) => i).slice(2), true);
  },
  Gemm,
  MatMul: binary(A.matmul),
  BatchNormalization,
  Add: binary(A.add, (a, b) => a + b),
  Sub: binary(A.sub, (a, b) => a - b),
  Mul: binary(A.mul, (a, b) => a * b),
  Div: binary(A.div, (a, b) => Math.trunc(a / b)),
  Pow: binary(A.pow),
  Neg: unary(A.neg),
  Exp: unary(A.exp),
  Log: unary(A.log),
  Sqrt: unary(A.sqrt),
  Abs: unary(A.abs),
  Relu: unary(A.relu),
  Sigmoid: unary(A.sigmoid),
  Tanh: unary(A.tanh),
  LeakyRelu: (run) => A.leakyRelu(float(run, 0), floatAttr(run, 'alpha', 0.01)),
  Elu: (run) => elu(float(run, 0), { alpha: floatAttr(run, 'alpha', 1) }),
  HardSwish: unary(hardswish),
  Softplus: unary((x) => softplus(x)),
  Gelu: (run) => A.gelu(float(run, 0), { approximate: stringAttr(run, 'approximate', 'none') as 'none' | 'tanh' }),
  PRelu: (run) => {
    const slope = float(run, 1);
    return prelu(float(run, 0), A.reshape(slope, [-1]));
  },
  Clip,
  Softmax: softmaxOf(A.softmax),
  LogSoftmax: softmaxOf(A.logSoftmax),
  ReduceMean: Reduce(A.mean, 18),
  ReduceSum: Reduce(A.sum, 13),
  ReduceMax: Reduce(A.amax, 18),
  ReduceMin: Reduce(A.amin, 18),
  ReduceLogSumExp: Reduce((x, dim, keepdim) => A.logsumexp(x, dim ?? x.shape.map((_, i) => i), keepdim), 18),
  Flatten,
  Reshape: (run) => reshapeTo(run, float(run, 0), intsOf(run, 1)),
  Transpose: (run) => {
    const x = float(run, 0);
    return A.permute(x, intsAttr(run, 'perm') ?? x.shape.map((_, i) => x.shape.length - 1 - i));
  },
  Unsqueeze,
  Squeeze,
  Concat,
  Gather,
  Slice,
  Pad,
  Expand: (run) => {
    const x = float(run, 0);
    const shape = intsOf(run, 1);
    // Bidirectional broadcast: 1 keeps the input's size.
    const rank = Math.max(shape.length, rankOf(x));
    const xs = [...new Array<number>(rank - rankOf(x)).fill(1), ...x.shape];
    const target = [...new Array<number>(rank - shape.length).fill(1), ...shape].map((d, i) => (d === 1 ? xs[i]! : d));
    return A.expand(rankOf(x) < rank ? A.reshape(x, xs) : x, target);
  },
  Shape: (run) => {
    const x = run.inputs[0];
    const dims = isInts(x) ? x.dims : float(run, 0).shape.slice();
    return { ints: dims, dims: [dims.length] };
  },
  Constant,
  Identity: (run) => {
    const x = run.inputs[0];
    if (x === undefined) throw typeError(OP, `${run.where}: Identity of nothing`);
    return x;
  },
  Dropout,
  Cast: (run) => {
    const to = intAttr(run, 'to', 1);
    const x = run.inputs[0];
    if (isInts(x) && (to === 7 || to === 6)) return x;
    if (!isInts(x) && (to === 1 || to === 11)) return float(run, 0);
    throw rangeError(OP, `${run.where}: Cast to type ${to} is not supported (float ↔ float and int ↔ int only)`);
  },
};

/** The ONNX op types `importOnnx` runs. */
export const IMPORT_OP_TYPES: readonly string[] = Object.keys(IMPORTERS).sort();

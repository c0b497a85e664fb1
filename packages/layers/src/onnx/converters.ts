import { normalizeAxes, normalizeAxis, rangeError, Tensor, typeError, describeValue } from '@torchlet/tensor';
import type { RemovableHandle } from '../nn/modules/hooks.js';
import { float, int, ints, str } from './graph-builder.js';
import { gelu, LAYER_CONVERTERS } from './layer-converters.js';
import type { OnnxConverter, OnnxOpCall } from './op-call.js';

const OP = 'exportOnnx';

/** Past any axis's end: ONNX's Slice clamps its ends to the axis, as Python does. */
const TO_END = Number.MAX_SAFE_INTEGER;

/** An operand that may be a number: a float scalar initializer, else the tensor's value. */
function operand(call: OnnxOpCall, i: number): string {
  const a = call.args[i];
  return typeof a === 'number' ? call.floats([a], []) : call.input(i);
}

const binary =
  (opType: string): OnnxConverter =>
  (call) =>
    call.node(opType, [operand(call, 0), operand(call, 1)]);

const unary =
  (opType: string): OnnxConverter =>
  (call) =>
    call.node(opType, [call.input(0)]);

/**
 * A shape for Reshape or Expand: the sample's output shape, with axis 0 copied from the input (0 for
 * Reshape, 1 for Expand) when it is the batch, so the graph keeps working for any batch size.
 * @throws RangeError when, under a dynamic batch, the op moves the batch away from axis 0
 */
function batchShape(call: OnnxOpCall, keep: 0 | 1): number[] {
  const input = call.inputShape(0);
  const out = call.outputShapes[0]!.slice();
  if (!call.dynamicBatch || !call.batched(0)) return out;
  if (out.length === 0 || input.length === 0 || out[0] !== input[0]) {
    throw rangeError(
      OP,
      `${call.name} turns [${input.join(', ')}] into [${out.join(', ')}], so axis 0 is no longer the batch; a graph with a symbolic batch size cannot express that: export with { dynamicBatch: false }`,
    );
  }
  out[0] = keep;
  return out;
}

const reshapeToOnnx: OnnxConverter = (call) => call.node('Reshape', [call.input(0), call.int64s(batchShape(call, 0))]);

/** `unsqueeze(x, dim)`: Unsqueeze (axes an input from opset 13). */
const unsqueezeToOnnx: OnnxConverter = (call) => {
  const axis = normalizeAxis(OP, call.args[1] as number, call.inputShape(0).length + 1);
  return call.node('Unsqueeze', [call.input(0), call.int64s([axis])]);
};

/** `squeeze(x, dim?)`: Squeeze of the named size-1 axes (all of them when omitted), as the sample had them. */
const squeezeToOnnx: OnnxConverter = (call) => {
  const shape = call.inputShape(0);
  const axes = reducedAxes(call, call.args[1]).filter((a) => shape[a] === 1);
  if (axes.length === 0) return call.node('Identity', [call.input(0)]);
  if (call.dynamicBatch && call.batched(0) && axes.includes(0)) {
    throw rangeError(
      OP,
      `${call.name} squeezes axis 0, the batch (size 1 in the sample): name the axes to squeeze (squeeze(x, 1)), or export with { dynamicBatch: false }`,
    );
  }
  return call.node('Squeeze', [call.input(0), call.int64s(axes)]);
};

/** `flatten(x, startDim, endDim)`: ONNX Flatten makes `[∏ before axis, ∏ from axis]`; other merges are a Reshape. */
const flattenToOnnx: OnnxConverter = (call) => {
  const rank = call.inputShape(0).length;
  const start = normalizeAxis(OP, (call.args[1] as number | undefined) ?? 0, rank);
  const end = normalizeAxis(OP, (call.args[2] as number | undefined) ?? -1, rank);
  if (rank >= 2 && start === 1 && end === rank - 1) return call.node('Flatten', [call.input(0)], { axis: int(1) });
  return reshapeToOnnx(call);
};

/** Axes a reduction's `dim` names (all when omitted). */
function reducedAxes(call: OnnxOpCall, dim: unknown): number[] {
  const rank = call.inputShape(0).length;
  if (dim === undefined || dim === null) return Array.from({ length: rank }, (_, i) => i);
  return normalizeAxes(OP, typeof dim === 'number' ? [dim] : (dim as number[]), rank);
}

/**
 * A Reduce* node. ReduceSum took its axes as an input from opset 13, the others from opset 18; before
 * that they are an attribute.
 */
function reduceNode(call: OnnxOpCall, opType: string, x: string, axes: number[], keepdim: boolean): string {
  const keepdims = { keepdims: int(keepdim ? 1 : 0) };
  if (opType === 'ReduceSum' || call.opset >= 18) return call.node(opType, [x, call.int64s(axes)], keepdims);
  return call.node(opType, [x], { ...keepdims, axes: ints(axes) });
}

/** `sum(x, dim?, keepdim)` and its kin, as one Reduce* node. */
const reduce =
  (opType: string): OnnxConverter =>
  (call) =>
    reduceNode(call, opType, call.input(0), reducedAxes(call, call.args[1]), call.args[2] === true);

/** `maxWithIndices(x, dim, keepdim)` → [values, indices]: ReduceMax; the int32 indices have no ONNX value here. */
const extremeWithIndices =
  (opType: string): OnnxConverter =>
  (call) => [reduceNode(call, opType, call.input(0), reducedAxes(call, call.args[1]), call.args[2] === true), null];

/** `variance(x, dim, { correction })`: Σ(x − mean)² / (n − correction), n the reduced axes' size. */
const variance: OnnxConverter = (call) => {
  const axes = reducedAxes(call, call.args[1]);
  const options = (call.args[2] ?? {}) as { keepdim?: boolean; correction?: number };
  const keepdim = options.keepdim === true;
  const correction = options.correction ?? 1;
  if (call.dynamicBatch && call.batched(0) && axes.includes(0)) {
    throw rangeError(
      OP,
      `${call.name} averages over the batch axis, whose size a graph with a symbolic batch does not fix: export with { dynamicBatch: false }`,
    );
  }
  const x = call.input(0);
  const n = axes.reduce((p, a) => p * call.inputShape(0)[a]!, 1);
  const centered = call.node('Sub', [x, reduceNode(call, 'ReduceMean', x, axes, true)]);
  const squares = reduceNode(call, 'ReduceSum', call.node('Mul', [centered, centered]), axes, keepdim);
  return call.node('Div', [squares, call.floats([Math.max(n - correction, 0)], [])]);
};

/** `softmax(x, dim)` and `logSoftmax(x, dim)`: from opset 13 ONNX's axis means the same one axis. */
const softmax =
  (opType: string): OnnxConverter =>
  (call) =>
    call.node(opType, [call.input(0)], {
      axis: int(normalizeAxis(OP, call.args[1] as number, call.inputShape(0).length)),
    });

const permuteToOnnx: OnnxConverter = (call) => {
  const rank = call.inputShape(0).length;
  return call.node('Transpose', [call.input(0)], { perm: ints(normalizeAxes(OP, call.args[1] as number[], rank)) });
};

const transposeToOnnx: OnnxConverter = (call) => {
  const rank = call.inputShape(0).length;
  const perm = Array.from({ length: rank }, (_, i) => i);
  const a = normalizeAxis(OP, call.args[1] as number, rank);
  const b = normalizeAxis(OP, call.args[2] as number, rank);
  [perm[a], perm[b]] = [perm[b]!, perm[a]!];
  return call.node('Transpose', [call.input(0)], { perm: ints(perm) });
};

const expandToOnnx: OnnxConverter = (call) => call.node('Expand', [call.input(0), call.int64s(batchShape(call, 1))]);

/** `slice(x, dim, start, end?, step)`: ONNX's Slice reads starts and ends as Python does. */
const sliceToOnnx: OnnxConverter = (call) => {
  const axis = normalizeAxis(OP, call.args[1] as number, call.inputShape(0).length);
  const step = (call.args[4] as number | undefined) ?? 1;
  const end = (call.args[3] as number | undefined) ?? (step > 0 ? TO_END : -TO_END);
  const start = (call.args[2] as number | undefined) ?? 0;
  return call.node('Slice', [
    call.input(0),
    call.int64s([start]),
    call.int64s([end]),
    call.int64s([axis]),
    call.int64s([step]),
  ]);
};

/** `narrow(x, dim, start, length)`: a Slice of `length` items. */
const narrowToOnnx: OnnxConverter = (call) => {
  const shape = call.inputShape(0);
  const axis = normalizeAxis(OP, call.args[1] as number, shape.length);
  const start = call.args[2] as number;
  const from = start < 0 ? start + shape[axis]! : start;
  const to = from + (call.args[3] as number);
  return call.node('Slice', [
    call.input(0),
    call.int64s([from]),
    call.int64s([to === shape[axis] ? TO_END : to]),
    call.int64s([axis]),
  ]);
};

/** `pad(x, padWidth, { mode, value })`: Pad; numpy-style widths, a short list padding the trailing axes. */
const padToOnnx: OnnxConverter = (call) => {
  const rank = call.inputShape(0).length;
  const width = call.args[1] as number | readonly (readonly [number, number])[];
  const options = (call.args[2] ?? {}) as { mode?: string; value?: number };
  const pairs: (readonly [number, number])[] =
    typeof width === 'number'
      ? Array.from({ length: rank }, () => [width, width] as const)
      : [...Array.from({ length: rank - width.length }, () => [0, 0] as const), ...width];
  const mode = options.mode ?? 'constant';
  const onnxMode = { constant: 'constant', reflect: 'reflect', replicate: 'edge', circular: 'wrap' }[mode];
  if (onnxMode === undefined) throw rangeError(OP, `${call.name}: pad mode ${describeValue(mode)} has no ONNX form`);
  if (onnxMode === 'wrap' && call.opset < 19) {
    throw rangeError(
      OP,
      `${call.name} pads in mode 'circular' (paddingMode='circular'), which ONNX's Pad supports from opset 19 ('wrap'); got opsetVersion=${call.opset}`,
    );
  }
  const pads = call.int64s([...pairs.map((p) => p[0]), ...pairs.map((p) => p[1])]);
  const inputs = [call.input(0), pads];
  if (onnxMode === 'constant' && (options.value ?? 0) !== 0) inputs.push(call.floats([options.value!], []));
  return call.node('Pad', inputs, { mode: str(onnxMode) });
};

/** `indexSelect(x, dim, index)`: Gather with the indices as an int64 constant. */
const indexSelectToOnnx: OnnxConverter = (call) => {
  const index = call.args[2];
  const indices = index instanceof Tensor ? Array.from(index.toTypedArray()) : (index as number[]);
  const axis = normalizeAxis(OP, call.args[1] as number, call.inputShape(0).length);
  return call.node('Gather', [call.input(0), call.int64s(indices)], { axis: int(axis) });
};

/** The tensors of `concat(dim, ...tensors)` / `stack(dim, ...tensors)`. */
function joined(call: OnnxOpCall): number[] {
  return call.args.map((_, i) => i).slice(1);
}

const concatToOnnx: OnnxConverter = (call) => {
  const rank = call.inputShape(1).length;
  const axis = normalizeAxis(OP, call.args[0] as number, rank);
  return call.node(
    'Concat',
    joined(call).map((i) => call.input(i)),
    { axis: int(axis) },
  );
};

const stackToOnnx: OnnxConverter = (call) => {
  const axis = normalizeAxis(OP, call.args[0] as number, call.inputShape(1).length + 1);
  const axes = call.int64s([axis]);
  const parts = joined(call).map((i) => call.node('Unsqueeze', [call.input(i), axes]));
  return call.node('Concat', parts, { axis: int(axis) });
};

/** `clamp(x, min, max)`: Clip, a missing bound an omitted input. */
const clamp: OnnxConverter = (call) => {
  const bound = (v: unknown) => (typeof v === 'number' ? call.floats([v], []) : '');
  return call.node('Clip', [call.input(0), bound(call.args[1]), bound(call.args[2])]);
};

/** `softplus(x, beta, threshold)`: Softplus(βx)/β (ONNX's is stable for large x, where PyTorch returns x). */
const softplus: OnnxConverter = (call) => {
  const beta = call.args[1] as number;
  if (beta === 1) return call.node('Softplus', [call.input(0)]);
  const scaled = call.node('Softplus', [call.node('Mul', [call.input(0), call.floats([beta], [])])]);
  return call.node('Div', [scaled, call.floats([beta], [])]);
};

const BUILTIN: Record<string, OnnxConverter> = {
  add: binary('Add'),
  sub: binary('Sub'),
  mul: binary('Mul'),
  div: binary('Div'),
  pow: binary('Pow'),
  matmul: binary('MatMul'),
  neg: unary('Neg'),
  exp: unary('Exp'),
  log: unary('Log'),
  sqrt: unary('Sqrt'),
  abs: unary('Abs'),
  tanh: unary('Tanh'),
  sigmoid: unary('Sigmoid'),
  relu: unary('Relu'),
  leakyRelu: (call) =>
    call.node('LeakyRelu', [call.input(0)], { alpha: float((call.args[1] as number | undefined) ?? 0.01) }),
  gelu,
  clamp,
  elu: (call) => call.node('Elu', [call.input(0)], { alpha: float(call.args[1] as number) }),
  silu: (call) => call.node('Mul', [call.input(0), call.node('Sigmoid', [call.input(0)])]),
  hardswish: unary('HardSwish'),
  softplus,
  mish: (call) => call.node('Mul', [call.input(0), call.node('Tanh', [call.node('Softplus', [call.input(0)])])]),
  softmax: softmax('Softmax'),
  logSoftmax: softmax('LogSoftmax'),
  sum: reduce('ReduceSum'),
  mean: reduce('ReduceMean'),
  amax: reduce('ReduceMax'),
  amin: reduce('ReduceMin'),
  logsumexp: reduce('ReduceLogSumExp'),
  maxWithIndices: extremeWithIndices('ReduceMax'),
  minWithIndices: extremeWithIndices('ReduceMin'),
  variance,
  concat: concatToOnnx,
  expand: expandToOnnx,
  flatten: flattenToOnnx,
  indexSelect: indexSelectToOnnx,
  narrow: narrowToOnnx,
  pad: padToOnnx,
  permute: permuteToOnnx,
  reshape: reshapeToOnnx,
  slice: sliceToOnnx,
  squeeze: squeezeToOnnx,
  stack: stackToOnnx,
  transpose: transposeToOnnx,
  unsqueeze: unsqueezeToOnnx,
  view: reshapeToOnnx,
  ...LAYER_CONVERTERS,
};

const registered = new Map<string, OnnxConverter>();

/**
 * Teaches ONNX export an op: `toOnnxBytes` calls `converter` for every call of the `defineOp` op
 * named `name` in the traced forward, to write its nodes (see `OnnxOpCall`). A converter registered
 * for a built-in op's name replaces the built-in one; registering a name again replaces the earlier one.
 * @returns a handle whose `remove()` unregisters it (and brings back what it replaced)
 * @example
 * registerOnnxConverter('swish', (call) => call.node('Mul', [call.input(0), call.node('Sigmoid', [call.input(0)])]));
 */
export function registerOnnxConverter(name: string, converter: OnnxConverter): RemovableHandle {
  if (typeof name !== 'string' || name === '')
    throw typeError(
      'registerOnnxConverter',
      `name must be an op's name (a non-empty string), got ${describeValue(name)}`,
    );
  if (typeof converter !== 'function')
    throw typeError('registerOnnxConverter', `converter must be a function, got ${describeValue(converter)}`);
  const before = registered.get(name);
  registered.set(name, converter);
  return {
    remove: () => {
      if (registered.get(name) !== converter) return;
      if (before) registered.set(name, before);
      else registered.delete(name);
    },
  };
}

/** The names of the ops export converts without a registered converter. */
export const BUILTIN_OPS: readonly string[] = Object.keys(BUILTIN).sort();

/**
 * The converter of op `op` (called at `where`).
 * @throws TypeError naming the op and saying how to add a converter
 */
export function converterOf(op: string, where: string): OnnxConverter {
  const found = registered.get(op) ?? (Object.hasOwn(BUILTIN, op) ? BUILTIN[op] : undefined);
  if (found) return found;
  throw typeError(
    OP,
    `op '${op}' (${where}) has no ONNX converter. If it is your own op (defineOp), register one: registerOnnxConverter('${op}', (call) => call.node('<OnnxOpType>', [call.input(0)])), returning the output's value name; ops export converts: ${BUILTIN_OPS.join(', ')}`,
  );
}

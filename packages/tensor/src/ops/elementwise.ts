import {
  arrayFor,
  isDType,
  uninitializedArrayFor,
  promoteTypes,
  promoteWithScalar,
  type DType,
  type TypedArray,
} from '../dtype.js';
import { describeValue } from '../check.js';
import { rangeError, typeError } from '../errors.js';
import { broadcastShapes, sameShape, sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';

/** A tensor or a plain number (treated as a 0-d tensor that never widens a float tensor's dtype). */
export type TensorLike = Tensor | number;

/** Strides that read `t` as if it had `shape` (numpy broadcasting: stride 0 on stretched axes). */
export function broadcastStrides(t: Tensor, shape: Shape): number[] {
  const ndim = shape.length;
  const lead = ndim - t.ndim;
  const strides = new Array<number>(ndim).fill(0);
  for (let i = 0; i < t.ndim; i++) strides[lead + i] = t.shape[i] === 1 ? 0 : t.strides[i]!;
  return strides;
}

/**
 * Applies `fn` to the elements of `inputs`, broadcast to `shape`, writing a contiguous `out`.
 * The innermost axis is a tight loop; outer axes advance by counters.
 */
function mapBroadcast(inputs: Tensor[], shape: Shape, out: TypedArray, fn: (...v: number[]) => number): void {
  const size = sizeOf(shape);
  if (size === 0) return;
  const ndim = shape.length;
  const k = inputs.length;
  const strides = inputs.map((t) => broadcastStrides(t, shape));
  const pos = inputs.map((t) => t.offset);
  const datas = inputs.map((t) => t.data);
  const vals = new Array<number>(k);
  if (ndim === 0) {
    for (let j = 0; j < k; j++) vals[j] = datas[j]![pos[j]!]!;
    out[0] = fn(...vals);
    return;
  }
  const inner = shape[ndim - 1]!;
  const innerStrides = strides.map((s) => s[ndim - 1]!);
  const counter = new Array<number>(ndim).fill(0);
  let o = 0;
  while (o < size) {
    for (let i = 0; i < inner; i++) {
      for (let j = 0; j < k; j++) vals[j] = datas[j]![pos[j]! + i * innerStrides[j]!]!;
      out[o++] = fn(...vals);
    }
    for (let axis = ndim - 2; axis >= 0; axis--) {
      counter[axis]!++;
      for (let j = 0; j < k; j++) pos[j] = pos[j]! + strides[j]![axis]!;
      if (counter[axis]! < shape[axis]!) break;
      for (let j = 0; j < k; j++) pos[j] = pos[j]! - counter[axis]! * strides[j]![axis]!;
      counter[axis] = 0;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Unary

/** `out[i] = f(src[offset + i])` for every i of `out`, with `f` written into the loop. */
type UnaryLoop = (src: TypedArray, offset: number, out: TypedArray) => void;

/**
 * Builds an elementwise unary op. Float tensors keep their dtype; int32 input becomes float32
 * unless `keepInt` (ops like abs and neg that map integers to integers). A training-path op passes
 * its own contiguous `loop`: the shared loop below calls `fn` through a call site that every op
 * reaches, so V8 cannot inline it (relu on 200k floats: 2.4 ms shared, 0.3 ms with its own loop).
 */
function unaryOp(name: string, fn: (x: number) => number, keepInt = false, loop?: UnaryLoop) {
  return (x: Tensor): Tensor => {
    if (!(x instanceof Tensor)) throw typeError(name, `x must be a Tensor, got ${describe(x)}`);
    const dtype: DType = x.dtype === 'int32' && !keepInt ? 'float32' : x.dtype;
    // Every element is written below.
    const out = uninitializedArrayFor(dtype, x.size);
    if (x.isContiguous() && loop) {
      loop(x.data, x.offset, out);
    } else if (x.isContiguous()) {
      const d = x.data;
      const off = x.offset;
      for (let i = 0; i < out.length; i++) out[i] = fn(d[off + i]!);
    } else {
      mapBroadcast([x], x.shape, out, fn);
    }
    return new Tensor(out, x.shape);
  };
}

const describe = describeValue;

/**
 * The error function by W. J. Cody's rational Chebyshev approximations (CALERF, Math. Comp. 1969),
 * relative error near 1e-16 — Abramowitz–Stegun 7.1.26 (1.5e-7) is too coarse for gradchecks.
 * Three ranges: x·P(x²)/Q(x²) for |x| <= 0.46875, then erfc as exp(−x²)·P(x)/Q(x) up to 4, then an
 * asymptotic form in 1/x².
 */
export function erfScalar(x: number): number {
  const y = Math.abs(x);
  if (y <= 0.46875) {
    const t = y > 1.11e-16 ? x * x : 0;
    let num = 1.85777706184603153e-1 * t;
    let den = t;
    num = (num + 3.1611237438705656) * t;
    den = (den + 2.36012909523441209e1) * t;
    num = (num + 1.13864154151050156e2) * t;
    den = (den + 2.44024637934444173e2) * t;
    num = (num + 3.77485237685302021e2) * t;
    den = (den + 1.28261652607737228e3) * t;
    return (x * (num + 3.20937758913846947e3)) / (den + 2.84423683343917062e3);
  }
  const c = erfcPositive(y);
  return x < 0 ? c - 1 : 1 - c;
}

const ERFC_C = [
  5.64188496988670089e-1, 8.88314979438837594, 6.61191906371416295e1, 2.98635138197400131e2, 8.8195222124176909e2,
  1.71204761263407058e3, 2.05107837782607147e3,
];
const ERFC_D = [
  1.57449261107098347e1, 1.17693950891312499e2, 5.37181101862009858e2, 1.62138957456669019e3, 3.29079923573345963e3,
  4.36261909014324716e3, 3.43936767414372164e3,
];
const ERFC_P = [3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2];
const ERFC_Q = [2.56852019228982242, 1.87295284992346725, 5.27905102951428412e-1, 6.05183413124413191e-2];

/** erfc(y) for y > 0.46875. */
function erfcPositive(y: number): number {
  let r: number;
  if (y <= 4) {
    let num = 2.15311535474403846e-8 * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + ERFC_C[i]!) * y;
      den = (den + ERFC_D[i]!) * y;
    }
    r = (num + 1.23033935479799725e3) / (den + 1.23033935480374942e3);
  } else {
    if (y >= 26.6) return 0; // exp(−y²) underflows
    const z = 1 / (y * y);
    let num = 1.63153871373020978e-2 * z;
    let den = z;
    for (let i = 0; i < 4; i++) {
      num = (num + ERFC_P[i]!) * z;
      den = (den + ERFC_Q[i]!) * z;
    }
    r = (z * (num + 6.58749161529837803e-4)) / (den + 2.33520497626869185e-3);
    r = (1 / Math.sqrt(Math.PI) - r) / y;
  }
  // exp(−y²) split as exp(−s²)·exp(−(y−s)(y+s)) with s = y rounded to 1/16: y² itself loses bits.
  const s = Math.trunc(y * 16) / 16;
  return Math.exp(-s * s) * Math.exp(-(y - s) * (y + s)) * r;
}

// Unary ops, elementwise. Each takes `x`: any shape → a new contiguous tensor of the same shape.
// Float input keeps its dtype; int32 input gives float32, except for the ops that map integers to
// integers (neg, abs, sign, square, relu, floor, ceil, round), which keep int32.

/** −x */
export const neg = unaryOp('neg', (x) => -x, true);
export const abs = unaryOp('abs', Math.abs, true);
export const sign = unaryOp('sign', Math.sign, true);
export const exp = unaryOp('exp', Math.exp, false, (src, offset, out) => {
  for (let i = 0; i < out.length; i++) out[i] = Math.exp(src[offset + i]!);
});
export const log = unaryOp('log', Math.log);
export const log1p = unaryOp('log1p', Math.log1p);
export const expm1 = unaryOp('expm1', Math.expm1);
export const sqrt = unaryOp('sqrt', Math.sqrt);
export const rsqrt = unaryOp('rsqrt', (x) => 1 / Math.sqrt(x));
export const square = unaryOp('square', (x) => x * x, true);
export const reciprocal = unaryOp('reciprocal', (x) => 1 / x);
export const sin = unaryOp('sin', Math.sin);
export const cos = unaryOp('cos', Math.cos);
// The activations get their own loops, as relu does (see unaryOp).
export const tanh = unaryOp('tanh', Math.tanh, false, (src, offset, out) => {
  for (let i = 0; i < out.length; i++) out[i] = Math.tanh(src[offset + i]!);
});
/** 1 / (1 + e^−x), computed without overflow for large |x|. */
export const sigmoid = unaryOp('sigmoid', sigmoidScalar, false, (src, offset, out) => {
  for (let i = 0; i < out.length; i++) out[i] = sigmoidScalar(src[offset + i]!);
});

function sigmoidScalar(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
/** max(0, x); NaN stays NaN, as torch.relu (in float32, a NaN with its sign bit set becomes 0). */
export const relu = unaryOp('relu', (x) => (x <= 0 ? 0 : x), true, reluLoop);

/**
 * relu's contiguous loop. float32 and int32 work on the bit patterns: `b & ~(b >> 31)` zeroes every
 * value whose sign bit is set and keeps the rest, with none of the branches `v > 0 ? v : 0` mispredicts
 * on half of a random activation (200k float32: 0.93 ms branching, 0.25 ms on the bits).
 */
function reluLoop(src: TypedArray, offset: number, out: TypedArray): void {
  const n = out.length;
  if (src instanceof Float32Array && out instanceof Float32Array) {
    reluBits(
      new Int32Array(src.buffer, src.byteOffset + 4 * offset, n),
      0,
      new Int32Array(out.buffer, out.byteOffset, n),
    );
  } else if (src instanceof Int32Array && out instanceof Int32Array) {
    reluBits(src, offset, out);
  } else {
    for (let i = 0; i < n; i++) {
      const v = src[offset + i]!;
      out[i] = v <= 0 ? 0 : v;
    }
  }
}

function reluBits(src: Int32Array, offset: number, out: Int32Array): void {
  const n = out.length;
  let i = 0;
  // Unrolled by 4: V8 does not unroll, and the loop's own overhead was a third of the time
  // ([64, 6, 28, 28], hot in cache: 0.42 ms rolled, 0.28 ms unrolled).
  for (; i + 4 <= n; i += 4) {
    const a = src[offset + i]!;
    const b = src[offset + i + 1]!;
    const c = src[offset + i + 2]!;
    const d = src[offset + i + 3]!;
    out[i] = a & ~(a >> 31);
    out[i + 1] = b & ~(b >> 31);
    out[i + 2] = c & ~(c >> 31);
    out[i + 3] = d & ~(d >> 31);
  }
  for (; i < n; i++) {
    const b = src[offset + i]!;
    out[i] = b & ~(b >> 31);
  }
}
export const floor = unaryOp('floor', Math.floor, true);
export const ceil = unaryOp('ceil', Math.ceil, true);
/** Rounds half to even, as torch.round. */
export const round = unaryOp(
  'round',
  (x) => {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
  true,
);
export const erf = unaryOp('erf', erfScalar);

/** max(0, x) + slope · min(0, x). */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  if (typeof negativeSlope !== 'number' || !Number.isFinite(negativeSlope)) {
    throw typeError('leakyRelu', `negativeSlope must be a finite number, got ${String(negativeSlope)}`);
  }
  return unaryOp(
    'leakyRelu',
    (v) => (v > 0 ? v : v * negativeSlope),
    false,
    (src, offset, out) => {
      for (let i = 0; i < out.length; i++) {
        const v = src[offset + i]!;
        out[i] = v > 0 ? v : v * negativeSlope;
      }
    },
  )(x);
}

/** Clamps into [min, max]; either bound may be omitted (null/undefined). */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  if (typeof lo !== 'number' || typeof hi !== 'number') {
    throw typeError('clamp', `bounds must be numbers or null, got min=${describe(min)}, max=${describe(max)}`);
  }
  if (Number.isNaN(lo) || Number.isNaN(hi))
    throw rangeError('clamp', `bounds must not be NaN, got min=${min}, max=${max}`);
  // An int32 tensor stays int32 only when both bounds are whole (as torch's scalar promotion).
  const wholeBounds = (Number.isInteger(lo) || lo === -Infinity) && (Number.isInteger(hi) || hi === Infinity);
  // min(max(v, lo), hi): with lo > hi every element becomes hi, as torch.clamp; NaN passes through.
  return unaryOp(
    'clamp',
    (v) => {
      const a = v < lo ? lo : v;
      return a > hi ? hi : a;
    },
    wholeBounds,
  )(x);
}

/** Converts to another dtype (float → int32 truncates toward zero, as a C cast). */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (!(x instanceof Tensor)) throw typeError('cast', `x must be a Tensor, got ${describe(x)}`);
  if (!isDType(dtype)) throw typeError('cast', `dtype must be 'float32', 'float64' or 'int32', got ${String(dtype)}`);
  if (x.dtype === dtype) return x;
  const out = arrayFor(dtype, x.size);
  if (dtype === 'int32') mapBroadcast([x], x.shape, out, Math.trunc);
  else mapBroadcast([x], x.shape, out, (v) => v);
  return new Tensor(out, x.shape);
}

/** An owning contiguous copy. */
export function clone(x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw typeError('clone', `x must be a Tensor, got ${describe(x)}`);
  return new Tensor(x.toTypedArray(), x.shape);
}

// ---------------------------------------------------------------------------------------------
// Binary, with numpy broadcasting

function asTensor(op: string, arg: string, v: TensorLike, other: TensorLike): Tensor {
  if (v instanceof Tensor) return v;
  if (typeof v !== 'number') throw typeError(op, `${arg} must be a Tensor or a number, got ${describe(v)}`);
  const dtype = other instanceof Tensor ? promoteWithScalar(other.dtype, v) : 'float32';
  const data = arrayFor(dtype, 1);
  data[0] = v;
  return new Tensor(data, []);
}

type BinaryCode = 'add' | 'sub' | 'mul' | 'div' | 'other';

function binaryOp(
  name: string,
  fn: (a: number, b: number) => number,
  code: BinaryCode = 'other',
  resultDtype?: (d: DType) => DType,
) {
  return (a: TensorLike, b: TensorLike): Tensor => {
    const ta = asTensor(name, 'a', a, b);
    const tb = asTensor(name, 'b', b, a);
    let dtype = promoteTypes(ta.dtype, tb.dtype);
    if (resultDtype) dtype = resultDtype(dtype);
    const shape = sameShape(ta.shape, tb.shape) ? ta.shape : broadcastShapes(name, ta.shape, tb.shape);
    const out = arrayFor(dtype, sizeOf(shape));
    if (sameShape(ta.shape, tb.shape) && ta.isContiguous() && tb.isContiguous()) {
      contiguousBinary(code, fn, ta.data, ta.offset, tb.data, tb.offset, out);
    } else if (tb.size === 1 && ta.isContiguous() && sameShape(ta.shape, shape)) {
      const s = tb.data[tb.offset]!;
      const d = ta.data;
      const off = ta.offset;
      for (let i = 0; i < out.length; i++) out[i] = fn(d[off + i]!, s);
    } else if (ta.size === 1 && tb.isContiguous() && sameShape(tb.shape, shape)) {
      const s = ta.data[ta.offset]!;
      const d = tb.data;
      const off = tb.offset;
      for (let i = 0; i < out.length; i++) out[i] = fn(s, d[off + i]!);
    } else {
      mapBroadcast([ta, tb], shape, out, fn as (...v: number[]) => number);
    }
    return new Tensor(out, shape);
  };
}

// The four arithmetic ops get their own loops: they dominate training time and a direct `+` is
// several times faster than a call through `fn`.
function contiguousBinary(
  code: BinaryCode,
  fn: (a: number, b: number) => number,
  a: TypedArray,
  ao: number,
  b: TypedArray,
  bo: number,
  out: TypedArray,
): void {
  const n = out.length;
  switch (code) {
    case 'add':
      for (let i = 0; i < n; i++) out[i] = a[ao + i]! + b[bo + i]!;
      return;
    case 'sub':
      for (let i = 0; i < n; i++) out[i] = a[ao + i]! - b[bo + i]!;
      return;
    case 'mul':
      for (let i = 0; i < n; i++) out[i] = a[ao + i]! * b[bo + i]!;
      return;
    case 'div':
      for (let i = 0; i < n; i++) out[i] = a[ao + i]! / b[bo + i]!;
      return;
    default:
      for (let i = 0; i < n; i++) out[i] = fn(a[ao + i]!, b[bo + i]!);
  }
}

const toFloat = (d: DType): DType => (d === 'int32' ? 'float32' : d);
const toInt = (): DType => 'int32';

// Binary ops, elementwise with numpy broadcasting: `a`, `b`: Tensor or number (a number never widens
// a float tensor's dtype) → a new contiguous tensor of the broadcast shape, dtype promoted
// int32 < float32 < float64.
// @throws ShapeError naming both shapes when they do not broadcast

/** a + b */
export const add = binaryOp('add', (a, b) => a + b, 'add');
export const sub = binaryOp('sub', (a, b) => a - b, 'sub');
export const mul = binaryOp('mul', (a, b) => a * b, 'mul');
/** True division: int32 operands give float32, as torch.div. */
export const div = binaryOp('div', (a, b) => a / b, 'div', toFloat);
export const pow = binaryOp('pow', Math.pow);
export const maximum = binaryOp('maximum', (a, b) => (a > b || Number.isNaN(a) ? a : b));
export const minimum = binaryOp('minimum', (a, b) => (a < b || Number.isNaN(a) ? a : b));
export const atan2 = binaryOp('atan2', Math.atan2, 'other', toFloat);

// Comparisons give int32 masks of 0/1 (Torchlet has no bool dtype).
export const eq = binaryOp('eq', (a, b) => (a === b ? 1 : 0), 'other', toInt);
export const ne = binaryOp('ne', (a, b) => (a !== b ? 1 : 0), 'other', toInt);
export const lt = binaryOp('lt', (a, b) => (a < b ? 1 : 0), 'other', toInt);
export const le = binaryOp('le', (a, b) => (a <= b ? 1 : 0), 'other', toInt);
export const gt = binaryOp('gt', (a, b) => (a > b ? 1 : 0), 'other', toInt);
export const ge = binaryOp('ge', (a, b) => (a >= b ? 1 : 0), 'other', toInt);

/**
 * `condition ? a : b` elementwise; all three broadcast together. Non-zero counts as true.
 * @returns the broadcast shape, dtype promoted from `a` and `b`
 */
export function where(condition: Tensor, a: TensorLike, b: TensorLike): Tensor {
  if (!(condition instanceof Tensor))
    throw typeError('where', `condition must be a Tensor, got ${describe(condition)}`);
  const ta = asTensor('where', 'a', a, b);
  const tb = asTensor('where', 'b', b, a);
  const shape = broadcastShapes('where', broadcastShapes('where', condition.shape, ta.shape), tb.shape);
  const out = arrayFor(promoteTypes(ta.dtype, tb.dtype), sizeOf(shape));
  mapBroadcast([condition, ta, tb], shape, out, (c, x, y) => (c !== 0 ? x : y));
  return new Tensor(out, shape);
}

/** True when every pair of elements is within `atol + rtol·|b|` (NaNs never match). */
export function allClose(a: Tensor, b: Tensor, rtol = 1e-5, atol = 1e-8): boolean {
  if (!(a instanceof Tensor)) throw typeError('allClose', `a must be a Tensor, got ${describe(a)}`);
  if (!(b instanceof Tensor)) throw typeError('allClose', `b must be a Tensor, got ${describe(b)}`);
  for (const [name, tol] of [
    ['rtol', rtol],
    ['atol', atol],
  ] as const) {
    if (typeof tol !== 'number' || !(tol >= 0))
      throw rangeError('allClose', `${name} must be a number >= 0, got ${describe(tol)}`);
  }
  const shape = broadcastShapes('allClose', a.shape, b.shape);
  const out = new Int32Array(sizeOf(shape));
  mapBroadcast([a, b], shape, out, (x, y) => (Math.abs(x - y) <= atol + rtol * Math.abs(y) ? 1 : 0));
  return out.every((v) => v === 1);
}

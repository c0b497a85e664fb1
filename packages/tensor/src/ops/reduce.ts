import {
  checkOptions,
  optionKeys,
  checkTensor,
  checkTensorOrData,
  describeValue,
  normalizeAxes,
  normalizeAxis,
  type HasTensorData,
} from '../check.js';
import { arrayFor, type DType, type TypedArray } from '../dtype.js';
import { rangeError, typeError } from '../errors.js';
import { formatShape } from '../shape.js';
import { Tensor, contiguousData } from '../tensor.js';

/** One axis or several; negative axes count from the end. */
export type Dim = number | readonly number[];

// ---------------------------------------------------------------------------------------------
// Planning: which axes fold, and how the input and output are walked together

/**
 * `mask[i]` is true when axis `i` is reduced. `undefined` reduces every axis.
 * Differs from PyTorch: `dim: []` reduces no axis (numpy's `axis=()`); torch reduces all of them.
 */
function reducedMask(op: string, x: Tensor, dim: Dim | undefined): boolean[] {
  if (dim === undefined) return x.shape.map(() => true);
  let axes: number[];
  if (typeof dim === 'number') axes = [normalizeAxis(op, dim, x.ndim)];
  else if (Array.isArray(dim)) axes = normalizeAxes(op, dim, x.ndim);
  else throw typeError(op, `dim must be an integer or an array of integers, got ${describeValue(dim)}`);
  const mask = x.shape.map(() => false);
  // A 0-d tensor accepts dim 0 / -1, as in PyTorch, and there is nothing to fold.
  for (const a of axes) if (x.ndim > 0) mask[a] = true;
  return mask;
}

function checkKeepdim(op: string, keepdim: unknown): boolean {
  if (typeof keepdim !== 'boolean') throw typeError(op, `keepdim must be a boolean, got ${describeValue(keepdim)}`);
  return keepdim;
}

function resultShape(x: Tensor, mask: readonly boolean[], keepdim: boolean): number[] {
  const shape: number[] = [];
  x.shape.forEach((d, i) => {
    if (!mask[i]) shape.push(d);
    else if (keepdim) shape.push(1);
  });
  return shape;
}

/** Number of input elements that fold into each output element. */
function foldCount(x: Tensor, mask: readonly boolean[]): number {
  let n = 1;
  x.shape.forEach((d, i) => {
    if (mask[i]) n *= d;
  });
  return n;
}

function checkNonEmpty(op: string, x: Tensor, mask: readonly boolean[]): void {
  x.shape.forEach((d, i) => {
    if (mask[i] && d === 0) {
      throw rangeError(
        op,
        `cannot reduce axis ${i} of size 0 (x is ${formatShape(x.shape)}); the result has no identity`,
      );
    }
  });
}

/**
 * The walk over `x` as a list of (size, input stride, output stride) loops, outermost first.
 * Reduced axes have output stride 0. Size-1 axes are dropped and neighbours that step evenly in
 * both input and output merge, so a bias gradient over `[N, C, H, W]` becomes `N × C × (H·W)`
 * with a contiguous H·W run innermost.
 */
interface Walk {
  sizes: number[];
  inStrides: number[];
  outStrides: number[];
}

function planWalk(x: Tensor, mask: readonly boolean[]): Walk {
  const outStride = new Array<number>(x.ndim).fill(0);
  let s = 1;
  for (let i = x.ndim - 1; i >= 0; i--) {
    if (mask[i]) continue;
    outStride[i] = s;
    s *= x.shape[i]!;
  }
  const walk: Walk = { sizes: [], inStrides: [], outStrides: [] };
  for (let i = 0; i < x.ndim; i++) {
    const n = x.shape[i]!;
    if (n === 1) continue;
    const last = walk.sizes.length - 1;
    if (last >= 0 && walk.inStrides[last] === x.strides[i]! * n && walk.outStrides[last] === outStride[i]! * n) {
      walk.sizes[last] = walk.sizes[last]! * n;
      walk.inStrides[last] = x.strides[i]!;
      walk.outStrides[last] = outStride[i]!;
    } else {
      walk.sizes.push(n);
      walk.inStrides.push(x.strides[i]!);
      walk.outStrides.push(outStride[i]!);
    }
  }
  if (walk.sizes.length === 0) {
    walk.sizes.push(1);
    walk.inStrides.push(0);
    walk.outStrides.push(0);
  }
  return walk;
}

// What the walk folds into `acc[o]` for each input element `v`.
const SUM = 0; // acc += v
const MAX = 1; // acc = max(acc, v), NaN sticks
const MIN = 2; // acc = min(acc, v), NaN sticks
const SQDEV = 3; // acc += (v − aux[o])²
const EXPSHIFT = 4; // acc += exp(v − aux[o])
type Fold = typeof SUM | typeof MAX | typeof MIN | typeof SQDEV | typeof EXPSHIFT;

/**
 * Folds every element of `x` into `acc` (float64, one slot per output element) following `walk`.
 * The innermost loop is either a reduced run (a local accumulator) or a kept run (a row of `acc`);
 * the fold is chosen once per run, never per element.
 */
function foldInto(x: Tensor, walk: Walk, acc: Float64Array, fold: Fold, aux: Float64Array | null): void {
  if (x.size === 0) return;
  const data = x.data;
  const { sizes, inStrides, outStrides } = walk;
  const m = sizes.length;
  const n = sizes[m - 1]!;
  const is = inStrides[m - 1]!;
  const os = outStrides[m - 1]!;
  const runs = x.size / n;
  const counter = new Array<number>(m - 1).fill(0);
  let ip = x.offset;
  let op = 0;
  for (let r = 0; r < runs; r++) {
    if (os === 0) {
      let a = acc[op]!;
      switch (fold) {
        case SUM:
          for (let i = 0, q = ip; i < n; i++, q += is) a += data[q]!;
          break;
        case MAX:
          for (let i = 0, q = ip; i < n; i++, q += is) {
            const v = data[q]!;
            if (v > a || v !== v) a = v;
          }
          break;
        case MIN:
          for (let i = 0, q = ip; i < n; i++, q += is) {
            const v = data[q]!;
            if (v < a || v !== v) a = v;
          }
          break;
        case SQDEV: {
          const c = aux![op]!;
          for (let i = 0, q = ip; i < n; i++, q += is) {
            const d = data[q]! - c;
            a += d * d;
          }
          break;
        }
        case EXPSHIFT: {
          const c = aux![op]!;
          for (let i = 0, q = ip; i < n; i++, q += is) a += Math.exp(data[q]! - c);
          break;
        }
      }
      acc[op] = a;
    } else {
      switch (fold) {
        case SUM:
          for (let i = 0, q = ip, o = op; i < n; i++, q += is, o += os) acc[o]! += data[q]!;
          break;
        case MAX:
          for (let i = 0, q = ip, o = op; i < n; i++, q += is, o += os) {
            const v = data[q]!;
            if (v > acc[o]! || v !== v) acc[o] = v;
          }
          break;
        case MIN:
          for (let i = 0, q = ip, o = op; i < n; i++, q += is, o += os) {
            const v = data[q]!;
            if (v < acc[o]! || v !== v) acc[o] = v;
          }
          break;
        case SQDEV:
          for (let i = 0, q = ip, o = op; i < n; i++, q += is, o += os) {
            const d = data[q]! - aux![o]!;
            acc[o]! += d * d;
          }
          break;
        case EXPSHIFT:
          for (let i = 0, q = ip, o = op; i < n; i++, q += is, o += os) acc[o]! += Math.exp(data[q]! - aux![o]!);
          break;
      }
    }
    for (let k = m - 2; k >= 0; k--) {
      counter[k]!++;
      ip += inStrides[k]!;
      op += outStrides[k]!;
      if (counter[k]! < sizes[k]!) break;
      ip -= counter[k]! * inStrides[k]!;
      op -= counter[k]! * outStrides[k]!;
      counter[k] = 0;
    }
  }
}

/** Runs one fold over the axes in `mask`, returning the float64 accumulator (row-major over kept axes). */
function fold(
  x: Tensor,
  mask: readonly boolean[],
  kind: Fold,
  init: number,
  aux: Float64Array | null = null,
): Float64Array {
  const acc = new Float64Array(resultSize(x, mask));
  if (init !== 0) acc.fill(init);
  foldInto(x, planWalk(x, mask), acc, kind, aux);
  return acc;
}

function resultSize(x: Tensor, mask: readonly boolean[]): number {
  let n = 1;
  x.shape.forEach((d, i) => {
    if (!mask[i]) n *= d;
  });
  return n;
}

function toTensor(acc: Float64Array, dtype: DType, shape: number[]): Tensor {
  const out: TypedArray = dtype === 'float64' ? acc : arrayFor(dtype, acc.length);
  if (out !== acc) out.set(acc);
  return new Tensor(out, shape);
}

const floatOf = (d: DType): DType => (d === 'int32' ? 'float32' : d);

// ---------------------------------------------------------------------------------------------
// Public reductions

/**
 * Sum over `dim` (all axes when omitted). float32 accumulates in float64 and is rounded once at
 * the end; int32 stays int32. An empty axis sums to 0.
 *
 * @param x   any shape
 * @param dim one axis or several (negative allowed); `[]` reduces none
 * @returns `x.shape` without the reduced axes (kept as 1 with `keepdim`); `[]` for a full reduction
 * @example sum(ones([2, 3, 4]), [0, 2]).toArray() // [8, 8, 8]
 */
export function sum(x: Tensor, dim?: Dim, keepdim = false): Tensor {
  checkTensor('sum', x);
  const mask = reducedMask('sum', x, dim);
  const keep = checkKeepdim('sum', keepdim);
  return toTensor(fold(x, mask, SUM, 0), x.dtype, resultShape(x, mask, keep));
}

/**
 * Mean over `dim` (all axes when omitted); int32 input gives float32. An empty axis gives NaN.
 * @returns as `sum`
 */
export function mean(x: Tensor, dim?: Dim, keepdim = false): Tensor {
  checkTensor('mean', x);
  const mask = reducedMask('mean', x, dim);
  const keep = checkKeepdim('mean', keepdim);
  const acc = fold(x, mask, SUM, 0);
  const count = foldCount(x, mask);
  for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! / count;
  return toTensor(acc, floatOf(x.dtype), resultShape(x, mask, keep));
}

/**
 * Largest value over `dim` (all axes when omitted), like `torch.amax`; NaN wins, as in PyTorch.
 * Use `maxWithIndices` for the positions too.
 * @returns as `sum`, dtype of `x`
 * @throws RangeError if a reduced axis has size 0
 */
export function max(x: Tensor, dim?: Dim, keepdim = false): Tensor {
  checkTensor('max', x);
  const mask = reducedMask('max', x, dim);
  const keep = checkKeepdim('max', keepdim);
  checkNonEmpty('max', x, mask);
  return toTensor(fold(x, mask, MAX, -Infinity), x.dtype, resultShape(x, mask, keep));
}

/** Smallest value over `dim`, like `torch.amin`. @see max */
export function min(x: Tensor, dim?: Dim, keepdim = false): Tensor {
  checkTensor('min', x);
  const mask = reducedMask('min', x, dim);
  const keep = checkKeepdim('min', keepdim);
  checkNonEmpty('min', x, mask);
  return toTensor(fold(x, mask, MIN, Infinity), x.dtype, resultShape(x, mask, keep));
}

export interface VarianceOptions {
  /** Subtracted from the count in the divisor: 1 = unbiased (Bessel, the default), 0 = population. */
  correction?: number;
  /** Default false. */
  keepdim?: boolean;
}

/**
 * Variance over `dim` (all axes when omitted), `Σ(x − mean)² / max(0, N − correction)`, computed
 * in two passes in float64. int32 input gives float32. Like PyTorch, `N <= correction` gives NaN or
 * Infinity rather than an error.
 * @returns as `sum`
 */
export function variance(x: Tensor, dim?: Dim, options: VarianceOptions = {}): Tensor {
  const op = 'variance';
  checkTensor(op, x);
  const mask = reducedMask(op, x, dim);
  options = checkOptions(op, options, optionKeys<VarianceOptions>({ correction: true, keepdim: true }));
  const keep = checkKeepdim(op, options.keepdim ?? false);
  const correction = options.correction ?? 1;
  if (typeof correction !== 'number' || !Number.isFinite(correction)) {
    throw typeError(op, `correction must be a finite number, got ${describeValue(correction)}`);
  }
  if (correction < 0) throw rangeError(op, `correction must be >= 0, got correction=${correction}`);
  const count = foldCount(x, mask);
  const centre = fold(x, mask, SUM, 0);
  for (let i = 0; i < centre.length; i++) centre[i] = centre[i]! / count;
  const acc = fold(x, mask, SQDEV, 0, centre);
  const divisor = Math.max(0, count - correction);
  for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! / divisor;
  return toTensor(acc, floatOf(x.dtype), resultShape(x, mask, keep));
}

/** Standard deviation: `sqrt(variance(x, dim, options))`. */
export function std(x: Tensor, dim?: Dim, options: VarianceOptions = {}): Tensor {
  const v = variance(x, dim, options);
  const d = v.data;
  for (let i = 0; i < d.length; i++) d[i] = Math.sqrt(d[i]!);
  return v;
}

/**
 * `log Σ exp(x)` over `dim`, stable: the max is subtracted before exponentiating. A slice of all
 * `-Infinity` (or an empty axis) gives `-Infinity`; int32 input gives float32.
 * @param dim required, as in PyTorch
 * @returns as `sum`
 */
export function logsumexp(x: Tensor, dim: Dim, keepdim = false): Tensor {
  const op = 'logsumexp';
  checkTensor(op, x);
  if (dim === undefined) throw typeError(op, 'dim is required (an integer or an array of integers)');
  const mask = reducedMask(op, x, dim);
  const keep = checkKeepdim(op, keepdim);
  const shift = fold(x, mask, MAX, -Infinity);
  // Infinite maxima cannot be subtracted (∞ − ∞ is NaN); shifting by 0 there gives ±∞ correctly.
  for (let i = 0; i < shift.length; i++) if (!Number.isFinite(shift[i]!)) shift[i] = 0;
  const acc = fold(x, mask, EXPSHIFT, 0, shift);
  for (let i = 0; i < acc.length; i++) acc[i] = shift[i]! + Math.log(acc[i]!);
  return toTensor(acc, floatOf(x.dtype), resultShape(x, mask, keep));
}

// ---------------------------------------------------------------------------------------------
// Positions of extremes

export interface ValuesAndIndices {
  /** The extreme values, dtype of `x`. */
  values: Tensor;
  /** Their positions along the reduced axis, int32. */
  indices: Tensor;
}

/**
 * Extreme along one axis of `x` with its position. First occurrence wins ties; the first NaN
 * beats everything (as PyTorch's argmax).
 */
function extremeAlong(
  op: string,
  x: Tensor,
  dim: number,
  keepdim: unknown,
  isMax: boolean,
): { values: Float64Array; indices: Int32Array; shape: number[] } {
  if (typeof dim !== 'number') throw typeError(op, `dim must be an integer, got ${describeValue(dim)}`);
  const axis = normalizeAxis(op, dim, x.ndim);
  const keep = checkKeepdim(op, keepdim);
  const mask = x.shape.map((_, i) => i === axis);
  checkNonEmpty(op, x, mask);
  const n = x.ndim === 0 ? 1 : x.shape[axis]!;
  let outer = 1;
  let inner = 1;
  x.shape.forEach((d, i) => {
    if (i < axis) outer *= d;
    else if (i > axis) inner *= d;
  });
  const src = contiguousData(x);
  const values = new Float64Array(outer * inner);
  const indices = new Int32Array(outer * inner);
  if (inner === 1) {
    // The last axis (class scores): one scan per row with the running best in registers.
    for (let b = 0; b < outer; b++) {
      const base = b * n;
      let best = src[base]!;
      let at = 0;
      for (let k = 1; k < n; k++) {
        const v = src[base + k]!;
        if ((isMax ? v > best : v < best) || (v !== v && best === best)) {
          best = v;
          at = k;
        }
      }
      values[b] = best;
      indices[b] = at;
    }
    return { values, indices, shape: resultShape(x, mask, keep) };
  }
  // Row by row along `axis`, so the inner loop reads the packed source contiguously.
  for (let b = 0; b < outer; b++) {
    const base = b * n * inner;
    const ob = b * inner;
    for (let i = 0; i < inner; i++) values[ob + i] = src[base + i]!;
    for (let k = 1; k < n; k++) {
      const row = base + k * inner;
      for (let i = 0; i < inner; i++) {
        const v = src[row + i]!;
        const best = values[ob + i]!;
        if ((isMax ? v > best : v < best) || (v !== v && best === best)) {
          values[ob + i] = v;
          indices[ob + i] = k;
        }
      }
    }
  }
  return { values, indices, shape: resultShape(x, mask, keep) };
}

/** Flat row-major position of the extreme of all of `x`. */
function extremeFlat(op: string, x: Tensor, keepdim: unknown, isMax: boolean): Tensor {
  const keep = checkKeepdim(op, keepdim);
  if (x.size === 0)
    throw rangeError(op, `cannot reduce an empty tensor (x is ${formatShape(x.shape)}); the result has no identity`);
  const src = contiguousData(x);
  let best = src[0]!;
  let at = 0;
  for (let i = 1; i < src.length; i++) {
    const v = src[i]!;
    if ((isMax ? v > best : v < best) || (v !== v && best === best)) {
      best = v;
      at = i;
    }
  }
  return new Tensor(Int32Array.of(at), keep ? x.shape.map(() => 1) : []);
}

/**
 * Position of the largest value along `dim`, or the flat row-major position over all of `x` when
 * `dim` is omitted. Ties go to the first occurrence.
 * @returns int32, `x.shape` without `dim` (kept as 1 with `keepdim`); `[]` when `dim` is omitted
 * @throws RangeError if the reduced axis (or `x`) is empty
 */
export function argmax(input: Tensor | HasTensorData, dim?: number, keepdim = false): Tensor {
  const x = checkTensorOrData('argmax', input);
  if (dim === undefined) return extremeFlat('argmax', x, keepdim, true);
  const r = extremeAlong('argmax', x, dim, keepdim, true);
  return new Tensor(r.indices, r.shape);
}

/** Position of the smallest value. @see argmax */
export function argmin(input: Tensor | HasTensorData, dim?: number, keepdim = false): Tensor {
  const x = checkTensorOrData('argmin', input);
  if (dim === undefined) return extremeFlat('argmin', x, keepdim, false);
  const r = extremeAlong('argmin', x, dim, keepdim, false);
  return new Tensor(r.indices, r.shape);
}

/**
 * `torch.max(x, dim)`: the largest values along `dim` and their positions (first on ties).
 * @returns both `x.shape` without `dim` (kept as 1 with `keepdim`)
 * @throws RangeError if the axis is empty
 */
export function maxWithIndices(x: Tensor, dim: number, keepdim = false): ValuesAndIndices {
  checkTensor('maxWithIndices', x);
  const r = extremeAlong('maxWithIndices', x, dim, keepdim, true);
  return { values: toTensor(r.values, x.dtype, r.shape), indices: new Tensor(r.indices, r.shape) };
}

/** `torch.min(x, dim)`. @see maxWithIndices */
export function minWithIndices(x: Tensor, dim: number, keepdim = false): ValuesAndIndices {
  checkTensor('minWithIndices', x);
  const r = extremeAlong('minWithIndices', x, dim, keepdim, false);
  return { values: toTensor(r.values, x.dtype, r.shape), indices: new Tensor(r.indices, r.shape) };
}

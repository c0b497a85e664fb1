import { arrayFor, dtypeOf, type DType, type FloatArray, type TypedArray } from './dtype.js';
import { rangeError, shapeError, typeError } from './errors.js';
import { formatTensor, printWithToString } from './format.js';
import { checkSize, contiguousStrides, formatShape, sizeOf, type Shape } from './shape.js';

export type NestedArray = number | NestedArray[];

/**
 * An n-d array: a typed-array `data` (the storage) seen through `shape`, `strides` and `offset`.
 * Views (reshape of contiguous data, permute, transpose, expand, slice, ...) share `data`; element
 * `[i0, i1, ...]` lives at `offset + Σ ik·strides[k]`. A stride of 0 repeats an element (broadcast).
 */
export class Tensor {
  readonly data: TypedArray;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly dtype: DType;
  readonly size: number;

  constructor(data: TypedArray, shape: Shape, strides?: Shape, offset = 0) {
    if (!(data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array)) {
      throw typeError(
        'Tensor',
        `data must be a Float32Array, Float64Array or Int32Array, got ${data === null ? 'null' : Array.isArray(data) ? 'an array' : ((data as object)?.constructor?.name ?? typeof data)}`,
      );
    }
    checkLayout(shape, strides, offset);
    this.data = data;
    this.shape = Object.freeze(shape.slice());
    this.strides = Object.freeze(strides ? strides.slice() : contiguousStrides(shape));
    this.offset = offset;
    this.dtype = dtypeOf(data);
    this.size = sizeOf(shape);
    checkSize('Tensor', this.size, () => `shape ${formatShape(shape)}`);
    if (this.strides.length !== shape.length) {
      throw shapeError('Tensor', `strides ${formatShape(this.strides)} do not match shape ${formatShape(shape)}`);
    }
    // The furthest element a view can reach must lie in the storage (views never use negative strides).
    if (this.size > 0) {
      let last = offset;
      for (let i = 0; i < shape.length; i++) last += (shape[i]! - 1) * this.strides[i]!;
      if (offset < 0 || last >= data.length) {
        throw shapeError(
          'Tensor',
          `storage of ${data.length} elements is too small for shape ${formatShape(shape)} ` +
            `with strides ${formatShape(this.strides)} at offset ${offset}`,
        );
      }
    }
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** True when the elements sit in row-major order with no gaps (offset may be non-zero). */
  isContiguous(): boolean {
    let expected = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      const d = this.shape[i]!;
      if (d !== 1 && this.strides[i] !== expected) return false;
      expected *= d;
    }
    return true;
  }

  /** Storage index of the element at `index` (one integer per axis). */
  storageIndex(index: readonly number[]): number {
    if (index.length !== this.ndim) {
      throw shapeError(
        'Tensor.get',
        `index [${index.join(', ')}] has ${index.length} entries for a tensor of shape ${formatShape(this.shape)}`,
      );
    }
    let at = this.offset;
    for (let k = 0; k < index.length; k++) {
      let i = index[k]!;
      const d = this.shape[k]!;
      if (!Number.isInteger(i)) throw typeError('Tensor.get', `index [${index.join(', ')}] must hold integers`);
      if (i < -d || i >= d) {
        throw rangeError(
          'Tensor.get',
          `index ${i} is out of range for axis ${k} of size ${d} (shape ${formatShape(this.shape)})`,
        );
      }
      if (i < 0) i += d;
      at += i * this.strides[k]!;
    }
    return at;
  }

  /** The element at `index` (negative indices count from the end). */
  get(...index: number[]): number {
    return this.data[this.storageIndex(index)]!;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1)
      throw shapeError('Tensor.item', `only one-element tensors have an item; shape is ${formatShape(this.shape)}`);
    return this.data[this.storageIndex(new Array(this.ndim).fill(0))]!;
  }

  /**
   * The elements in row-major order as a fresh contiguous typed array of this dtype.
   * Use `contiguousData` to avoid the copy when the tensor is already contiguous.
   */
  toTypedArray(): TypedArray {
    const out = arrayFor(this.dtype, this.size);
    copyStrided(this, out);
    return out;
  }

  /** Nested arrays of numbers, like `tensor.tolist()`; a scalar gives a number. */
  toArray(): NestedArray {
    const flat = contiguousData(this);
    if (this.ndim === 0) return flat[0]!;
    let pos = 0;
    const build = (axis: number): NestedArray[] => {
      const n = this.shape[axis]!;
      const out: NestedArray[] = new Array(n);
      if (axis === this.ndim - 1) {
        for (let i = 0; i < n; i++) out[i] = flat[pos++]!;
      } else {
        for (let i = 0; i < n; i++) out[i] = build(axis + 1);
      }
      return out;
    };
    return build(0);
  }

  /** Prints like PyTorch: `tensor([[1., 2.], [3., 4.]], dtype=float64)` plus the shape. */
  toString(): string {
    return formatTensor(this);
  }
}
printWithToString(Tensor);

/**
 * Shape, strides and offset must be whole numbers (sizes and strides >= 0): a NaN or fractional
 * entry would slip past the storage bound check below and read `undefined` as elements.
 */
function checkLayout(shape: unknown, strides: unknown, offset: unknown): void {
  const ints = (v: unknown): v is number[] =>
    Array.isArray(v) && v.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0);
  if (!ints(shape))
    throw typeError(
      'Tensor',
      `shape must be an array of integers >= 0, got ${Array.isArray(shape) ? formatShape(shape as number[]) : String(shape)}`,
    );
  if (strides !== undefined && !ints(strides)) {
    throw typeError(
      'Tensor',
      `strides must be an array of integers >= 0, got ${Array.isArray(strides) ? formatShape(strides as number[]) : String(strides)}`,
    );
  }
  // A negative offset is left to the storage check (a ShapeError, like any view out of bounds).
  if (typeof offset !== 'number' || !Number.isInteger(offset))
    throw typeError('Tensor', `offset must be an integer, got ${String(offset)}`);
}

/**
 * The elements of `t` in row-major order: `t.data` itself (subarray) when already contiguous,
 * otherwise a packed copy. Read-only use: writing into the result may write into `t`.
 */
export function contiguousData(t: Tensor): TypedArray {
  if (t.isContiguous()) {
    if (t.offset === 0 && t.data.length === t.size) return t.data;
    return t.data.subarray(t.offset, t.offset + t.size);
  }
  return t.toTypedArray();
}

/** `t`'s elements in row-major order (no copy when contiguous), typed as float storage (`t` is a float tensor). */
export function floatData(t: Tensor): FloatArray {
  return contiguousData(t) as FloatArray;
}

/** Writes the elements of `t`, in row-major order, into `out` (length `t.size`). */
export function copyStrided(t: Tensor, out: TypedArray): void {
  const { shape, strides, data } = t;
  const ndim = shape.length;
  const size = t.size;
  if (size === 0) return;
  if (ndim === 0) {
    out[0] = data[t.offset]!;
    return;
  }
  if (t.isContiguous()) {
    out.set(data.subarray(t.offset, t.offset + size));
    return;
  }
  // Walk the outer axes with a counter; the innermost axis is a tight strided loop.
  const inner = shape[ndim - 1]!;
  const innerStride = strides[ndim - 1]!;
  const counter = new Array<number>(ndim - 1).fill(0);
  let src = t.offset;
  let dst = 0;
  while (dst < size) {
    for (let i = 0, s = src; i < inner; i++, s += innerStride) out[dst++] = data[s]!;
    for (let k = ndim - 2; k >= 0; k--) {
      counter[k]!++;
      src += strides[k]!;
      if (counter[k]! < shape[k]!) break;
      src -= counter[k]! * strides[k]!;
      counter[k] = 0;
    }
  }
}

/**
 * Writes the elements of `src` into `dst` seen through `dstStrides` from `dstOffset` (same shape
 * as `src`): the scatter half of concat, pad and friends. Values convert to `dst`'s element type.
 */
export function copyInto(src: Tensor, dst: TypedArray, dstOffset: number, dstStrides: Shape): void {
  const { shape, strides, data } = src;
  const ndim = shape.length;
  if (src.size === 0) return;
  if (ndim === 0) {
    dst[dstOffset] = data[src.offset]!;
    return;
  }
  const inner = shape[ndim - 1]!;
  const sInner = strides[ndim - 1]!;
  const dInner = dstStrides[ndim - 1]!;
  const outer = src.size / inner;
  const counter = new Array<number>(ndim - 1).fill(0);
  let s = src.offset;
  let d = dstOffset;
  for (let row = 0; row < outer; row++) {
    // set() has a fixed cost that only pays off on longer rows.
    if (sInner === 1 && dInner === 1 && inner >= 32) {
      dst.set(data.subarray(s, s + inner), d);
    } else {
      for (let i = 0, si = s, di = d; i < inner; i++, si += sInner, di += dInner) dst[di] = data[si]!;
    }
    for (let k = ndim - 2; k >= 0; k--) {
      counter[k]!++;
      s += strides[k]!;
      d += dstStrides[k]!;
      if (counter[k]! < shape[k]!) break;
      s -= counter[k]! * strides[k]!;
      d -= counter[k]! * dstStrides[k]!;
      counter[k] = 0;
    }
  }
}

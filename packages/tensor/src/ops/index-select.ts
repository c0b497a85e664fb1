import { checkSize, checkTensor, describeValue, normalizeAxis } from '../check.js';
import { arrayFor, promoteTypes } from '../dtype.js';
import { rangeError, shapeError, typeError } from '../errors.js';
import { formatShape, sizeOf } from '../shape.js';
import { Tensor, contiguousData } from '../tensor.js';

/** The indices as a plain int array, each checked against an axis of size `n`. */
function checkIndex(op: string, index: unknown, n: number, dim: number, xShape: readonly number[]): ArrayLike<number> {
  let values: ArrayLike<number>;
  if (index instanceof Tensor) {
    if (index.dtype !== 'int32') throw typeError(op, `index must be an int32 tensor, got dtype ${index.dtype}`);
    if (index.ndim !== 1) throw shapeError(op, `index must be 1-D, got shape ${formatShape(index.shape)}`);
    values = contiguousData(index);
  } else if (Array.isArray(index)) {
    for (let j = 0; j < index.length; j++) {
      const v: unknown = index[j];
      if (typeof v !== 'number' || !Number.isInteger(v))
        throw typeError(op, `index[${j}] must be an integer, got ${describeValue(v)}`);
    }
    values = index as number[];
  } else {
    throw typeError(op, `index must be an int32 Tensor or an array of integers, got ${describeValue(index)}`);
  }
  for (let j = 0; j < values.length; j++) {
    const v = values[j]!;
    if (v < 0 || v >= n) {
      throw rangeError(
        op,
        `index[${j}]=${v} is out of range for dim=${dim} of size ${n} (x is ${formatShape(xShape)})`,
      );
    }
  }
  return values;
}

/**
 * Picks whole slices along `dim`: `out[..., j, ...] = x[..., index[j], ...]`, as `torch.index_select`.
 *
 * @param x     `[..., D, ...]` (at least 1-D)
 * @param index `[K]` int32 tensor or number array, each in `[0, D)`
 * @returns `[..., K, ...]`, a new contiguous tensor of `x`'s dtype
 * @throws RangeError naming the first index that is negative or `>= D`
 * @example indexSelect(tensor([[1, 2], [3, 4], [5, 6]]), 0, [2, 0]).toArray() // [[5, 6], [1, 2]]
 */
export function indexSelect(x: Tensor, dim: number, index: Tensor | readonly number[]): Tensor {
  const op = 'indexSelect';
  checkTensor(op, x);
  if (x.ndim === 0) throw shapeError(op, 'x must have at least one axis, got shape []');
  const axis = normalizeAxis(op, dim, x.ndim);
  const n = x.shape[axis]!;
  const idx = checkIndex(op, index, n, dim, x.shape);
  const k = idx.length;
  const shape = x.shape.slice();
  shape[axis] = k;
  checkSize(
    op,
    sizeOf(shape),
    `the result ${formatShape(shape)} of ${k} indices along dim=${dim} of x ${formatShape(x.shape)}`,
  );
  const out = arrayFor(x.dtype, sizeOf(shape));
  const outer = sizeOf(x.shape.slice(0, axis));
  const inner = sizeOf(x.shape.slice(axis + 1));
  const src = contiguousData(x);
  // Each picked slice is a contiguous run of `inner` elements in the packed source.
  let o = 0;
  for (let b = 0; b < outer; b++) {
    const rowBase = b * n * inner;
    for (let j = 0; j < k; j++) {
      const from = rowBase + idx[j]! * inner;
      for (let i = 0; i < inner; i++) out[o++] = src[from + i]!;
    }
  }
  return new Tensor(out, shape);
}

/**
 * Adds slices of `source` into a copy of `x` at the positions `index` names along `dim`:
 * `out[..., index[j], ...] += source[..., j, ...]`, repeats accumulating, as `torch.index_add`.
 * It is the adjoint of `indexSelect`.
 *
 * @param x      `[..., D, ...]`
 * @param index  `[K]`, each in `[0, D)`
 * @param source `[..., K, ...]` (x's shape with `D` replaced by `K`)
 * @returns `x.shape`, dtype promoted from `x` and `source`
 * @throws ShapeError if `source` does not have `x`'s shape with `K` on `dim`
 */
export function indexAdd(x: Tensor, dim: number, index: Tensor | readonly number[], source: Tensor): Tensor {
  const op = 'indexAdd';
  checkTensor(op, x);
  checkTensor(op, source, 'source');
  if (x.ndim === 0) throw shapeError(op, 'x must have at least one axis, got shape []');
  const axis = normalizeAxis(op, dim, x.ndim);
  const n = x.shape[axis]!;
  const idx = checkIndex(op, index, n, dim, x.shape);
  const k = idx.length;
  const want = x.shape.slice();
  want[axis] = k;
  if (source.ndim !== want.length || source.shape.some((d, i) => d !== want[i])) {
    throw shapeError(
      op,
      `source has shape ${formatShape(source.shape)} but x ${formatShape(x.shape)} with ${k} indices on dim=${dim} needs ${formatShape(want)}`,
    );
  }
  const out = arrayFor(promoteTypes(x.dtype, source.dtype), x.size);
  out.set(contiguousData(x));
  const outer = sizeOf(x.shape.slice(0, axis));
  const inner = sizeOf(x.shape.slice(axis + 1));
  const src = contiguousData(source);
  let s = 0;
  for (let b = 0; b < outer; b++) {
    const rowBase = b * n * inner;
    for (let j = 0; j < k; j++) {
      const to = rowBase + idx[j]! * inner;
      for (let i = 0; i < inner; i++) out[to + i]! += src[s++]!;
    }
  }
  return new Tensor(out, x.shape);
}

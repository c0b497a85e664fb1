import { checkSize, describeValue, normalizeAxis } from '../check.js';
import { arrayFor, promoteTypes } from '../dtype.js';
import { rangeError, shapeError, typeError } from '../errors.js';
import { contiguousStrides, formatShape, sizeOf } from '../shape.js';
import { Tensor, copyInto } from '../tensor.js';
import { unsqueeze } from './movement.js';

function checkList(op: string, tensors: unknown): Tensor[] {
  if (!Array.isArray(tensors))
    throw typeError(op, `tensors must be an array of Tensors, got ${describeValue(tensors)}`);
  if (tensors.length === 0) throw rangeError(op, 'tensors must hold at least one tensor, got []');
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw typeError(op, `tensors[${i}] must be a Tensor, got ${describeValue(t)}`);
  });
  return tensors as Tensor[];
}

/**
 * Joins tensors end to end along an existing axis; the dtype is the promotion of all inputs.
 *
 * @param tensors shapes equal except along `dim`: `[..., Ni, ...]`
 * @returns `[..., ΣNi, ...]`, a new contiguous tensor
 * @throws ShapeError naming the first tensor whose rank or other sizes differ from `tensors[0]`
 * @example concat([zeros([2, 3]), ones([4, 3])]).shape // [6, 3]
 */
export function concat(tensors: readonly Tensor[], dim = 0): Tensor {
  const op = 'concat';
  const list = checkList(op, tensors);
  const first = list[0]!;
  if (first.ndim === 0)
    throw shapeError(op, 'tensors[0] is 0-d (shape []); only tensors with at least one axis can be concatenated');
  const axis = normalizeAxis(op, dim, first.ndim);
  let dtype = first.dtype;
  let total = 0;
  list.forEach((t, i) => {
    const same = t.ndim === first.ndim && t.shape.every((d, k) => k === axis || d === first.shape[k]);
    if (!same) {
      throw shapeError(
        op,
        `tensors[${i}] has shape ${formatShape(t.shape)} but tensors[0] has shape ` +
          `${formatShape(first.shape)}; sizes must match except along dim=${dim}`,
      );
    }
    dtype = promoteTypes(dtype, t.dtype);
    total += t.shape[axis]!;
  });
  const shape = first.shape.slice();
  shape[axis] = total;
  checkSize(
    op,
    sizeOf(shape),
    () => `the result ${formatShape(shape)} of joining ${list.length} tensors along dim=${dim}`,
  );
  const out = arrayFor(dtype, sizeOf(shape));
  const outStrides = contiguousStrides(shape);
  // Each input lands in the block of the output that starts at its running position along `axis`.
  let at = 0;
  for (const t of list) {
    copyInto(t, out, at * outStrides[axis]!, outStrides);
    at += t.shape[axis]!;
  }
  return new Tensor(out, shape);
}

/**
 * Joins same-shaped tensors along a new axis inserted at `dim`.
 *
 * @param tensors `k` tensors of one shape `S`
 * @param dim     in `[-(S.length + 1), S.length]`
 * @returns `S` with `k` inserted at `dim`, dtype promoted over all inputs
 * @throws ShapeError naming the first tensor whose shape differs from `tensors[0]`
 * @example stack([zeros([2, 3]), ones([2, 3])], 1).shape // [2, 2, 3]
 */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  const op = 'stack';
  const list = checkList(op, tensors);
  const first = list[0]!;
  const axis = normalizeAxis(op, dim, first.ndim + 1);
  list.forEach((t, i) => {
    if (t.ndim !== first.ndim || t.shape.some((d, k) => d !== first.shape[k])) {
      throw shapeError(
        op,
        `tensors[${i}] has shape ${formatShape(t.shape)} but tensors[0] has shape ` +
          `${formatShape(first.shape)}; all must match`,
      );
    }
  });
  checkSize(op, first.size * list.length, () => `${list.length} tensors of shape ${formatShape(first.shape)} stacked`);
  return concat(
    list.map((t) => unsqueeze(t, axis)),
    axis,
  );
}

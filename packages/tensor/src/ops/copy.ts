import { checkTensor } from '../check.js';
import { full } from '../create.js';
import { shapeError, typeError } from '../errors.js';
import { broadcastShapes, formatShape, sameShape } from '../shape.js';
import { copyInto, Tensor } from '../tensor.js';
import { bumpVersion } from '../version.js';
import { clone } from './elementwise.js';
import { expand } from './movement.js';

/**
 * Writes `src` into `dst`'s storage in place, as `torch.Tensor.copy_`: `src` broadcasts to `dst`'s
 * shape (a number fills), values convert to `dst`'s dtype, and the storage's version is bumped, so
 * a graph that saved `dst` for backward refuses to use the changed values.
 *
 * @param dst any shape (a view writes through to the tensor it views)
 * @param src broadcastable to `dst.shape`, or a number
 * @returns `dst`
 * @throws ShapeError if `src` does not broadcast to `dst`; TypeError if `dst` is an expanded view
 * @example copy_(zeros([2, 2]), tensor([1, 2])).toArray() // [[1, 2], [1, 2]]
 */
export function copy_(dst: Tensor, src: Tensor | number): Tensor {
  const op = 'copy_';
  checkTensor(op, dst, 'dst');
  if (typeof src !== 'number') checkTensor(op, src, 'src');
  for (let k = 0; k < dst.ndim; k++) {
    // Two elements sharing one storage slot (an expanded view) cannot both receive a value.
    if (dst.strides[k] === 0 && dst.shape[k]! > 1) {
      throw typeError(
        op,
        `cannot write into an expanded view (dst shape ${formatShape(dst.shape)}, strides ${formatShape(dst.strides)}); call contiguous() first`,
      );
    }
  }
  let source = typeof src === 'number' ? full([], src, { dtype: dst.dtype }) : src;
  if (!sameShape(broadcastShapes(op, source.shape, dst.shape), dst.shape)) {
    throw shapeError(op, `src ${formatShape(source.shape)} does not broadcast to dst ${formatShape(dst.shape)}`);
  }
  // Reading and writing one storage at once could read values already overwritten.
  if (source.data === dst.data) source = clone(source);
  copyInto(expand(source, dst.shape), dst.data, dst.offset, dst.strides);
  bumpVersion(dst);
  return dst;
}

import { formatShape, sameShape, shapeError, zeros, type Shape, type Tensor } from '@torchlet/tensor';

/**
 * Reduces a broadcast gradient back to an input's shape: the adjoint of broadcasting `shape` to
 * `grad.shape`. Leading axes the input did not have are summed away; axes where the input had
 * size 1 are summed with keepdim. Every broadcasting op's backward ends with this.
 *
 * @param grad  `[...lead, ...S']`, where `S'` is `shape` with some size-1 axes stretched
 * @param shape the input's shape `S`
 * @returns `S` (the same tensor when the shapes already agree)
 * @throws ShapeError if `shape` does not broadcast to `grad.shape`
 * @example sumToShape(ones([4, 2, 3]), [2, 1]).toArray() // [[12], [12]]
 */
export function sumToShape(grad: Tensor, shape: Shape): Tensor {
  if (sameShape(grad.shape, shape)) return grad;
  const ndim = grad.ndim;
  const lead = ndim - shape.length;
  if (lead < 0 || shape.some((d, i) => d !== 1 && d !== grad.shape[lead + i])) {
    throw shapeError(
      'sumToShape',
      `shape ${formatShape(shape)} does not broadcast to the gradient's shape ${formatShape(grad.shape)}`,
    );
  }
  const result = zeros(shape, { dtype: grad.dtype });
  if (grad.size === 0) return result;
  const out = result.data;
  // Where the output index moves as the gradient's index walks: 0 on summed axes, so every
  // gradient element along them lands on the same output element.
  const outStrides = new Array<number>(ndim).fill(0);
  for (let i = shape.length - 1, s = 1; i >= 0; i--) {
    if (shape[i] !== 1) outStrides[lead + i] = s;
    s *= shape[i]!;
  }
  const { data, strides, offset } = grad;
  const inner = grad.shape[ndim - 1]!;
  const gInner = strides[ndim - 1]!;
  const oInner = outStrides[ndim - 1]!;
  const counter = new Array<number>(ndim).fill(0);
  let g = offset;
  let o = 0;
  for (let done = 0; done < grad.size; done += inner) {
    if (oInner === 0) {
      let acc = 0;
      for (let i = 0, gi = g; i < inner; i++, gi += gInner) acc += data[gi]!;
      out[o] = out[o]! + acc;
    } else {
      for (let i = 0, gi = g, oi = o; i < inner; i++, gi += gInner, oi += oInner) out[oi] = out[oi]! + data[gi]!;
    }
    for (let k = ndim - 2; k >= 0; k--) {
      counter[k]!++;
      g += strides[k]!;
      o += outStrides[k]!;
      if (counter[k]! < grad.shape[k]!) break;
      g -= counter[k]! * strides[k]!;
      o -= counter[k]! * outStrides[k]!;
      counter[k] = 0;
    }
  }
  return result;
}

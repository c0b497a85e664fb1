import { contiguousData, promoteTypes, Tensor, zeros } from '@torchlet/tensor';

/**
 * `fn(a[i], b[i])` for two tensors of the same shape, in one pass. Elementwise backwards use it so
 * a derivative like `g · (1 − y²)` costs one loop and one allocation instead of three.
 *
 * @param a `S` (typically the gradient)
 * @param b `S` (typically a saved input or output)
 * @returns `S`, dtype promoted from both
 */
export function zipWith(a: Tensor, b: Tensor, fn: (a: number, b: number) => number): Tensor {
  const out = zeros(a.shape, { dtype: promoteTypes(a.dtype, b.dtype) });
  const o = out.data;
  const da = contiguousData(a);
  const db = contiguousData(b);
  for (let i = 0; i < o.length; i++) o[i] = fn(da[i]!, db[i]!);
  return out;
}

import { describe, expect, it } from 'vitest';
import * as T from '@torchlet/tensor';
import { amax, amin, max, maxWithIndices, mean, min, sum, Variable } from '@torchlet/autograd';

const leafOf = (values: T.NestedArray) =>
  new Variable(T.tensor(values as number[], { dtype: 'float64' }), { requiresGrad: true });

describe("max and min: PyTorch's tie conventions", () => {
  it('max(x) over everything splits the gradient evenly among tied maxima', () => {
    const x = leafOf([
      [1, 3],
      [3, 2],
    ]);
    max(x).backward();
    expect(x.grad!.toArray()).toEqual([
      [0, 0.5],
      [0.5, 0],
    ]);
  });

  it('max(x, dim) sends the gradient to the first maximum of each slice', () => {
    const x = leafOf([
      [3, 1, 3],
      [0, 2, 2],
    ]);
    const y = max(x, 1);
    expect(y.data.toArray()).toEqual([3, 2]);
    y.backward(T.tensor([10, 20], { dtype: 'float64' }));
    expect(x.grad!.toArray()).toEqual([
      [10, 0, 0],
      [0, 20, 0],
    ]);
  });

  it('amax/amin along an axis split evenly, per slice', () => {
    const x = leafOf([
      [3, 1, 3],
      [0, 2, 2],
      [5, 5, 5],
    ]);
    sum(amax(x, 1)).backward();
    expect(x.grad!.toArray()).toEqual([
      [0.5, 0, 0.5],
      [0, 0.5, 0.5],
      [1 / 3, 1 / 3, 1 / 3],
    ]);
    const z = leafOf([
      [1, 1],
      [0, 1],
    ]);
    sum(amin(z, 0, true)).backward();
    expect(z.grad!.toArray()).toEqual([
      [0, 0.5],
      [1, 0.5],
    ]);
  });

  it('min(x, dim) with keepdim picks the first minimum', () => {
    const x = leafOf([[2, 1, 1]]);
    const y = min(x, -1, true);
    expect(y.shape).toEqual([1, 1]);
    y.backward(T.ones([1, 1], { dtype: 'float64' }));
    expect(x.grad!.toArray()).toEqual([[0, 1, 0]]);
  });

  it('maxWithIndices returns int32 indices that carry no gradient', () => {
    const { values, indices } = maxWithIndices(
      leafOf([
        [1, 4],
        [6, 2],
      ]),
      0,
    );
    expect(indices.dtype).toBe('int32');
    expect(indices.toArray()).toEqual([1, 0]);
    expect(values.gradFn).not.toBeNull();
  });

  it('mean spreads 1/N to every folded element', () => {
    const x = leafOf([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    sum(mean(x, 1)).backward();
    expect(x.grad!.toArray()).toEqual([
      [1 / 3, 1 / 3, 1 / 3],
      [1 / 3, 1 / 3, 1 / 3],
    ]);
  });

  it('errors come from the tensor op, naming the op and the axis', () => {
    expect(() => sum(leafOf([1, 2]), 2)).toThrow(RangeError);
    expect(() => sum(leafOf([1, 2]), 2)).toThrow('sum: dim=2 is out of range for a tensor of rank 1 (expected -1..0)');
    expect(() => max(new Variable(T.zeros([0, 2], { dtype: 'float64' })), 0)).toThrow(
      /maxWithIndices: cannot reduce axis 0 of size 0/,
    );
  });
});

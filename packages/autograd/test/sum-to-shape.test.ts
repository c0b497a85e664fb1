import { describe, expect, it } from 'vitest';
import * as T from '@torchlet/tensor';
import { sumToShape } from '@torchlet/autograd';

describe('sumToShape', () => {
  it('sums leading axes away and size-1 axes with keepdim', () => {
    expect(sumToShape(T.ones([4, 2, 3]), [2, 1]).toArray()).toEqual([[12], [12]]);
    const g = T.reshape(T.arange(0, 6, 1, { dtype: 'float64' }), [2, 3]);
    expect(sumToShape(g, [3]).toArray()).toEqual([3, 5, 7]);
    expect(sumToShape(g, [2, 1]).toArray()).toEqual([[3], [12]]);
    expect(sumToShape(g, []).toArray()).toEqual(15);
  });

  it('returns the gradient itself when the shapes already agree', () => {
    const g = T.ones([2, 3]);
    expect(sumToShape(g, [2, 3])).toBe(g);
  });

  it('reads strided gradients (a transposed view) correctly', () => {
    const g = T.transpose(T.reshape(T.arange(0, 6, 1, { dtype: 'float64' }), [2, 3]), 0, 1); // [[0, 3], [1, 4], [2, 5]]
    expect(sumToShape(g, [1, 2]).toArray()).toEqual([[3, 12]]);
  });

  it('keeps the dtype and handles empty gradients', () => {
    expect(sumToShape(T.ones([3, 2], { dtype: 'float64' }), [2]).dtype).toBe('float64');
    expect(sumToShape(T.ones([0, 2]), [1, 2]).toArray()).toEqual([[0, 0]]);
  });

  it('rejects a shape that does not broadcast to the gradient, with a ShapeError naming both', () => {
    expect(() => sumToShape(T.ones([2, 3]), [2])).toThrow(T.ShapeError);
    expect(() => sumToShape(T.ones([2, 3]), [2])).toThrow(
      "sumToShape: shape [2] does not broadcast to the gradient's shape [2, 3]",
    );
    expect(() => sumToShape(T.ones([3]), [1, 3])).toThrow(
      "sumToShape: shape [1, 3] does not broadcast to the gradient's shape [3]",
    );
  });
});

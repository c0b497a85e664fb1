import { describe, expect, it } from 'vitest';
import * as T from '@torchlet/tensor';
import { Generator } from '@torchlet/tensor';
import { full, ones, rand, randn, tensor, Variable, zeros } from '@torchlet/autograd';

describe('creation helpers', () => {
  it("return leaves with the tensor package's values, requiring grad only when asked", () => {
    const x = randn([2, 3], { dtype: 'float64', generator: new Generator(1), requiresGrad: true });
    expect(x).toBeInstanceOf(Variable);
    expect(x.isLeaf).toBe(true);
    expect(x.requiresGrad).toBe(true);
    expect(x.data.toArray()).toEqual(T.randn([2, 3], { dtype: 'float64', generator: new Generator(1) }).toArray());
    expect(rand([4], { generator: new Generator(2) }).data.toArray()).toEqual(
      T.rand([4], { generator: new Generator(2) }).toArray(),
    );
    expect(rand([4]).requiresGrad).toBe(false);
  });

  it('tensor, zeros, ones and full keep shape, dtype and values', () => {
    const t = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: 'float64', requiresGrad: true },
    );
    expect(t.shape).toEqual([2, 2]);
    expect(t.dtype).toBe('float64');
    expect(t.requiresGrad).toBe(true);
    expect(zeros([2]).toArray()).toEqual([0, 0]);
    expect(ones([1, 2], { requiresGrad: true }).toArray()).toEqual([[1, 1]]);
    expect(full([2], 7, { dtype: 'int32' }).data.dtype).toBe('int32');
    expect(tensor([1, 2, 3, 4], { shape: [2, 2] }).shape).toEqual([2, 2]);
  });

  it("rejects requiresGrad on integers and passes the tensor package's errors through", () => {
    expect(() => zeros([2], { dtype: 'int32', requiresGrad: true })).toThrow(TypeError);
    expect(() => zeros([2], { dtype: 'int32', requiresGrad: true })).toThrow(
      /Variable: only floating-point values can require gradients; data is int32 \[2\]/,
    );
    expect(() => randn([2], { dtype: 'int32' })).toThrow("randn: dtype must be floating point, got 'int32'");
    expect(() => zeros([-1])).toThrow(RangeError);
  });
});

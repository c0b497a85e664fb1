import { describe, expect, it } from 'vitest';
import * as T from '@torchlet/tensor';
import { add, div, mul, pow, sub, sum, Variable } from '@torchlet/autograd';

const leafOf = (values: number[], dtype: 'float32' | 'float64' = 'float64') =>
  new Variable(T.tensor(values, { dtype }), { requiresGrad: true });

describe('arithmetic: worked examples', () => {
  it("reduces broadcast gradients to each input's shape", () => {
    const a = new Variable(T.ones([2, 3], { dtype: 'float64' }), { requiresGrad: true });
    const b = leafOf([1, 2, 3]);
    sum(mul(a, b)).backward();
    expect(a.grad!.toArray()).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
    expect(b.grad!.toArray()).toEqual([2, 2, 2]);
  });

  it('sub and div by hand', () => {
    const a = leafOf([6]);
    const b = leafOf([3]);
    sum(div(a, b)).backward(); // d/da = 1/b, d/db = −a/b²
    expect(a.grad!.toArray()).toEqual([1 / 3]);
    expect(b.grad!.toArray()).toEqual([-6 / 9]);
    const c = leafOf([1]);
    sum(sub(2, c)).backward();
    expect(c.grad!.toArray()).toEqual([-1]);
  });

  it('a float32 input mixed with float64 gets a float32 gradient, as PyTorch', () => {
    const x = leafOf([1, 2], 'float32');
    const w = leafOf([3, 4]);
    const y = add(x, w);
    expect(y.dtype).toBe('float64');
    sum(mul(y, w)).backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(x.grad!.toArray()).toEqual([3, 4]);
    expect(w.grad!.dtype).toBe('float64');
  });

  it('pow follows PyTorch at 0: no gradient for exponent 0, none to the exponent at base 0', () => {
    const x = leafOf([0, 2]);
    sum(pow(x, 0)).backward();
    expect(x.grad!.toArray()).toEqual([0, 0]);
    const base = leafOf([0, 0, 2]);
    const exponent = leafOf([2, 0, 3]);
    sum(pow(base, exponent)).backward();
    expect(base.grad!.toArray()).toEqual([0, 0, 12]);
    expect(exponent.grad!.toArray()).toEqual([0, 0, 8 * Math.log(2)]);
  });

  it('broadcasting errors come from the tensor op, naming both shapes', () => {
    expect(() => add(leafOf([1, 2]), leafOf([1, 2, 3]))).toThrow(T.ShapeError);
    expect(() => add(leafOf([1, 2]), leafOf([1, 2, 3]))).toThrow(
      'add: shapes [2] and [3] do not broadcast (axis -1: 2 vs 3)',
    );
  });
});

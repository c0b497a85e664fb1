import { describe, expect, it } from 'vitest';
import * as T from '@torchlet/tensor';
import {
  concat,
  expand,
  indexSelect,
  narrow,
  pad,
  permute,
  reshape,
  slice,
  stack,
  sum,
  Variable,
} from '@torchlet/autograd';

const leafOf = (values: T.NestedArray) =>
  new Variable(T.tensor(values as number[], { dtype: 'float64' }), { requiresGrad: true });
const arange = (n: number) => new Variable(T.arange(0, n, 1, { dtype: 'float64' }), { requiresGrad: true });

describe('movement ops: worked examples', () => {
  it('slice with a step scatters the gradient back into zeros', () => {
    const x = arange(6);
    const y = slice(x, 0, 1, undefined, 2); // elements 1, 3, 5
    expect(y.data.toArray()).toEqual([1, 3, 5]);
    y.backward(T.tensor([10, 20, 30], { dtype: 'float64' }));
    expect(x.grad!.toArray()).toEqual([0, 10, 0, 20, 0, 30]);
  });

  it('narrow with a negative start pads the gradient back', () => {
    const x = arange(5);
    sum(narrow(x, 0, -2, 2)).backward();
    expect(x.grad!.toArray()).toEqual([0, 0, 0, 1, 1]);
  });

  it('reflect padding adds border gradients onto the elements they mirror', () => {
    const x = leafOf([1, 2, 3]);
    const y = pad(x, [[2, 1]], { mode: 'reflect' }); // 3 2 | 1 2 3 | 2
    expect(y.data.toArray()).toEqual([3, 2, 1, 2, 3, 2]);
    sum(y).backward();
    expect(x.grad!.toArray()).toEqual([1, 3, 2]);
  });

  it('circular and replicate padding fold back too; constant padding drops the border', () => {
    const modes = { circular: [2, 2, 2], replicate: [2, 1, 3], constant: [1, 1, 1] } as const; // 3|123|12, 1|123|33, 7|123|77
    for (const [mode, expected] of Object.entries(modes)) {
      const x = leafOf([1, 2, 3]);
      sum(pad(x, [[1, 2]], { mode: mode as T.PadMode, value: 7 })).backward();
      expect(x.grad!.toArray()).toEqual(expected);
    }
  });

  it('expand sums the gradient over the copies', () => {
    const x = leafOf([[1], [2]]);
    sum(expand(x, [3, 2, 4])).backward();
    expect(x.grad!.toArray()).toEqual([[12], [12]]);
  });

  it('indexSelect adds the gradients of repeated indices', () => {
    const x = leafOf([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    sum(indexSelect(x, 0, [2, 0, 2])).backward();
    expect(x.grad!.toArray()).toEqual([
      [1, 1],
      [0, 0],
      [2, 2],
    ]);
  });

  it("permute gives a packed gradient in the input's layout", () => {
    const x = new Variable(T.reshape(T.arange(0, 6, 1, { dtype: 'float64' }), [2, 3]), { requiresGrad: true });
    const y = permute(x, [1, 0]);
    y.backward(T.reshape(T.arange(0, 6, 1, { dtype: 'float64' }), [3, 2]));
    expect(x.grad!.toArray()).toEqual([
      [0, 2, 4],
      [1, 3, 5],
    ]);
    expect(x.grad!.isContiguous()).toBe(true);
  });

  it('concat and stack send each input its own part', () => {
    const a = leafOf([1, 2]);
    const b = leafOf([3]);
    concat([a, b]).backward(T.tensor([10, 20, 30], { dtype: 'float64' }));
    expect(a.grad!.toArray()).toEqual([10, 20]);
    expect(b.grad!.toArray()).toEqual([30]);
    const c = leafOf([1, 2]);
    const constant = T.tensor([5, 6], { dtype: 'float64' });
    stack([c, constant], 1).backward(
      T.tensor(
        [
          [1, 2],
          [3, 4],
        ],
        { dtype: 'float64' },
      ),
    );
    expect(c.grad!.toArray()).toEqual([1, 3]);
  });

  it('reshape back from the gradient', () => {
    const x = arange(6);
    reshape(x, [2, -1]).backward(T.reshape(T.arange(0, 6, 1, { dtype: 'float64' }), [2, 3]));
    expect(x.grad!.toArray()).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('movement ops: errors', () => {
  it('concat and stack want an array', () => {
    const x = leafOf([1]);
    expect(() => concat(x as unknown as Variable[])).toThrow(TypeError);
    expect(() => concat(x as unknown as Variable[])).toThrow('concat: tensors must be an array, got Variable');
    expect(() => stack(x as unknown as Variable[], 0)).toThrow('stack: tensors must be an array, got Variable');
  });

  it('shape errors come from the tensor ops, naming the shapes', () => {
    expect(() => concat([leafOf([[1, 2]]), leafOf([[1, 2, 3]])], 0)).toThrow(T.ShapeError);
    expect(() => concat([leafOf([[1, 2]]), leafOf([[1, 2, 3]])], 0)).toThrow(
      'concat: tensors[1] has shape [1, 3] but tensors[0] has shape [1, 2]',
    );
    expect(() => stack([])).toThrow(/stack: tensors must hold at least one tensor/);
    expect(() => pad(leafOf([1, 2]), [[2, 0]], { mode: 'reflect' })).toThrow(RangeError);
    expect(() => reshape(leafOf([1, 2, 3]), [2, 2])).toThrow(T.ShapeError);
  });
});

import { describe, expect, it } from 'vitest';
import { ShapeError, arange, indexAdd, indexSelect, reshape, scalar, tensor, transpose, zeros } from '@torchlet/tensor';

const m = () =>
  tensor(
    [
      [1, 2],
      [3, 4],
      [5, 6],
    ],
    { dtype: 'float64' },
  );

describe('indexSelect', () => {
  it('picks rows or columns, repeats allowed, from a tensor or an array', () => {
    expect(indexSelect(m(), 0, [2, 0]).toArray()).toEqual([
      [5, 6],
      [1, 2],
    ]);
    expect(indexSelect(m(), -1, tensor([1, 1, 0], { dtype: 'int32' })).toArray()).toEqual([
      [2, 2, 1],
      [4, 4, 3],
      [6, 6, 5],
    ]);
    expect(indexSelect(m(), 0, []).shape).toEqual([0, 2]);
    const t = transpose(reshape(arange(6, undefined, 1, { dtype: 'int32' }), [2, 3]), 0, 1);
    const y = indexSelect(t, 0, [2]);
    expect(y.toArray()).toEqual([[2, 5]]);
    expect(y.dtype).toBe('int32');
  });

  it('names the bad index and the axis size', () => {
    expect(() => indexSelect(m(), 0, [0, 3])).toThrow(RangeError);
    expect(() => indexSelect(m(), 0, [0, 3])).toThrow(
      'indexSelect: index[1]=3 is out of range for dim=0 of size 3 (x is [3, 2])',
    );
    expect(() => indexSelect(m(), 1, [-1])).toThrow(
      'indexSelect: index[0]=-1 is out of range for dim=1 of size 2 (x is [3, 2])',
    );
    expect(() => indexSelect(m(), 0, [0.5])).toThrow(TypeError);
    expect(() => indexSelect(m(), 0, [0.5])).toThrow('indexSelect: index[0] must be an integer, got number 0.5');
    expect(() => indexSelect(m(), 0, tensor([0]))).toThrow(
      'indexSelect: index must be an int32 tensor, got dtype float32',
    );
    expect(() => indexSelect(m(), 0, zeros([1, 1], { dtype: 'int32' }))).toThrow(ShapeError);
    expect(() => indexSelect(m(), 0, zeros([1, 1], { dtype: 'int32' }))).toThrow(
      'indexSelect: index must be 1-D, got shape [1, 1]',
    );
    expect(() => indexSelect(m(), 0, 1 as never)).toThrow(
      'indexSelect: index must be an int32 Tensor or an array of integers, got number 1',
    );
    expect(() => indexSelect(m(), 2, [0])).toThrow(
      'indexSelect: dim=2 is out of range for a tensor of rank 2 (expected -2..1)',
    );
    expect(() => indexSelect(scalar(1), 0, [0])).toThrow('indexSelect: x must have at least one axis, got shape []');
  });
});

describe('indexAdd', () => {
  it('accumulates repeated indices onto a copy of x', () => {
    const x = zeros([3, 2], { dtype: 'float64' });
    const src = tensor(
      [
        [1, 1],
        [10, 10],
        [100, 100],
      ],
      { dtype: 'float64' },
    );
    const y = indexAdd(x, 0, [2, 0, 2], src);
    expect(y.toArray()).toEqual([
      [10, 10],
      [0, 0],
      [101, 101],
    ]);
    expect(x.toArray()).toEqual([
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
    expect(indexAdd(tensor([1, 2], { dtype: 'int32' }), 0, [1], tensor([0.5])).dtype).toBe('float32');
  });

  it('rejects a source of the wrong shape', () => {
    expect(() => indexAdd(zeros([3, 2]), 0, [0, 1], zeros([3, 2]))).toThrow(ShapeError);
    expect(() => indexAdd(zeros([3, 2]), 0, [0, 1], zeros([3, 2]))).toThrow(
      'indexAdd: source has shape [3, 2] but x [3, 2] with 2 indices on dim=0 needs [2, 2]',
    );
    expect(() => indexAdd(zeros([3, 2]), 0, [3], zeros([1, 2]))).toThrow(
      'indexAdd: index[0]=3 is out of range for dim=0 of size 3',
    );
    expect(() => indexAdd(zeros([3, 2]), 0, [0], 5 as never)).toThrow(
      'indexAdd: source must be a Tensor, got number 5',
    );
  });
});

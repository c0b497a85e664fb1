import { describe, expect, it } from 'vitest';
import { ShapeError, arange, concat, reshape, scalar, stack, tensor, transpose, zeros } from '@torchlet/tensor';

describe('concat', () => {
  it('joins along any axis, negative allowed', () => {
    const a = tensor([
      [1, 2],
      [3, 4],
    ]);
    const b = tensor([[5, 6]]);
    expect(concat([a, b]).toArray()).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(concat([a, tensor([[7], [8]])], -1).toArray()).toEqual([
      [1, 2, 7],
      [3, 4, 8],
    ]);
    expect(concat([a]).toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(concat([a]).data).not.toBe(a.data);
  });

  it('promotes dtypes and reads strided inputs', () => {
    const i = tensor([[1, 2]], { dtype: 'int32' });
    const f = tensor([[0.5, 1.5]], { dtype: 'float64' });
    const y = concat([i, f]);
    expect(y.dtype).toBe('float64');
    expect(y.toArray()).toEqual([
      [1, 2],
      [0.5, 1.5],
    ]);
    expect(concat([i, i]).dtype).toBe('int32');
    const t = transpose(reshape(arange(6), [2, 3]), 0, 1); // [[0,3],[1,4],[2,5]]
    expect(concat([t, t], 1).toArray()).toEqual([
      [0, 3, 0, 3],
      [1, 4, 1, 4],
      [2, 5, 2, 5],
    ]);
    expect(concat([zeros([0, 2]), tensor([[1, 1]])]).toArray()).toEqual([[1, 1]]);
  });

  it('names the offending tensor and both shapes', () => {
    const a = zeros([2, 3]);
    expect(() => concat([a, a, zeros([2, 4])])).toThrow(ShapeError);
    expect(() => concat([a, a, zeros([2, 4])])).toThrow(
      'concat: tensors[2] has shape [2, 4] but tensors[0] has shape [2, 3]; sizes must match except along dim=0',
    );
    expect(() => concat([a, zeros([2, 3, 1])], 1)).toThrow(
      'concat: tensors[1] has shape [2, 3, 1] but tensors[0] has shape [2, 3]',
    );
    expect(() => concat([scalar(1), scalar(2)])).toThrow(
      'concat: tensors[0] is 0-d (shape []); only tensors with at least one axis can be concatenated',
    );
    expect(() => concat([a], 2)).toThrow('concat: dim=2 is out of range for a tensor of rank 2 (expected -2..1)');
  });

  it('rejects empty lists and non-tensors', () => {
    expect(() => concat([])).toThrow(RangeError);
    expect(() => concat([])).toThrow('concat: tensors must hold at least one tensor, got []');
    expect(() => concat([zeros([1]), [1] as never])).toThrow(TypeError);
    expect(() => concat([zeros([1]), [1] as never])).toThrow('concat: tensors[1] must be a Tensor, got an array');
    expect(() => concat(zeros([1]) as never)).toThrow('concat: tensors must be an array of Tensors, got Tensor');
  });
});

describe('stack', () => {
  it('adds a new axis at dim', () => {
    const a = tensor([1, 2, 3]);
    const b = tensor([4, 5, 6]);
    expect(stack([a, b]).toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(stack([a, b], 1).toArray()).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    expect(stack([a, b], -1).shape).toEqual([3, 2]);
    expect(stack([scalar(1), scalar(2, { dtype: 'float64' })]).toArray()).toEqual([1, 2]);
    expect(stack([scalar(1), scalar(2, { dtype: 'float64' })]).dtype).toBe('float64');
  });

  it('names the offending tensor and both shapes', () => {
    expect(() => stack([zeros([2, 3]), zeros([3, 2])])).toThrow(ShapeError);
    expect(() => stack([zeros([2, 3]), zeros([3, 2])])).toThrow(
      'stack: tensors[1] has shape [3, 2] but tensors[0] has shape [2, 3]; all must match',
    );
    expect(() => stack([zeros([2])], 2)).toThrow(
      'stack: dim=2 is out of range for a tensor of rank 2 (expected -2..1)',
    );
    expect(() => stack([])).toThrow('stack: tensors must hold at least one tensor, got []');
  });
});

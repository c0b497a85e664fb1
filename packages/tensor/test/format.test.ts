import { describe, expect, it } from 'vitest';
import { arange, reshape, scalar, tensor, transpose, zeros } from '@torchlet/tensor';
import { formatTensor } from '../src/format.js';

describe('formatTensor', () => {
  it('whole floats print as "1." and fractions with 4 decimals, aligned', () => {
    expect(
      tensor([
        [1, 2],
        [3, 4],
      ]).toString(),
    ).toBe('tensor([[1., 2.],\n        [3., 4.]], shape=[2, 2], dtype=float32)');
    expect(tensor([-1.5, 10.25]).toString()).toBe('tensor([-1.5000, 10.2500], shape=[2], dtype=float32)');
  });

  it('shows shape and dtype, ints without decimals, scalars bare', () => {
    expect(tensor([1, -20, 3], { dtype: 'int32' }).toString()).toBe('tensor([  1, -20,   3], shape=[3], dtype=int32)');
    expect(scalar(3.5, { dtype: 'float64' }).toString()).toBe('tensor(3.5000, shape=[], dtype=float64)');
    expect(formatTensor(zeros([0]))).toBe('tensor([], shape=[0], dtype=float32)');
  });

  it('switches to scientific notation for wide ranges and spells special values', () => {
    expect(tensor([1e-5, 1, 1e5]).toString()).toBe(
      'tensor([1.0000e-05, 1.0000e+00, 1.0000e+05], shape=[3], dtype=float32)',
    );
    expect(tensor([NaN, Infinity, -Infinity, 1.5]).toString()).toBe(
      'tensor([   nan,    inf,   -inf, 1.5000], shape=[4], dtype=float32)',
    );
  });

  it('separates 3-D blocks with a blank line and follows strides', () => {
    expect(reshape(arange(8), [2, 2, 2]).toString()).toBe(
      'tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]], shape=[2, 2, 2], dtype=float32)',
    );
    expect(transpose(reshape(arange(4), [2, 2]), 0, 1).toString()).toBe(
      'tensor([[0., 2.],\n        [1., 3.]], shape=[2, 2], dtype=float32)',
    );
  });

  it('keeps exactly 1000 elements in full and summarises beyond with "..."', () => {
    const full = arange(1000).toString();
    expect(full).not.toContain('...');
    expect(full).toContain('999.');
    const big = arange(1001).toString();
    expect(big).toBe('tensor([   0.,    1.,    2., ...,  998.,  999., 1000.], shape=[1001], dtype=float32)');
  });

  it('summarises every axis of a large matrix: 3 rows/cols at each edge', () => {
    const s = reshape(arange(2000), [40, 50]).toString();
    const lines = s.split('\n');
    expect(lines).toHaveLength(7);
    expect(lines[0]).toBe('tensor([[   0.,    1.,    2., ...,   47.,   48.,   49.],');
    expect(lines[3]).toBe('        ...,');
    expect(lines[6]).toBe('        [1950., 1951., 1952., ..., 1997., 1998., 1999.]], shape=[40, 50], dtype=float32)');
  });

  it('summarises high-rank tensors without exceeding call limits', () => {
    const s = zeros([7, 7, 7, 7, 7, 7, 7]).toString(); // shows 6^7 values
    expect(s).toContain('...');
    expect(s.endsWith('shape=[7, 7, 7, 7, 7, 7, 7], dtype=float32)')).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import {
  bumpVersion,
  copy_,
  expand,
  reshape,
  ShapeError,
  storageVersion,
  tensor,
  transpose,
  zeros,
} from '@torchlet/tensor';

describe('storage versions', () => {
  it('start at 0, count in-place writes, and are shared by every view of a storage', () => {
    const t = zeros([2, 3]);
    const view = transpose(reshape(t, [3, 2]), 0, 1);
    expect(storageVersion(t)).toBe(0);
    bumpVersion(view);
    expect(storageVersion(t)).toBe(1);
    copy_(t, 1);
    expect(storageVersion(view)).toBe(2);
    expect(storageVersion(t.data)).toBe(2);
    expect(storageVersion(zeros([2, 3]))).toBe(0);
  });
});

describe('copy_', () => {
  it('broadcasts the source, converts to the destination dtype, writes through views', () => {
    const dst = zeros([2, 2], { dtype: 'int32' });
    expect(copy_(dst, tensor([1.9, 2.2])).toArray()).toEqual([
      [1, 2],
      [1, 2],
    ]);
    const t = zeros([2, 3]);
    copy_(transpose(t, 0, 1), tensor([[1], [2], [3]]));
    expect(t.toArray()).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
  });

  it('reads an overlapping view of its own storage as it was before the write', () => {
    const t = tensor([1, 2, 3, 4]);
    copy_(t, reshape(transpose(reshape(t, [2, 2]), 0, 1), [4]));
    expect(t.toArray()).toEqual([1, 3, 2, 4]);
  });

  it('refuses an expanded destination and a source that does not broadcast', () => {
    expect(() => copy_(expand(zeros([1]), [3]), 1)).toThrow(TypeError);
    expect(() => copy_(expand(zeros([1]), [3]), 1)).toThrow(/copy_: cannot write into an expanded view/);
    expect(() => copy_(zeros([3]), tensor([1, 2]))).toThrow(ShapeError);
    expect(() => copy_(zeros([3]), tensor([1, 2]))).toThrow(/copy_: shapes \[2\] and \[3\] do not broadcast/);
    expect(() => copy_(zeros([3]), zeros([2, 3]))).toThrow(/copy_: src \[2, 3\] does not broadcast to dst \[3\]/);
  });
});

import { describe, expect, it } from 'vitest';
import {
  ShapeError,
  Tensor,
  arange,
  contiguousData,
  expand,
  reshape,
  slice,
  tensor,
  transpose,
} from '@torchlet/tensor';
import { copyInto, copyStrided } from '../src/tensor.js';

describe('Tensor', () => {
  it('describes storage through shape, strides and offset', () => {
    const t = new Tensor(new Float64Array([0, 1, 2, 3, 4, 5, 6]), [2, 3], [3, 1], 1);
    expect(t.dtype).toBe('float64');
    expect(t.size).toBe(6);
    expect(t.ndim).toBe(2);
    expect(t.get(0, 0)).toBe(1);
    expect(t.get(1, 2)).toBe(6);
    expect(t.get(-1, -3)).toBe(4);
    expect(t.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(Object.isFrozen(t.shape)).toBe(true);
  });

  it('copies its shape so later edits to the caller array do not leak in', () => {
    const shape = [2, 2];
    const t = new Tensor(new Float32Array(4), shape);
    shape[0] = 99;
    expect(t.shape).toEqual([2, 2]);
  });

  it('rejects storage too small for the view, and mismatched strides', () => {
    expect(() => new Tensor(new Float32Array(5), [2, 3])).toThrow(ShapeError);
    expect(() => new Tensor(new Float32Array(5), [2, 3])).toThrow(
      'Tensor: storage of 5 elements is too small for shape [2, 3] with strides [3, 1] at offset 0',
    );
    expect(() => new Tensor(new Float32Array(6), [2, 3], [1, 2], 1)).toThrow(
      'Tensor: storage of 6 elements is too small for shape [2, 3] with strides [1, 2] at offset 1',
    );
    expect(() => new Tensor(new Float32Array(6), [2, 3], [1])).toThrow('Tensor: strides [1] do not match shape [2, 3]');
    expect(() => new Tensor(new Float32Array(6), [2], [1], -1)).toThrow(ShapeError);
    expect(() => new Tensor([1, 2] as never, [2])).toThrow(TypeError);
    expect(() => new Tensor([1, 2] as never, [2])).toThrow(
      'Tensor: data must be a Float32Array, Float64Array or Int32Array, got an array',
    );
    expect(() => new Tensor(new Uint8Array(2) as never, [2])).toThrow(
      'Tensor: data must be a Float32Array, Float64Array or Int32Array, got Uint8Array',
    );
    // Empty views may point anywhere: nothing is read.
    expect(new Tensor(new Float32Array(0), [0, 3]).size).toBe(0);
  });

  it('isContiguous ignores size-1 axes and notices gaps and transposes', () => {
    const x = reshape(arange(6), [2, 3]);
    expect(x.isContiguous()).toBe(true);
    expect(transpose(x, 0, 1).isContiguous()).toBe(false);
    expect(slice(x, 1, 0, 2).isContiguous()).toBe(false);
    expect(slice(x, 0, 1).isContiguous()).toBe(true);
    expect(new Tensor(new Float32Array(3), [3, 1], [1, 7]).isContiguous()).toBe(true);
    expect(expand(tensor([1]), [3]).isContiguous()).toBe(false);
  });

  it('get checks the index count, range and integrality', () => {
    const x = reshape(arange(6), [2, 3]);
    expect(() => x.get(0)).toThrow(ShapeError);
    expect(() => x.get(0)).toThrow('Tensor.get: index [0] has 1 entries for a tensor of shape [2, 3]');
    expect(() => x.get(2, 0)).toThrow(RangeError);
    expect(() => x.get(2, 0)).toThrow('Tensor.get: index 2 is out of range for axis 0 of size 2 (shape [2, 3])');
    expect(() => x.get(0, -4)).toThrow('Tensor.get: index -4 is out of range for axis 1 of size 3');
    expect(() => x.get(0, 1.5)).toThrow(TypeError);
    expect(() => x.get(0, 1.5)).toThrow('Tensor.get: index [0, 1.5] must hold integers');
  });

  it('item reads one-element tensors only', () => {
    expect(tensor([[7]]).item()).toBe(7);
    expect(slice(arange(5), 0, 3, 4).item()).toBe(3);
    expect(() => arange(2).item()).toThrow(ShapeError);
    expect(() => arange(2).item()).toThrow('Tensor.item: only one-element tensors have an item; shape is [2]');
  });

  it('toArray nests by shape, including empty axes and scalars', () => {
    expect(tensor(5).toArray()).toBe(5);
    expect(new Tensor(new Float32Array(0), [2, 0]).toArray()).toEqual([[], []]);
    expect(new Tensor(new Float32Array(0), [0, 2]).toArray()).toEqual([]);
    expect(transpose(reshape(arange(6), [2, 3]), 0, 1).toArray()).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
  });

  it('toTypedArray always copies; contiguousData copies only when it must', () => {
    const x = reshape(arange(6), [2, 3]);
    const copy = x.toTypedArray();
    expect(copy).not.toBe(x.data);
    expect(Array.from(copy)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(contiguousData(x)).toBe(x.data);
    const row = slice(x, 0, 1);
    const sub = contiguousData(row);
    expect(sub.buffer).toBe(x.data.buffer);
    expect(Array.from(sub)).toEqual([3, 4, 5]);
    expect(Array.from(contiguousData(transpose(x, 0, 1)))).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it('copyStrided and copyInto move elements between layouts', () => {
    const x = transpose(reshape(arange(6, undefined, 1, { dtype: 'float64' }), [2, 3]), 0, 1);
    const out = new Float64Array(6);
    copyStrided(x, out);
    expect(Array.from(out)).toEqual([0, 3, 1, 4, 2, 5]);
    // Scatter a [3, 2] tensor into the transposed slots of a [2, 3] buffer: undoes the transpose.
    const back = new Float32Array(6);
    copyInto(x, back, 0, [1, 3]);
    expect(Array.from(back)).toEqual([0, 1, 2, 3, 4, 5]);
    // Long rows take the bulk-set path.
    const long = arange(100, undefined, 1, { dtype: 'int32' });
    const dst = new Int32Array(102);
    copyInto(long, dst, 2, [1]);
    expect(dst[2]).toBe(0);
    expect(dst[101]).toBe(99);
  });

  it('toString prints like PyTorch', () => {
    expect(
      tensor([
        [1, 2],
        [3, 4.5],
      ]).toString(),
    ).toBe('tensor([[1.0000, 2.0000],\n        [3.0000, 4.5000]], shape=[2, 2], dtype=float32)');
  });
});

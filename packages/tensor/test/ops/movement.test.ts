import { describe, expect, it } from 'vitest';
import {
  ShapeError,
  arange,
  contiguous,
  expand,
  flatten,
  narrow,
  permute,
  reshape,
  scalar,
  slice,
  squeeze,
  tensor,
  transpose,
  unsqueeze,
  view,
  zeros,
} from '@torchlet/tensor';

const grid = () => reshape(arange(12, undefined, 1, { dtype: 'float64' }), [3, 4]);

describe('reshape', () => {
  it('infers one -1 and shares storage with contiguous input', () => {
    const x = arange(24);
    const y = reshape(x, [2, -1, 4]);
    expect(y.shape).toEqual([2, 3, 4]);
    expect(y.data).toBe(x.data);
    expect(y.get(1, 2, 3)).toBe(23);
  });

  it('copies when the layout cannot be re-read, keeping row-major order', () => {
    const t = transpose(grid(), 0, 1); // [4, 3]
    const y = reshape(t, [12]);
    expect(y.data).not.toBe(t.data);
    expect(y.toArray()).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
  });

  it('views a non-contiguous tensor when only unsplit runs are regrouped', () => {
    const x = arange(24);
    const s = slice(reshape(x, [4, 6]), 1, 0, 6, 2); // [4, 3], strides [6, 2]
    const y = reshape(unsqueeze(s, 1), [2, 2, 3]);
    expect(y.data).toBe(x.data);
    expect(y.toArray()).toEqual([
      [
        [0, 2, 4],
        [6, 8, 10],
      ],
      [
        [12, 14, 16],
        [18, 20, 22],
      ],
    ]);
  });

  it('handles scalars and empty tensors', () => {
    expect(reshape(scalar(7), [1, 1]).toArray()).toEqual([[7]]);
    expect(reshape(tensor([[7]]), []).item()).toBe(7);
    expect(reshape(zeros([0, 3]), [3, 0]).shape).toEqual([3, 0]);
    expect(reshape(zeros([2, 0]), [0, 5]).shape).toEqual([0, 5]);
  });

  it('rejects shapes that do not fit, with the sizes in the message', () => {
    expect(() => reshape(arange(12), [5, 3])).toThrow(ShapeError);
    expect(() => reshape(arange(12), [5, 3])).toThrow(
      'reshape: shape [5, 3] (15 elements) does not fit x of shape [12] (12 elements)',
    );
    expect(() => reshape(arange(12), [5, -1])).toThrow(
      'reshape: shape [5, -1] cannot hold x of shape [12] (12 elements)',
    );
    expect(() => reshape(zeros([0]), [0, -1])).toThrow(ShapeError);
  });

  it('rejects two -1s, negative sizes and non-integers', () => {
    expect(() => reshape(arange(12), [-1, -1])).toThrow(RangeError);
    expect(() => reshape(arange(12), [-1, -1])).toThrow('reshape: only one size may be -1, got shape [-1, -1]');
    expect(() => reshape(arange(12), [-2, -6])).toThrow('reshape: sizes must be >= 0 or -1, got shape [-2, -6]');
    expect(() => reshape(arange(12), [2.5, 4])).toThrow(TypeError);
    expect(() => reshape(arange(12), [2.5, 4])).toThrow('reshape: shape must hold integers, got [2.5, 4]');
    expect(() => reshape(arange(12), 12 as unknown as number[])).toThrow(
      'reshape: shape must be an array of sizes, got number 12',
    );
    expect(() => reshape([1, 2] as never, [2])).toThrow('reshape: x must be a Tensor, got an array');
  });
});

describe('view', () => {
  it('shares storage', () => {
    const x = grid();
    const y = view(x, [2, 6]);
    expect(y.data).toBe(x.data);
    expect(y.get(1, 0)).toBe(6);
  });

  it('views a transposed tensor when axes stay whole', () => {
    const t = transpose(reshape(arange(24), [2, 3, 4]), 0, 2); // [4, 3, 2]
    const v = view(t, [4, 3, 2, 1]);
    expect(v.data).toBe(t.data);
    expect(v.get(3, 2, 1, 0)).toBe(t.get(3, 2, 1));
  });

  it('refuses layouts that need a copy, and says to use reshape', () => {
    const t = transpose(grid(), 0, 1);
    expect(() => view(t, [12])).toThrow(ShapeError);
    expect(() => view(t, [12])).toThrow(
      'view: x of shape [4, 3] with strides [1, 4] cannot be viewed as [12] without a copy; use reshape',
    );
    expect(() => view(grid(), [5, -1])).toThrow('view: shape [5, -1] cannot hold x of shape [3, 4] (12 elements)');
  });
});

describe('flatten', () => {
  it('merges a range of axes', () => {
    const x = zeros([2, 3, 4, 5]);
    expect(flatten(x).shape).toEqual([120]);
    expect(flatten(x, 1).shape).toEqual([2, 60]);
    expect(flatten(x, 1, 2).shape).toEqual([2, 12, 5]);
    expect(flatten(x, -2, -1).shape).toEqual([2, 3, 20]);
    expect(flatten(scalar(3)).shape).toEqual([1]);
  });

  it('rejects startDim after endDim and out-of-range axes', () => {
    expect(() => flatten(zeros([2, 3, 4]), 2, 1)).toThrow(RangeError);
    expect(() => flatten(zeros([2, 3, 4]), 2, 1)).toThrow(
      'flatten: startDim=2 comes after endDim=1 for a tensor of shape [2, 3, 4]',
    );
    expect(() => flatten(zeros([2, 3]), 3)).toThrow(
      'flatten: startDim=3 is out of range for a tensor of rank 2 (expected -2..1)',
    );
    expect(() => flatten(scalar(1), 0, 1)).toThrow('flatten: endDim=1 is out of range for a tensor of rank 0');
  });
});

describe('permute and transpose', () => {
  it('permute reorders axes as a view', () => {
    const x = reshape(arange(24), [2, 3, 4]);
    const y = permute(x, [2, 0, -2]);
    expect(y.shape).toEqual([4, 2, 3]);
    expect(y.strides).toEqual([1, 12, 4]);
    expect(y.data).toBe(x.data);
    expect(y.get(3, 1, 2)).toBe(x.get(1, 2, 3));
  });

  it('permute rejects wrong length, repeats and out-of-range axes', () => {
    const x = zeros([2, 3, 4]);
    expect(() => permute(x, [0, 1])).toThrow(ShapeError);
    expect(() => permute(x, [0, 1])).toThrow('permute: dims [0, 1] has 2 entries for x of shape [2, 3, 4]');
    expect(() => permute(x, [0, 1, 1])).toThrow(RangeError);
    expect(() => permute(x, [0, 1, -2])).toThrow('permute: dims repeats axis -2 in [0, 1, -2]');
    expect(() => permute(x, [0, 1, 3])).toThrow(
      'permute: dims=3 is out of range for a tensor of rank 3 (expected -3..2)',
    );
    expect(() => permute(x, 'abc' as never)).toThrow(TypeError);
  });

  it('transpose swaps two axes; a 0-d tensor transposes to itself', () => {
    const x = grid();
    const t = transpose(x, 0, -1);
    expect(t.shape).toEqual([4, 3]);
    expect(t.get(3, 2)).toBe(11);
    expect(t.isContiguous()).toBe(false);
    expect(transpose(scalar(5), 0, -1).item()).toBe(5);
    expect(() => transpose(x, 0, 2)).toThrow(
      'transpose: dim1=2 is out of range for a tensor of rank 2 (expected -2..1)',
    );
    expect(() => transpose(x, 0.5, 1)).toThrow(TypeError);
  });
});

describe('expand', () => {
  it('repeats size-1 axes with stride 0 and adds leading axes', () => {
    const x = tensor([[1], [2], [3]]);
    const y = expand(x, [2, -1, 4]);
    expect(y.shape).toEqual([2, 3, 4]);
    expect(y.strides).toEqual([0, 1, 0]);
    expect(y.data).toBe(x.data);
    expect(y.toArray()).toEqual([
      [
        [1, 1, 1, 1],
        [2, 2, 2, 2],
        [3, 3, 3, 3],
      ],
      [
        [1, 1, 1, 1],
        [2, 2, 2, 2],
        [3, 3, 3, 3],
      ],
    ]);
    expect(expand(scalar(2), [2, 2]).toArray()).toEqual([
      [2, 2],
      [2, 2],
    ]);
    expect(expand(tensor([[5]]), [0, 3]).shape).toEqual([0, 3]);
  });

  it('rejects non-1 axes, fewer axes, -1 for new axes and non-integers', () => {
    const x = zeros([2, 3]);
    expect(() => expand(x, [4, 3])).toThrow(ShapeError);
    expect(() => expand(x, [4, 3])).toThrow(
      'expand: x of shape [2, 3] cannot expand to [4, 3] (axis 0: 2 vs 4; only size-1 axes expand)',
    );
    expect(() => expand(x, [3])).toThrow('expand: shape [3] has fewer axes than x of shape [2, 3]');
    expect(() => expand(x, [-1, 2, 3])).toThrow(RangeError);
    expect(() => expand(x, [-1, 2, 3])).toThrow(
      'expand: new leading axis 0 must have a size >= 0, got -1 in shape [-1, 2, 3]',
    );
    expect(() => expand(zeros([1, 3]), [-2, 3])).toThrow('expand: sizes must be >= 0 or -1, got shape [-2, 3]');
    expect(() => expand(x, [2, 3.5])).toThrow(TypeError);
    expect(() => expand(x, null as never)).toThrow('expand: shape must be an array of sizes, got null');
  });
});

describe('squeeze and unsqueeze', () => {
  it('squeeze drops all size-1 axes or only the named ones', () => {
    const x = zeros([1, 3, 1, 2]);
    expect(squeeze(x).shape).toEqual([3, 2]);
    expect(squeeze(x, 2).shape).toEqual([1, 3, 2]);
    expect(squeeze(x, [0, -2]).shape).toEqual([3, 2]);
    expect(squeeze(x, 1).shape).toEqual([1, 3, 1, 2]); // size 3: left alone, as PyTorch
    expect(squeeze(scalar(1), 0).shape).toEqual([]);
    expect(() => squeeze(x, 4)).toThrow('squeeze: dim=4 is out of range for a tensor of rank 4 (expected -4..3)');
    expect(() => squeeze(x, [0, 0])).toThrow('squeeze: dim repeats axis 0 in [0, 0]');
  });

  it('unsqueeze inserts at any position including the end', () => {
    const x = zeros([2, 3]);
    expect(unsqueeze(x, 0).shape).toEqual([1, 2, 3]);
    expect(unsqueeze(x, 2).shape).toEqual([2, 3, 1]);
    expect(unsqueeze(x, -1).shape).toEqual([2, 3, 1]);
    expect(unsqueeze(x, -3).shape).toEqual([1, 2, 3]);
    expect(unsqueeze(x, 1).isContiguous()).toBe(true);
    expect(unsqueeze(scalar(4), 0).toArray()).toEqual([4]);
    expect(() => unsqueeze(x, 3)).toThrow(RangeError);
    expect(() => unsqueeze(x, 3)).toThrow('unsqueeze: dim=3 is out of range for a tensor of rank 3 (expected -3..2)');
  });
});

describe('narrow and slice', () => {
  it('narrow takes a window, negative start counting from the end', () => {
    const x = grid();
    expect(narrow(x, 1, 1, 2).toArray()).toEqual([
      [1, 2],
      [5, 6],
      [9, 10],
    ]);
    expect(narrow(x, 0, -1, 1).toArray()).toEqual([[8, 9, 10, 11]]);
    expect(narrow(x, 0, 3, 0).shape).toEqual([0, 4]);
    expect(narrow(x, 1, 1, 2).data).toBe(x.data);
  });

  it('narrow rejects windows past the end', () => {
    const x = grid();
    expect(() => narrow(x, 1, 3, 2)).toThrow(RangeError);
    expect(() => narrow(x, 1, 3, 2)).toThrow('narrow: start=3 + length=2 runs past dim=1 of size 4 (x is [3, 4])');
    expect(() => narrow(x, 1, -5, 1)).toThrow('narrow: start=-5 is out of range for dim=1 of size 4');
    expect(() => narrow(x, 1, 0, -1)).toThrow('narrow: length must be >= 0, got -1');
    expect(() => narrow(x, 1, 0.5, 1)).toThrow(TypeError);
    expect(() => narrow(scalar(1), 0, 0, 1)).toThrow(ShapeError);
  });

  it('slice follows Python: negative and clamped bounds, positive steps', () => {
    const x = arange(10, undefined, 1, { dtype: 'int32' });
    expect(slice(x, 0, -3).toArray()).toEqual([7, 8, 9]);
    expect(slice(x, 0, 1, 8, 3).toArray()).toEqual([1, 4, 7]);
    expect(slice(x, 0, 2, -2, 2).toArray()).toEqual([2, 4, 6]);
    expect(slice(x, 0, -100, 100).size).toBe(10);
    expect(slice(x, 0, 8, 2).shape).toEqual([0]);
    expect(slice(x, 0, 10).shape).toEqual([0]);
    const g = grid();
    const s = slice(g, -1, 1, undefined, 2);
    expect(s.toArray()).toEqual([
      [1, 3],
      [5, 7],
      [9, 11],
    ]);
    expect(s.data).toBe(g.data);
    expect(slice(slice(g, 0, 1), 1, 1, 3).toArray()).toEqual([
      [5, 6],
      [9, 10],
    ]);
  });

  it('slice rejects non-positive steps and non-integers', () => {
    const x = arange(10);
    expect(() => slice(x, 0, 0, 5, 0)).toThrow(RangeError);
    expect(() => slice(x, 0, 0, 5, 0)).toThrow('slice: step must be > 0, got step=0');
    expect(() => slice(x, 0, 0, 5, -1)).toThrow('slice: step must be > 0, got step=-1');
    expect(() => slice(x, 0, 0.5)).toThrow('slice: start must be an integer, got 0.5');
    expect(() => slice(x, 0, 0, 1.5)).toThrow('slice: end must be an integer, got 1.5');
    expect(() => slice(x, 1)).toThrow('slice: dim=1 is out of range for a tensor of rank 1 (expected -1..0)');
    expect(() => slice(scalar(1), 0)).toThrow('slice: x must have at least one axis, got shape []');
  });
});

describe('contiguous', () => {
  it('returns x itself when it already owns packed storage', () => {
    const x = grid();
    expect(contiguous(x)).toBe(x);
  });

  it('packs views: transposed, offset, or a prefix of larger storage', () => {
    const x = grid();
    const t = contiguous(transpose(x, 0, 1));
    expect(t.isContiguous()).toBe(true);
    expect(t.data).not.toBe(x.data);
    expect(t.toArray()).toEqual([
      [0, 4, 8],
      [1, 5, 9],
      [2, 6, 10],
      [3, 7, 11],
    ]);
    const row = narrow(x, 0, 1, 1); // contiguous but offset 4
    const packed = contiguous(row);
    expect(packed).not.toBe(row);
    expect(packed.offset).toBe(0);
    expect(packed.data.length).toBe(4);
    expect(packed.toArray()).toEqual([[4, 5, 6, 7]]);
    const prefix = narrow(x, 0, 0, 1); // offset 0 but storage holds 12
    expect(contiguous(prefix).data.length).toBe(4);
    expect(() => contiguous({} as never)).toThrow('contiguous: x must be a Tensor, got Object');
  });
});

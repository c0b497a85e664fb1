import { ShapeError, Tensor, tensor } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { defaultCollate, gatherRows, Subset, TensorDataset } from '../../src/data/dataset.js';

describe('TensorDataset', () => {
  const x = tensor([
    [1, 2],
    [3, 4],
    [5, 6],
  ]);
  const y = tensor([0, 1, 2], { dtype: 'int32' });
  const ds = new TensorDataset(x, y);

  it('get(i) returns row i of every tensor as views', () => {
    expect(ds.length).toBe(3);
    const [xi, yi] = ds.get(1);
    expect(xi!.toArray()).toEqual([3, 4]);
    expect(yi!.item()).toBe(1);
    expect(xi!.data).toBe(x.data);
  });
  it('getBatch gathers rows in the given order', () => {
    const [xb, yb] = ds.getBatch([2, 0]);
    expect(xb!.shape).toEqual([2, 2]);
    expect(xb!.toArray()).toEqual([
      [5, 6],
      [1, 2],
    ]);
    expect(yb!.toArray()).toEqual([2, 0]);
    expect(yb!.dtype).toBe('int32');
  });
  it('gatherRows reads non-contiguous tensors by logical rows', () => {
    const t = new Tensor(x.data, [2, 3], [1, 2], 0); // x transposed
    expect(gatherRows(t, [1]).toArray()).toEqual([[2, 4, 6]]);
  });
  it('errors: differing first sizes, 0-D tensors, out-of-range index', () => {
    expect(() => new TensorDataset(x, tensor([1, 2]))).toThrow(ShapeError);
    expect(() => new TensorDataset(x, tensor([1, 2]))).toThrow(
      /TensorDataset: all tensors must share their first size; tensors\[0\] is \[3, 2\] but tensors\[1\] is \[2\]/,
    );
    expect(() => new TensorDataset(new Tensor(new Float32Array(1), []))).toThrow(/tensors\[0\] is 0-D/);
    expect(() => new TensorDataset()).toThrow(/needs at least one tensor/);
    expect(() => new TensorDataset([1, 2] as never)).toThrow(/tensors\[0\] must be a Tensor/);
    expect(() => ds.get(3)).toThrow(RangeError);
    expect(() => ds.get(3)).toThrow(/TensorDataset.get: index 3 is out of range for a dataset of length 3/);
    expect(() => ds.getBatch([0, -1])).toThrow(/index -1 is out of range/);
  });
});

describe('Subset', () => {
  it('maps indices and keeps the batch fast path', () => {
    const ds = new TensorDataset(tensor([10, 11, 12, 13]));
    const sub = new Subset(ds, [3, 1]);
    expect(sub.length).toBe(2);
    expect(sub.get(0)[0]!.item()).toBe(13);
    expect(sub.getBatch!([1, 0])[0]!.toArray()).toEqual([11, 13]);
    expect(() => new Subset(ds, [4])).toThrow(/Subset: index 4 is out of range for a dataset of length 4/);
    expect(() => sub.getBatch!([2])).toThrow(/Subset.getBatch: index 2 is out of range/);
  });
});

describe('defaultCollate', () => {
  it('stacks tensors, turns integers into int32 and other numbers into float32, recurses', () => {
    const batch = defaultCollate([
      [tensor([1, 2]), 3, { w: 0.5 }],
      [tensor([4, 5]), 7, { w: 1.5 }],
    ] as [Tensor, number, { w: number }][]);
    expect(batch[0].shape).toEqual([2, 2]);
    expect(batch[0].toArray()).toEqual([
      [1, 2],
      [4, 5],
    ]);
    expect(batch[1].dtype).toBe('int32');
    expect(batch[1].toArray()).toEqual([3, 7]);
    expect(batch[2].w.dtype).toBe('float32');
    expect(batch[2].w.toArray()).toEqual([0.5, 1.5]);
  });
  it('errors: unequal shapes, empty batches, unknown items', () => {
    expect(() => defaultCollate([tensor([1]), tensor([1, 2])])).toThrow(ShapeError);
    expect(() => defaultCollate([tensor([1]), tensor([1, 2])])).toThrow(
      /collate: items must have equal shapes to stack; item 0 is \[1\] but item 1 is \[2\]/,
    );
    expect(() => defaultCollate([])).toThrow(/cannot collate an empty batch/);
    expect(() => defaultCollate(['a'])).toThrow(/cannot collate items of type string/);
  });
});

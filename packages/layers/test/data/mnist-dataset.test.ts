import { describe, expect, it } from 'vitest';
import { MnistDataset } from '../../src/data/mnist-dataset.js';

describe('MnistDataset', () => {
  const images = new Uint8Array(3 * 4).map((_, i) => [0, 255, 128][Math.floor(i / 4)]!);
  const labels = new Uint8Array([7, 2, 1]);
  const ds = new MnistDataset(images, labels, { shape: [3, 2, 2] });

  it('normalises bytes as ToTensor + Normalize((0.1307,), (0.3081,)) and batches them', () => {
    const [x, y] = ds.getBatch([1, 0]);
    expect(x.shape).toEqual([2, 1, 2, 2]);
    expect(x.dtype).toBe('float32');
    expect(x.data[0]).toBeCloseTo((1 - 0.1307) / 0.3081, 6);
    expect(x.data[4]).toBeCloseTo(-0.1307 / 0.3081, 6);
    expect(Array.from(y.data)).toEqual([2, 7]);
    expect(y.dtype).toBe('int32');
    const [img, label] = ds.get(2);
    expect(img.shape).toEqual([1, 2, 2]);
    expect(img.data[0]).toBeCloseTo((128 / 255 - 0.1307) / 0.3081, 6);
    expect(label).toBe(1);
  });
  it('custom mean and std', () => {
    const plain = new MnistDataset(images, labels, { shape: [3, 2, 2], mean: 0, std: 1 });
    expect(plain.get(1)[0].data[0]).toBe(1);
  });
  it('errors: counts that disagree, bad std, bad index', () => {
    expect(() => new MnistDataset(images, new Uint8Array(2), { shape: [3, 2, 2] })).toThrow(
      /MnistDataset: images \[3, 2, 2\] hold 3 images but there are 2 labels/,
    );
    expect(() => new MnistDataset(images, labels)).toThrow(/images has 12 bytes but shape \[3, 28, 28\] needs 2352/);
    expect(() => new MnistDataset(images, labels, { shape: [3, 2, 2], std: 0 })).toThrow(
      /std must be a positive number, got 0/,
    );
    expect(() => new MnistDataset([1] as never, labels)).toThrow(/images must be a Uint8Array/);
    expect(() => ds.getBatch([3])).toThrow(/MnistDataset.getBatch: index 3 is out of range for a dataset of length 3/);
  });
});

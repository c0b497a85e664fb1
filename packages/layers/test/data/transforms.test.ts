import { Generator, ShapeError, Tensor, tensor, zeros } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { DataLoader } from '../../src/data/data-loader.js';
import { TensorDataset } from '../../src/data/dataset.js';
import { compose, normalize, randomCrop, randomHorizontalFlip } from '../../src/data/transforms.js';

/** 4 images 1×3×3 holding 0..35 in order, float64. */
const batch = () =>
  new Tensor(
    Float64Array.from({ length: 36 }, (_, i) => i),
    [4, 1, 3, 3],
  );

describe('image-batch transforms', () => {
  it('randomCrop with padding returns shifted windows with zero borders, same for a seed', () => {
    const crop = randomCrop(3, { padding: 1, generator: new Generator(3) });
    const y = crop(batch());
    expect(y.shape).toEqual([4, 1, 3, 3]);
    expect(Array.from(randomCrop(3, { padding: 1, generator: new Generator(3) })(batch()).data)).toEqual(
      Array.from(y.data),
    );
    // every output value is 0 (padding) or the image's own pixel
    const d = y.data;
    for (let i = 0; i < 4; i++)
      for (let k = 0; k < 9; k++) {
        const v = d[i * 9 + k]!;
        expect(v === 0 || (v >= i * 9 && v < (i + 1) * 9)).toBe(true);
      }
    expect(randomCrop([2, 1])(batch()).shape).toEqual([4, 1, 2, 1]);
    expect(randomCrop(3)(batch()).data).toEqual(batch().data); // no padding, full size: the identity
  });
  it('randomHorizontalFlip mirrors rows with probability p, per image', () => {
    const always = randomHorizontalFlip({ p: 1 })(batch());
    expect((always.toArray() as number[][][][])[0]![0]).toEqual([
      [2, 1, 0],
      [5, 4, 3],
      [8, 7, 6],
    ]);
    expect(randomHorizontalFlip({ p: 0 })(batch()).data).toEqual(batch().data);
    const some = randomHorizontalFlip({ generator: new Generator(1) })(
      new Tensor(
        Float64Array.from({ length: 400 }, (_, i) => i % 2),
        [200, 1, 1, 2],
      ),
    );
    const flipped = Array.from({ length: 200 }, (_, i) => some.data[2 * i]!).filter((v) => v === 1).length;
    expect(flipped).toBeGreaterThan(70);
    expect(flipped).toBeLessThan(130);
  });
  it('normalize per channel; compose runs in order; DataLoader applies the transform to the inputs', () => {
    const x = tensor([[[[1, 3]], [[10, 20]]]], { dtype: 'float64' });
    expect(normalize([1, 10], [2, 5])(x).toArray()).toEqual([[[[0, 1]], [[0, 2]]]]);
    const t = compose([randomHorizontalFlip({ p: 1 }), normalize([1, 10], [2, 5])]);
    expect(t(x).toArray()).toEqual([[[[1, 0]], [[2, 0]]]]);
    const loader = new DataLoader(new TensorDataset(batch(), tensor([0, 1, 2, 3])), {
      batchSize: 2,
      transform: randomHorizontalFlip({ p: 1 }),
    });
    const [first] = [...loader];
    expect((first![0]!.toArray() as number[][][][])[0]![0]![0]).toEqual([2, 1, 0]);
    expect(first![1]!.toArray()).toEqual([0, 1]);
  });
  it('errors name the transform and the argument', () => {
    expect(() => randomCrop(5)(batch())).toThrow(RangeError);
    expect(() => randomCrop(5)(batch())).toThrow(/randomCrop: size \[5, 5\] is larger than the padded image \[3, 3\]/);
    expect(() => randomCrop(3, { padding: -1 })).toThrow(/randomCrop: padding must be an integer >= 0, got padding=-1/);
    expect(() => randomCrop(0)).toThrow(/size must be a positive integer/);
    expect(() => randomHorizontalFlip({ p: 2 })).toThrow(/randomHorizontalFlip: p must be in \[0, 1\], got p=2/);
    expect(() => normalize([0.5], [0])).toThrow(/normalize: std must not hold 0/);
    expect(() => normalize([0.5, 1], [1])).toThrow(/same non-zero length/);
    expect(() => normalize([0.5, 0.5], [1, 1])(batch())).toThrow(ShapeError);
    expect(() => normalize([0.5, 0.5], [1, 1])(batch())).toThrow(/images have 1 channels but mean and std have 2/);
    expect(() => randomHorizontalFlip()(zeros([3, 3]))).toThrow(
      /images must be \[N, C, H, W\] or \[C, H, W\], got \[3, 3\]/,
    );
    expect(() => compose([1 as never])).toThrow(/compose: transforms must be an array of functions/);
    expect(() => new DataLoader(new TensorDataset(batch()), { transform: 3 as never })).toThrow(
      /transform must be a function/,
    );
  });
});

import { tensor } from '@torchlet/autograd';
import * as T from '@torchlet/tensor';
import { ShapeError } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { adaptiveAvgPool2d, adaptiveMaxPool2d } from '../../../src/nn/functional/index.js';

const f64 = { dtype: 'float64' } as const;

describe('adaptive pools', () => {
  it('bins [floor(i·In/Out), ceil((i+1)·In/Out)) may overlap: 5 columns into 3 bins are [0,2), [1,4), [3,5)', () => {
    const x = tensor(
      [
        [
          [
            [0, 1, 2, 3, 4],
            [5, 6, 7, 8, 9],
          ],
        ],
      ],
      { ...f64, requiresGrad: true },
    );
    const y = adaptiveAvgPool2d(x, [1, 3]);
    expect(y.toArray()).toEqual([[[[3, 4.5, 6]]]]);
    y.backward(T.ones([1, 1, 1, 3], f64));
    // Columns 1 and 3 sit in two bins each: 1/4 + 1/6.
    const both = 1 / 4 + 1 / 6;
    expect(x.grad!.toArray()).toEqual([
      [
        [
          [1 / 4, both, 1 / 6, both, 1 / 4],
          [1 / 4, both, 1 / 6, both, 1 / 4],
        ],
      ],
    ]);
  });

  it('adaptiveMaxPool2d returns the first maximum of each bin and its index', () => {
    const [y, indices] = adaptiveMaxPool2d(tensor([[[[1, 5, 2, 2, 0]]]], f64), [1, 3], { returnIndices: true });
    expect(y.toArray()).toEqual([[[[5, 5, 2]]]]);
    expect(indices.toArray()).toEqual([[[[1, 1, 3]]]]);
  });

  it('one number sets both axes; null keeps the input size on that axis; unbatched input works', () => {
    const x = T.randn([2, 3, 6, 7], { generator: new T.Generator(1) });
    expect(adaptiveAvgPool2d(x, 1).shape).toEqual([2, 3, 1, 1]);
    expect(adaptiveMaxPool2d(x, [2, null]).shape).toEqual([2, 3, 2, 7]);
    expect(adaptiveAvgPool2d(T.zeros([3, 6, 7]), [3, 3]).shape).toEqual([3, 3, 3]);
  });

  it('output 1×1 is the global mean', () => {
    const x = T.randn([1, 2, 4, 5], { dtype: 'float64', generator: new T.Generator(2) });
    const y = adaptiveAvgPool2d(x, 1).data.toTypedArray();
    const v = x.toTypedArray();
    for (let c = 0; c < 2; c++) {
      let s = 0;
      for (let i = 0; i < 20; i++) s += v[c * 20 + i]!;
      expect(y[c]).toBeCloseTo(s / 20, 12);
    }
  });

  it('errors: bad outputSize, wrong rank', () => {
    const x = T.zeros([1, 1, 4, 4]);
    expect(() => adaptiveAvgPool2d(x, -1)).toThrow(RangeError);
    expect(() => adaptiveAvgPool2d(x, [2, -1])).toThrow(
      'adaptiveAvgPool2d: outputSize must be non-negative, got outputSize=[2, -1]',
    );
    // @ts-expect-error: three sizes
    const three = () => adaptiveMaxPool2d(x, [1, 2, 3]);
    expect(three).toThrow(TypeError);
    expect(three).toThrow(
      'adaptiveMaxPool2d: outputSize must be an integer or [h, w] of integers or null, got outputSize=[1, 2, 3]',
    );
    expect(() => adaptiveAvgPool2d(T.zeros([4, 4]), 2)).toThrow(ShapeError);
    expect(() => adaptiveAvgPool2d(T.zeros([4, 4]), 2)).toThrow(
      'adaptiveAvgPool2d: input must be 3-D (unbatched) or 4-D (batched), got [4, 4]',
    );
  });
});

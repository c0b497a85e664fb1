import fc from 'fast-check';
import { gradcheck, randn } from '@torchlet/autograd';
import { Generator, ShapeError, tensor, Tensor } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { linear } from '../../../src/nn/functional/linear.js';

describe('linear', () => {
  it('computes x·Wᵀ + b (worked example) for any leading axes', () => {
    const x = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: 'float64' },
    );
    const w = tensor(
      [
        [1, 0],
        [0, 1],
        [1, 1],
      ],
      { dtype: 'float64' },
    );
    const b = tensor([10, 20, 30], { dtype: 'float64' });
    expect(linear(x, w, b).toArray()).toEqual([
      [11, 22, 33],
      [13, 24, 37],
    ]);
    expect(linear(x, w).toArray()).toEqual([
      [1, 2, 3],
      [3, 4, 7],
    ]);
    const x3 = new Tensor(Float64Array.from([1, 2, 3, 4, 5, 6]), [3, 1, 2]);
    expect(linear(x3, w, b).shape).toEqual([3, 1, 3]);
    expect(linear(tensor([1, 2], { dtype: 'float64' }), w, b).toArray()).toEqual([11, 22, 33]);
  });
  it('reads a non-contiguous input by its logical elements', () => {
    const base = tensor(
      [
        [1, 3],
        [2, 4],
      ],
      { dtype: 'float64' },
    );
    const xT = new Tensor(base.data, [2, 2], [1, 2], 0); // [[1, 2], [3, 4]]
    expect(linear(xT, tensor([[1, 1]], { dtype: 'float64' })).toArray()).toEqual([[3], [7]]);
  });
  it('gradients match central differences (float64, random shapes, with and without bias)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.boolean(),
        fc.integer(),
        (lead, inF, outF, withBias, seed) => {
          const g = new Generator(seed);
          const x = randn([...lead, inF], { dtype: 'float64', generator: g, requiresGrad: true });
          const w = randn([outF, inF], { dtype: 'float64', generator: g, requiresGrad: true });
          const b = randn([outF], { dtype: 'float64', generator: g, requiresGrad: true });
          if (withBias) gradcheck((x, w, b) => linear(x, w, b), [x, w, b]);
          else gradcheck((x, w) => linear(x, w), [x, w]);
        },
      ),
      { numRuns: 40 },
    );
  });
  it('an empty batch gives an empty output and zero weight gradient', () => {
    const x = randn([0, 3], { dtype: 'float64', requiresGrad: true });
    const w = randn([2, 3], { dtype: 'float64', requiresGrad: true });
    const y = linear(x, w);
    expect(y.shape).toEqual([0, 2]);
    y.backward(new Tensor(new Float64Array(0), [0, 2]));
    expect(w.grad!.toArray()).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
  });
  it('errors name shapes and dtypes', () => {
    const w = tensor([[1, 2, 3]]);
    expect(() => linear(tensor([[1, 2]]), w)).toThrow(ShapeError);
    expect(() => linear(tensor([[1, 2]]), w)).toThrow(
      /linear: input has 2 features \(last axis of \[1, 2\]\) but weight \[1, 3\] expects 3/,
    );
    expect(() => linear(tensor([1, 2, 3]), tensor([1, 2, 3]))).toThrow(
      /weight must be 2-D \[outFeatures, inFeatures\], got \[3\]/,
    );
    expect(() => linear(tensor([1, 2, 3]), w, tensor([1, 2]))).toThrow(
      /bias must be \[1\] to match weight \[1, 3\], got \[2\]/,
    );
    expect(() => linear(tensor([1, 2, 3], { dtype: 'float64' }), w)).toThrow(/input is float64 but weight is float32/);
    expect(() => linear(tensor([1, 2, 3], { dtype: 'int32' }), w)).toThrow(
      /input must be float32 or float64, got int32 \[3\]/,
    );
    expect(() => linear([1, 2, 3] as never, w)).toThrow(/input must be a Tensor or Variable/);
  });
});

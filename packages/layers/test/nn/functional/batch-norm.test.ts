import fc from 'fast-check';
import { gradcheck, randn, Variable } from '@torchlet/autograd';
import { Generator, ShapeError, tensor, Tensor, zeros, ones } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { batchNorm } from '../../../src/nn/functional/batch-norm.js';

describe('batchNorm', () => {
  it('training: normalises each channel with the biased variance, updates running stats with the unbiased one', () => {
    // channel 0: [1, 3] (mean 2, biased var 1, unbiased 2); channel 1: [0, 0]
    const x = tensor(
      [
        [1, 0],
        [3, 0],
      ],
      { dtype: 'float64' },
    );
    const rm = zeros([2], { dtype: 'float64' });
    const rv = ones([2], { dtype: 'float64' });
    const y = batchNorm(x, rm, rv, { training: true, momentum: 0.5, eps: 0 }).toArray() as number[][];
    expect(y[0]![0]).toBeCloseTo(-1, 14);
    expect(y[1]![0]).toBeCloseTo(1, 14);
    expect(rm.toArray()).toEqual([1, 0]);
    expect(rv.toArray()).toEqual([1.5, 0.5]);
  });
  it('eval: uses the running statistics, weight and bias', () => {
    const x = tensor([[2], [4]], { dtype: 'float64' });
    const y = batchNorm(x, tensor([1], { dtype: 'float64' }), tensor([4], { dtype: 'float64' }), {
      weight: tensor([2], { dtype: 'float64' }),
      bias: tensor([1], { dtype: 'float64' }),
      eps: 0,
    });
    expect(y.toArray()).toEqual([[2], [4]]); // (2−1)/2·2+1, (4−1)/2·2+1
  });
  it('gradients match central differences in training and eval mode (float64, rank 2–4)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer(),
        (n, c, spatial, training, affine, seed) => {
          const g = new Generator(seed);
          const x = randn([n, c, ...spatial], { dtype: 'float64', generator: g, requiresGrad: true });
          const w = randn([c], { dtype: 'float64', generator: g, requiresGrad: true });
          const b = randn([c], { dtype: 'float64', generator: g, requiresGrad: true });
          const rm = randn([c], { dtype: 'float64', generator: g }).data;
          const rv = new Tensor(
            Float64Array.from(randn([c], { dtype: 'float64', generator: g }).data.data, (v) => 0.5 + v * v),
            [c],
          );
          // Fresh running buffers per evaluation so the in-place update does not feed back.
          const run = (x: Variable, w?: Variable, b?: Variable) =>
            batchNorm(x, new Tensor(rm.data.slice(), [c]), new Tensor(rv.data.slice(), [c]), {
              training,
              weight: w ?? null,
              bias: b ?? null,
            });
          if (affine) gradcheck((x, w, b) => run(x, w, b), [x, w, b]);
          else gradcheck((x) => run(x), [x]);
        },
      ),
      { numRuns: 40 },
    );
  });
  it('errors name the argument and the shapes', () => {
    const x = zeros([2, 3]);
    expect(() => batchNorm(x, zeros([2]), ones([2]), { training: true })).toThrow(ShapeError);
    expect(() => batchNorm(x, zeros([2]), ones([2]), { training: true })).toThrow(
      /batchNorm: runningMean must be \[3\] \(one per channel\), got \[2\]/,
    );
    expect(() => batchNorm(x, null, null, { training: true, weight: ones([4]) })).toThrow(/weight must be \[3\]/);
    expect(() => batchNorm(x, null, null)).toThrow(/runningMean and runningVar are required when not training/);
    expect(() => batchNorm(zeros([1, 3]), null, null, { training: true })).toThrow(
      /training needs more than 1 value per channel, got input \[1, 3\]/,
    );
    expect(() => batchNorm(zeros([3]), null, null, { training: true })).toThrow(
      /input must be \[N, C, ...\], got \[3\]/,
    );
    expect(() => batchNorm(x, null, null, { training: true, momentum: 2 })).toThrow(
      /momentum must be in \[0, 1\], got momentum=2/,
    );
    expect(() => batchNorm(x, null, null, { training: true, eps: -1 })).toThrow(
      /eps must be a finite number >= 0, got eps=-1/,
    );
    expect(() =>
      batchNorm(x, zeros([3], { dtype: 'float64' }), ones([3], { dtype: 'float64' }), { training: true }),
    ).toThrow(/input is float32 but runningMean is float64/);
    expect(() => batchNorm(x, zeros([3]), null, { training: true })).toThrow(/must both be given or both be null/);
  });
});

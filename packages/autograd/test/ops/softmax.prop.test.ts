import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@torchlet/tensor';
import { Generator } from '@torchlet/tensor';
import { gradcheck, logSoftmax, softmax } from '@torchlet/autograd';
import { arbShape } from '@torchlet/autograd/testing';
import { expectClose, leaf } from '../helpers/values.js';

const cases = arbShape({ maxSize: 36 }).chain((shape) =>
  fc.record({
    shape: fc.constant(shape),
    dim: shape.length === 0 ? fc.constantFrom(0, -1) : fc.integer({ min: -shape.length, max: shape.length - 1 }),
    // Up to ±1000: exp would overflow without the max-shift.
    scale: fc.constantFrom(1, 5, 1000),
    seed: fc.integer(),
  }),
);

describe('softmax and logSoftmax', () => {
  it('forward against exp(x − logsumexp(x)) from the tensor ops; slices sum to 1', () => {
    fc.assert(
      fc.property(cases, ({ shape, dim, scale, seed }) => {
        const x = leaf(T.mul(T.randn(shape, { dtype: 'float64', generator: new Generator(seed) }), scale));
        const lse = T.logsumexp(x.data, dim, true);
        expectClose(logSoftmax(x, dim).data, T.sub(x.data, lse), 1e-12, 1e-12);
        const p = softmax(x, dim).data;
        expectClose(p, T.exp(T.sub(x.data, lse)), 1e-12, 1e-300);
        const sums = T.sum(p, dim);
        expectClose(sums, T.ones(sums.shape, { dtype: 'float64' }), 1e-14, 0);
      }),
      { numRuns: 40 },
    );
  });

  it('backward matches central differences', () => {
    fc.assert(
      fc.property(cases, ({ shape, dim, seed }) => {
        const x = leaf(T.mul(T.randn(shape, { dtype: 'float64', generator: new Generator(seed) }), 2));
        gradcheck((x) => softmax(x, dim), [x]);
        gradcheck((x) => logSoftmax(x, dim), [x]);
      }),
      { numRuns: 40 },
    );
  });

  it('stays finite where a naive exp overflows', () => {
    const x = leaf(
      T.tensor(
        [
          [1000, 1001, 999],
          [-1000, -1001, -1002],
        ],
        { dtype: 'float64' },
      ),
    );
    const y = logSoftmax(x, 1);
    expect(T.contiguousData(y.data).every(Number.isFinite)).toBe(true);
    expect(T.contiguousData(softmax(x, 1).data).every(Number.isFinite)).toBe(true);
    y.backward(T.ones([2, 3], { dtype: 'float64' }));
    expect(T.contiguousData(x.grad!).every(Number.isFinite)).toBe(true);
  });

  it('rejects a dim out of range with a RangeError naming it', () => {
    const x = leaf(T.ones([2, 3]));
    expect(() => softmax(x, 2)).toThrow(RangeError);
    expect(() => softmax(x, 2)).toThrow('softmax: dim=2 is out of range for a tensor of rank 2 (expected -2..1)');
    expect(() => logSoftmax(x, -3)).toThrow('logSoftmax: dim=-3 is out of range');
  });
});

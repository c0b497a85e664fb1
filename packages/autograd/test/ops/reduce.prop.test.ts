import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@torchlet/tensor';
import { Generator } from '@torchlet/tensor';
import {
  amax,
  amin,
  gradcheck,
  logsumexp,
  max,
  maxWithIndices,
  mean,
  min,
  minWithIndices,
  std,
  sum,
  variance,
} from '@torchlet/autograd';
import { arbShape } from '@torchlet/autograd/testing';
import { randnLeaf } from '../helpers/values.js';

/** A shape, a set of axes to reduce (negative spellings included, or undefined = all), keepdim. */
const arbReduction = arbShape({ maxSize: 36 }).chain((shape) => {
  const rank = shape.length;
  const axis = (a: number) => fc.boolean().map((negative) => (negative && rank > 0 ? a - rank : a));
  const axes =
    rank === 0
      ? fc.constant([] as number[])
      : fc.shuffledSubarray([...shape.keys()], { minLength: 1 }).chain((as) => fc.tuple(...as.map(axis)));
  return fc.record({
    shape: fc.constant(shape),
    dim: fc.option(axes, { nil: undefined }),
    keepdim: fc.boolean(),
    seed: fc.integer(),
  });
});

/** A shape of rank ≥ 1 and one axis of it. */
const arbAlongAxis = arbShape({ minRank: 1, maxSize: 36 }).chain((shape) =>
  fc.record({
    shape: fc.constant(shape),
    dim: fc.integer({ min: -shape.length, max: shape.length - 1 }),
    keepdim: fc.boolean(),
    seed: fc.integer(),
  }),
);

describe('reductions: forward equals the tensor op, backward matches central differences', () => {
  it('sum and mean over any set of axes', () => {
    fc.assert(
      fc.property(arbReduction, ({ shape, dim, keepdim, seed }) => {
        const x = randnLeaf(shape, new Generator(seed));
        expect(sum(x, dim, keepdim).data.toArray()).toEqual(T.sum(x.data, dim, keepdim).toArray());
        expect(mean(x, dim, keepdim).data.toArray()).toEqual(T.mean(x.data, dim, keepdim).toArray());
        gradcheck((x) => sum(x, dim, keepdim), [x]);
        gradcheck((x) => mean(x, dim, keepdim), [x]);
      }),
      { numRuns: 40 },
    );
  });

  it('max/min/amax/amin without ties', () => {
    fc.assert(
      fc.property(arbReduction, ({ shape, dim, keepdim, seed }) => {
        const x = randnLeaf(shape, new Generator(seed));
        expect(max(x, dim, keepdim).data.toArray()).toEqual(T.max(x.data, dim, keepdim).toArray());
        expect(amin(x, dim, keepdim).data.toArray()).toEqual(T.min(x.data, dim, keepdim).toArray());
        gradcheck((x) => amax(x, dim, keepdim), [x]);
        gradcheck((x) => min(x, dim, keepdim), [x]);
      }),
      { numRuns: 40 },
    );
  });

  it('max/min along one axis, with indices', () => {
    fc.assert(
      fc.property(arbAlongAxis, ({ shape, dim, keepdim, seed }) => {
        const x = randnLeaf(shape, new Generator(seed));
        const { values, indices } = maxWithIndices(x, dim, keepdim);
        const expected = T.maxWithIndices(x.data, dim, keepdim);
        expect(values.data.toArray()).toEqual(expected.values.toArray());
        expect(indices.toArray()).toEqual(expected.indices.toArray());
        expect(values.requiresGrad).toBe(true);
        gradcheck((x) => max(x, dim, keepdim), [x]);
        gradcheck((x) => minWithIndices(x, dim, keepdim).values, [x]);
      }),
      { numRuns: 40 },
    );
  });

  it('logsumexp over any set of axes', () => {
    fc.assert(
      fc.property(arbReduction, ({ shape, dim, keepdim, seed }) => {
        const x = randnLeaf(shape, new Generator(seed));
        const axes = dim ?? [...shape.keys()];
        expect(logsumexp(x, axes, keepdim).data.toArray()).toEqual(T.logsumexp(x.data, axes, keepdim).toArray());
        gradcheck((x) => logsumexp(x, axes, keepdim), [x]);
      }),
      { numRuns: 40 },
    );
  });

  it('variance and std with correction 0, 1, 2', () => {
    fc.assert(
      fc.property(arbReduction, fc.integer({ min: 0, max: 2 }), ({ shape, dim, keepdim, seed }, correction) => {
        const x = randnLeaf(shape, new Generator(seed));
        const folded = dim === undefined ? T.sizeOf(shape) : dim.reduce((n, a) => n * shape.at(a)!, 1);
        fc.pre(folded > correction); // N ≤ correction divides by zero (PyTorch gives inf/NaN)
        const options = { correction, keepdim };
        expect(variance(x, dim, options).data.toArray()).toEqual(T.variance(x.data, dim, options).toArray());
        gradcheck((x) => variance(x, dim, options), [x]);
        // One element has variance 0, where √ has no derivative.
        if (folded > 1) gradcheck((x) => std(x, dim, options), [x]);
      }),
      { numRuns: 40 },
    );
  });
});

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
  type Variable,
} from '@torchlet/autograd';
import { arbShape } from '@torchlet/autograd/testing';
import { leaf, randnLeaf } from '../helpers/values.js';

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

/**
 * For each flat position of `shape`, the flat position of the output it reduces into (in the
 * keepdim shape, the same order as without keepdim), for a reduction over `axes`.
 */
function outputOf(shape: readonly number[], axes: readonly number[]): number[] {
  const reduced = new Set(axes.map((a) => (a < 0 ? a + shape.length : a)));
  return Array.from({ length: T.sizeOf(shape) }, (_, flat) => {
    let rest = flat;
    let out = 0;
    let stride = 1;
    for (let i = shape.length - 1; i >= 0; i--) {
      const coord = rest % shape[i]!;
      rest = Math.floor(rest / shape[i]!);
      if (reduced.has(i)) continue;
      out += coord * stride;
      stride *= shape[i]!;
    }
    return out;
  });
}

/** A float64 leaf of levels −1, 0, 1: most reductions see their extreme more than once. */
function tiedLeaf(shape: readonly number[], seed: number): Variable {
  return leaf(T.sub(T.randint(0, 3, [...shape], { generator: new Generator(seed) }), 1));
}

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

  it('amax/amin with ties: tied extremes share the gradient equally, as torch.amax', () => {
    fc.assert(
      fc.property(arbReduction, fc.boolean(), ({ shape, dim, keepdim, seed }, smallest) => {
        const x = tiedLeaf(shape, seed);
        const y = (smallest ? amin : amax)(x, dim, keepdim);
        const groups = outputOf(shape, dim ?? [...shape.keys()]);
        const values = x.data.toTypedArray();
        const extreme = new Array<number>(y.size).fill(smallest ? Infinity : -Infinity);
        groups.forEach((o, i) => (extreme[o] = (smallest ? Math.min : Math.max)(extreme[o]!, values[i]!)));
        expect(Array.from(y.data.toTypedArray())).toEqual(extreme);
        const gradOutput = T.randn(y.shape, { dtype: 'float64', generator: new Generator(seed + 1) });
        y.backward(gradOutput);
        const ties = new Array<number>(y.size).fill(0);
        groups.forEach((o, i) => (ties[o]! += +(values[i] === extreme[o])));
        const g = gradOutput.toTypedArray();
        const want = groups.map((o, i) => (values[i] === extreme[o] ? g[o]! / ties[o]! : 0));
        // (a non-extreme gets 0 · g / count, which may be −0)
        expect(Array.from(x.grad!.toTypedArray(), (v) => v + 0)).toEqual(want);
      }),
      { numRuns: 100 },
    );
  });

  it('max/min along one axis with ties: the first extreme gives the index and takes all the gradient', () => {
    fc.assert(
      fc.property(arbAlongAxis, fc.boolean(), ({ shape, dim, keepdim, seed }, smallest) => {
        const x = tiedLeaf(shape, seed);
        const { values: y, indices } = (smallest ? minWithIndices : maxWithIndices)(x, dim, keepdim);
        const axis = dim < 0 ? dim + shape.length : dim;
        const groups = outputOf(shape, [axis]);
        const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
        const values = x.data.toTypedArray();
        const first = new Array<number>(y.size).fill(-1); // flat input position of each output's extreme
        groups.forEach((o, i) => {
          const at = first[o]!;
          if (at < 0 || (smallest ? values[i]! < values[at]! : values[i]! > values[at]!)) first[o] = i;
        });
        expect(Array.from(y.data.toTypedArray())).toEqual(first.map((i) => values[i]));
        expect(Array.from(indices.toTypedArray())).toEqual(first.map((i) => Math.floor(i / inner) % shape[axis]!));
        const gradOutput = T.randn(y.shape, { dtype: 'float64', generator: new Generator(seed + 1) });
        y.backward(gradOutput);
        const want = new Array<number>(values.length).fill(0);
        first.forEach((i, o) => (want[i] = gradOutput.toTypedArray()[o]!));
        expect(Array.from(x.grad!.toTypedArray())).toEqual(want);
      }),
      { numRuns: 100 },
    );
  });
});

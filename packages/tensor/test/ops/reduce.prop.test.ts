import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  argmax,
  argmin,
  logsumexp,
  max,
  maxWithIndices,
  mean,
  min,
  minWithIndices,
  permute,
  std,
  sum,
  variance,
} from '@torchlet/tensor';
import {
  arbShape,
  denseOf,
  expectClose,
  folds,
  refPermute,
  refReduce,
  seededDense,
  tensorOf,
} from '../helpers/reference-ops.js';

/** A shape, a subset of its axes (possibly spelled negative), keepdim, and an axis order to view it through. */
const arbCase = arbShape({ minRank: 1, maxRank: 4, maxDim: 5 }).chain((shape) =>
  fc.record({
    shape: fc.constant(shape),
    axes: fc.subarray([...shape.keys()], { minLength: 1 }),
    negative: fc.boolean(),
    keepdim: fc.boolean(),
    order: fc.shuffledSubarray([...shape.keys()], { minLength: shape.length, maxLength: shape.length }),
    permuted: fc.boolean(),
    seed: fc.integer(),
  }),
);

/**
 * The tensor under test — either packed, or the same values reached through a permuted view
 * (exercising the strided walk) — and its reference values in the logical order.
 */
function inputOf(
  c: { shape: number[]; order: number[]; permuted: boolean; seed: number },
  kind: 'int' | 'normal' = 'normal',
) {
  if (!c.permuted) {
    const d = seededDense(c.shape, c.seed, kind);
    return { x: tensorOf(d), d };
  }
  // Build storage in the inverse order, then permute so the logical shape is c.shape.
  const inv = new Array<number>(c.order.length);
  c.order.forEach((o, i) => (inv[o] = i));
  const stored = seededDense(
    inv.map((i) => c.shape[i]!),
    c.seed,
    kind,
  );
  const x = permute(tensorOf(stored), c.order);
  return { x, d: refPermute(stored, c.order) };
}

const spell = (axes: number[], ndim: number, negative: boolean) => axes.map((a) => (negative ? a - ndim : a));

describe('reductions vs naive loops', () => {
  it('sum, mean, max, min over random axes (keepdim, strided input)', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const { x, d } = inputOf(c);
        const dim = spell(c.axes, c.shape.length, c.negative);
        expectClose(denseOf(sum(x, dim, c.keepdim)), refReduce(d, c.axes, c.keepdim, folds.sum));
        expectClose(denseOf(mean(x, dim, c.keepdim)), refReduce(d, c.axes, c.keepdim, folds.mean));
        expectClose(denseOf(max(x, dim, c.keepdim)), refReduce(d, c.axes, c.keepdim, folds.max));
        expectClose(denseOf(min(x, dim, c.keepdim)), refReduce(d, c.axes, c.keepdim, folds.min));
      }),
      { numRuns: 200 },
    );
  });

  it('variance (several corrections), std and logsumexp over random axes', () => {
    fc.assert(
      fc.property(arbCase, fc.constantFrom(0, 1, 2), (c, correction) => {
        const { x, d } = inputOf(c);
        const dim = spell(c.axes, c.shape.length, c.negative);
        const expected = refReduce(d, c.axes, c.keepdim, folds.variance(correction));
        expectClose(denseOf(variance(x, dim, { correction, keepdim: c.keepdim })), expected, 1e-9, 1e-12);
        const sd = denseOf(std(x, dim, { correction, keepdim: c.keepdim }));
        expectClose(sd, { shape: expected.shape, data: expected.data.map(Math.sqrt) }, 1e-9, 1e-12);
        expectClose(
          denseOf(logsumexp(x, dim, c.keepdim)),
          refReduce(d, c.axes, c.keepdim, folds.logsumexp),
          1e-12,
          1e-12,
        );
      }),
      { numRuns: 150 },
    );
  });

  it('full reductions equal the reduction over every axis', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const { x, d } = inputOf(c);
        const all = [...c.shape.keys()];
        expectClose(denseOf(sum(x)), refReduce(d, all, false, folds.sum));
        expectClose(denseOf(max(x, undefined, true)), refReduce(d, all, true, folds.max));
        expectClose(denseOf(variance(x)), refReduce(d, all, false, folds.variance(1)));
      }),
      { numRuns: 100 },
    );
  });

  it('int32 sums are exact and stay int32', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const d = seededDense(c.shape, c.seed, 'int');
        const x = tensorOf(d, 'int32');
        const s = sum(x, c.axes, c.keepdim);
        expect(s.dtype).toBe('int32');
        expect(denseOf(s)).toEqual(refReduce(d, c.axes, c.keepdim, folds.sum));
        expect(mean(x, c.axes).dtype).toBe('float32');
      }),
      { numRuns: 100 },
    );
  });

  it('argmax/argmin/maxWithIndices/minWithIndices pick the first extreme along one axis', () => {
    fc.assert(
      fc.property(arbCase, fc.nat(), (c, pick) => {
        // Small integers force ties, so "first occurrence" is really exercised.
        const { x, d } = inputOf(c, 'int');
        const axis = c.axes[pick % c.axes.length]!;
        const dim = c.negative ? axis - c.shape.length : axis;
        expect(denseOf(argmax(x, dim, c.keepdim))).toEqual(refReduce(d, [axis], c.keepdim, folds.argmax));
        expect(denseOf(argmin(x, dim, c.keepdim))).toEqual(refReduce(d, [axis], c.keepdim, folds.argmin));
        const mx = maxWithIndices(x, dim, c.keepdim);
        expect(denseOf(mx.values)).toEqual(refReduce(d, [axis], c.keepdim, folds.max));
        expect(denseOf(mx.indices)).toEqual(refReduce(d, [axis], c.keepdim, folds.argmax));
        const mn = minWithIndices(x, dim, c.keepdim);
        expect(denseOf(mn.values)).toEqual(refReduce(d, [axis], c.keepdim, folds.min));
        expect(mn.indices.dtype).toBe('int32');
        // Flat: the row-major position of the first maximum.
        expect(argmax(x).item()).toBe(d.data.indexOf(Math.max(...d.data)));
        expect(argmin(x).item()).toBe(d.data.indexOf(Math.min(...d.data)));
      }),
      { numRuns: 150 },
    );
  });

  it('float32 sums accumulate in float64: within one float32 rounding of the exact sum', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1000, max: 20000 }), fc.integer(), (n, seed) => {
        const d = seededDense([n], seed);
        const x = tensorOf(d, 'float32');
        const exact = Array.from(x.data).reduce((a, b) => a + b, 0); // float64 over the stored float32 values
        expect(sum(x).item()).toBe(Math.fround(exact));
      }),
      { numRuns: 30 },
    );
  });
});

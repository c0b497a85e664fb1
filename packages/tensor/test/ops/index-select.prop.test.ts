import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { indexAdd, indexSelect, mul, sum, zeros } from '@torchlet/tensor';
import { arbShape, denseOf, refIndexSelect, seededDense, tensorOf } from '../helpers/reference-ops.js';

describe('indexSelect / indexAdd properties', () => {
  it('matches the reference over random shapes, axes and indices', () => {
    fc.assert(
      fc.property(
        arbShape({ minRank: 1, maxRank: 4 }).chain((shape) =>
          fc.tuple(
            fc.constant(shape),
            fc
              .integer({ min: 0, max: shape.length - 1 })
              .chain((dim) => fc.tuple(fc.constant(dim), fc.array(fc.nat({ max: shape[dim]! - 1 }), { maxLength: 6 }))),
          ),
        ),
        fc.integer(),
        ([shape, [dim, index]], seed) => {
          const d = seededDense(shape, seed);
          expect(denseOf(indexSelect(tensorOf(d), dim, index))).toEqual(refIndexSelect(d, dim, index));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('is the adjoint of indexSelect', () => {
    fc.assert(
      fc.property(
        arbShape({ minRank: 1, maxRank: 3 }),
        fc.nat(),
        fc.array(fc.nat(), { maxLength: 5 }),
        fc.integer(),
        (shape, at, raw, seed) => {
          const dim = at % shape.length;
          const index = raw.map((v) => v % shape[dim]!);
          const x = tensorOf(seededDense(shape, seed));
          const y = indexSelect(x, dim, index);
          const g = tensorOf(seededDense(y.shape, seed + 1));
          const lhs = sum(mul(y, g)).item();
          const rhs = sum(mul(x, indexAdd(zeros(shape, { dtype: 'float64' }), dim, index, g))).item();
          expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(lhs)));
        },
      ),
      { numRuns: 100 },
    );
  });
});

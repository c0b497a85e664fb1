import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, permute, stack } from '@torchlet/tensor';
import { arbShape, denseOf, refConcat, seededDense, tensorOf } from '../helpers/reference-ops.js';

const arbConcatCase = arbShape({ minRank: 1, maxRank: 4 }).chain((shape) =>
  fc.record({
    shape: fc.constant(shape),
    dim: fc.integer({ min: 0, max: shape.length - 1 }),
    sizes: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 }),
    dtypes: fc.array(fc.constantFrom('float64' as const, 'float32' as const, 'int32' as const), {
      minLength: 4,
      maxLength: 4,
    }),
    transposed: fc.boolean(),
    seed: fc.integer(),
  }),
);

describe('join properties', () => {
  it('concat matches the reference for random sizes along dim, mixed dtypes and strided inputs', () => {
    fc.assert(
      fc.property(arbConcatCase, (c) => {
        const parts = c.sizes.map((n, i) => {
          const shape = c.shape.slice();
          shape[c.dim] = n;
          return seededDense(shape, c.seed + i, 'int');
        });
        const tensors = parts.map((d, i) => {
          const t = tensorOf(d, c.dtypes[i]);
          if (!c.transposed || d.shape.length < 2) return t;
          // Same values through a doubly-permuted view: the copy must follow strides.
          const order = [...d.shape.keys()].reverse();
          return permute(tensorOf(denseOf(permute(t, order)), c.dtypes[i]), order);
        });
        const y = concat(tensors, c.dim - (c.dim % 2 ? c.shape.length : 0));
        const expected = refConcat(parts, c.dim);
        expect(denseOf(y)).toEqual(expected);
        const want = c.dtypes.slice(0, c.sizes.length).includes('float64')
          ? 'float64'
          : c.dtypes.slice(0, c.sizes.length).includes('float32')
            ? 'float32'
            : 'int32';
        expect(y.dtype).toBe(want);
      }),
      { numRuns: 200 },
    );
  });

  it('stack equals concat of the tensors with a size-1 axis inserted', () => {
    fc.assert(
      fc.property(
        arbShape({ maxRank: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.nat(),
        fc.integer(),
        (shape, k, at, seed) => {
          const dim = at % (shape.length + 1);
          const parts = Array.from({ length: k }, (_, i) => seededDense(shape, seed + i));
          const y = stack(
            parts.map((d) => tensorOf(d)),
            dim,
          );
          const withAxis = parts.map((d) => ({
            shape: [...d.shape.slice(0, dim), 1, ...d.shape.slice(dim)],
            data: d.data,
          }));
          expect(denseOf(y)).toEqual(refConcat(withAxis, dim));
        },
      ),
      { numRuns: 150 },
    );
  });
});

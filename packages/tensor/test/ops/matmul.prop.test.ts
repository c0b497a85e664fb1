import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor, cast, expand, matmul, slice, transpose } from '@torchlet/tensor';
import { denseOf, naiveMatmul, seededArray } from '../helpers/reference-kernels.js';

type Layout = 'contiguous' | 'transposed' | 'strided' | 'expanded';

/**
 * A tensor of logical `shape` holding seeded values, stored in `layout`: contiguous; as the transpose
 * of contiguous storage (matrix strides [1, ld]); every other element of a wider tensor (no unit
 * stride, so matmul must pack it); or with its leading axis broadcast from size 1 (stride 0).
 */
function operand(shape: number[], layout: Layout, seed: number): Tensor {
  const size = (s: number[]) => s.reduce((p, d) => p * d, 1);
  const r = shape.length;
  if (layout === 'transposed' && r >= 2) {
    const stored = shape.slice();
    [stored[r - 2], stored[r - 1]] = [shape[r - 1]!, shape[r - 2]!];
    return transpose(new Tensor(seededArray(size(stored), seed), stored), -2, -1);
  }
  if (layout === 'strided') {
    const wide = shape.slice();
    wide[r - 1] = 2 * shape[r - 1]!;
    return slice(new Tensor(seededArray(size(wide), seed), wide), -1, 0, undefined, 2);
  }
  if (layout === 'expanded' && r >= 2) {
    const one = [1, ...shape.slice(1)];
    return expand(new Tensor(seededArray(size(one), seed), one), shape);
  }
  return new Tensor(seededArray(size(shape), seed), shape);
}

// Matrix sizes: 1, tile-misaligned small sizes, and now and then a tall or wide one.
const dim = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 9 }) },
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 40 }) },
);
const layout = fc.constantFrom<Layout>('contiguous', 'transposed', 'strided', 'expanded');

/**
 * Batch shapes that broadcast: each operand takes a suffix of `full` (sizes >= 2) with some axes
 * set to 1, so one side is often stretched over the other.
 */
const arbBatches = fc
  .array(fc.integer({ min: 2, max: 3 }), { maxLength: 2 })
  .chain((full) => {
    const ranks = Array.from({ length: full.length + 1 }, (_, r) => r);
    const flags = fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length });
    return fc.tuple(fc.constant(full), fc.constantFrom(...ranks), fc.constantFrom(...ranks), flags, flags);
  })
  .map(([full, ra, rb, onesA, onesB]) => {
    const pick = (rank: number, ones: boolean[]) =>
      full.slice(full.length - rank).map((d, i) => (ones[full.length - rank + i] ? 1 : d));
    return { a: pick(ra, onesA), b: pick(rb, onesB) };
  });

const rarely = fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });

const arbMatmulCase = fc.record({
  m: dim,
  n: dim,
  k: dim,
  // 1-D operands are promoted (and lose their batch, as in torch).
  aVector: rarely,
  bVector: rarely,
  batches: arbBatches,
  layoutA: layout,
  layoutB: layout,
  seed: fc.integer(),
});

/**
 * Every element of `y` within (k + 4)·unit·Σ|a·b| of the exact product `want` (the bound of
 * gemm-bound.ts), not within a share of |want|: a sum that cancels loses digits in any order.
 */
function expectWithinRounding(y: Tensor, want: ArrayLike<number>, a: Tensor, b: Tensor, k: number, unit: number) {
  const absOf = (t: Tensor) => new Tensor(Float64Array.from(denseOf(t).data, Math.abs), t.shape);
  const magnitude = naiveMatmul(absOf(a), absOf(b)).data;
  const got = denseOf(y).data;
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual((k + 4) * unit * magnitude[i]! + 1e-300);
  }
}

describe('matmul properties', () => {
  it('equals the naive definition over random shapes, batches, 1-D operands and layouts (float64)', () => {
    fc.assert(
      fc.property(arbMatmulCase, (c) => {
        const aShape = c.aVector ? [c.k] : [...c.batches.a, c.m, c.k];
        const bShape = c.bVector ? [c.k] : [...c.batches.b, c.k, c.n];
        const a = operand(aShape, c.layoutA, c.seed);
        const b = operand(bShape, c.layoutB, c.seed + 1);
        const y = matmul(a, b);
        const want = naiveMatmul(a, b);
        expect(y.shape).toEqual(want.shape);
        expect(y.dtype).toBe('float64');
        expectWithinRounding(y, want.data, a, b, c.k, 2 ** -52);
      }),
      { numRuns: 100 },
    );
  });

  it('float32 operands agree with the float64 computation to float32 rounding', () => {
    fc.assert(
      fc.property(dim, dim, dim, layout, layout, fc.integer(), (m, n, k, la, lb, seed) => {
        const a = operand([m, k], la, seed);
        const b = operand([k, n], lb, seed + 1);
        const y = matmul(cast(a, 'float32'), cast(b, 'float32'));
        expect(y.dtype).toBe('float32');
        const a32 = cast(cast(a, 'float32'), 'float64');
        const b32 = cast(cast(b, 'float32'), 'float64');
        const want = naiveMatmul(a32, b32);
        // A float32 sum of k products is exact to (k + 4)·2⁻²³·Σ|a·b| (gemm-bound.ts), not to a share
        // of |result|: a row that cancels (e.g. an expanded B, each output b·Σa) may lose digits.
        expectWithinRounding(y, want.data, a32, b32, k, 2 ** -23);
      }),
      { numRuns: 50 },
    );
  });
});

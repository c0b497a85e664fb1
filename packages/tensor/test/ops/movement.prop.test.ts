import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contiguous, expand, permute, reshape, slice, squeeze, transpose, unsqueeze, view } from '@torchlet/tensor';
import {
  arbShape,
  denseOf,
  refPermute,
  seededDense,
  sizeOfShape,
  tensorOf,
  unravel,
} from '../helpers/reference-ops.js';

/** A shape with a random permutation of its axes. */
const arbPermuted = arbShape({ minRank: 1, maxRank: 5 }).chain((shape) =>
  fc.tuple(
    fc.constant(shape),
    fc.shuffledSubarray([...shape.keys()], { minLength: shape.length, maxLength: shape.length }),
  ),
);

function inverse(order: readonly number[]): number[] {
  const inv = new Array<number>(order.length);
  order.forEach((d, i) => (inv[d] = i));
  return inv;
}

/** Every factorisation-free regrouping of `size` elements: random sizes whose product is `size`. */
function arbRegroup(shape: readonly number[]): fc.Arbitrary<number[]> {
  const factors = shape.flatMap((d) => {
    const out: number[] = [];
    for (let f = 2, r = d; r > 1; ) {
      if (r % f === 0) {
        out.push(f);
        r /= f;
      } else f++;
    }
    return out;
  });
  return fc
    .tuple(
      fc.shuffledSubarray(factors, { minLength: factors.length, maxLength: factors.length }),
      fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: factors.length + 2 }),
    )
    .map(([fs, cuts]) => {
      // Group consecutive factors into axes; sprinkle in size-1 axes.
      const out: number[] = [];
      let acc = 1;
      fs.forEach((f, i) => {
        acc *= f;
        if ((cuts[i] ?? 0) > 0) {
          out.push(acc);
          acc = 1;
        }
      });
      out.push(acc);
      if ((cuts[fs.length] ?? 0) > 1) out.unshift(1);
      return out;
    });
}

describe('movement properties', () => {
  it('permute matches the reference and permuting back is the identity, sharing storage', () => {
    fc.assert(
      fc.property(arbPermuted, fc.integer(), ([shape, order], seed) => {
        const d = seededDense(shape, seed);
        const x = tensorOf(d);
        const y = permute(x, order);
        expect(y.data).toBe(x.data);
        expect(denseOf(y)).toEqual(refPermute(d, order));
        const back = permute(y, inverse(order));
        expect(back.shape).toEqual(shape);
        expect(back.strides).toEqual(x.strides);
        expect(denseOf(back)).toEqual(d);
      }),
      { numRuns: 150 },
    );
  });

  it('reshape to any regrouping and back is the identity; contiguous input stays a view', () => {
    fc.assert(
      fc.property(
        arbShape({ maxRank: 4, maxDim: 6 }).chain((s) => fc.tuple(fc.constant(s), arbRegroup(s))),
        fc.integer(),
        ([shape, target], seed) => {
          const d = seededDense(shape, seed);
          const x = tensorOf(d);
          const y = reshape(x, target);
          expect(y.data).toBe(x.data);
          expect(y.shape).toEqual(target);
          expect(Array.from(y.toTypedArray())).toEqual(d.data);
          const back = reshape(y, shape);
          expect(back.data).toBe(x.data);
          expect(denseOf(back)).toEqual(d);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('reshape of a permuted tensor reads elements in row-major order, viewing whenever view() can', () => {
    fc.assert(
      fc.property(arbPermuted, fc.integer(), ([shape, order], seed) => {
        const d = seededDense(shape, seed);
        const p = permute(tensorOf(d), order);
        const expected = refPermute(d, order).data;
        const flat = reshape(p, [-1]);
        expect(Array.from(flat.toTypedArray())).toEqual(expected);
        // view() succeeds exactly when reshape() did not need to copy.
        let viewed: boolean;
        try {
          view(p, [-1]);
          viewed = true;
        } catch {
          viewed = false;
        }
        expect(flat.data === p.data).toBe(viewed);
        expect(Array.from(contiguous(p).toTypedArray())).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });

  it('transpose twice, unsqueeze then squeeze, and slice-with-step agree with index arithmetic', () => {
    fc.assert(
      fc.property(
        arbShape({ minRank: 1, maxRank: 4, maxDim: 6 }),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: -8, max: 8 }),
        fc.integer({ min: -8, max: 8 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer(),
        (shape, a, b, start, end, step, seed) => {
          const d = seededDense(shape, seed);
          const x = tensorOf(d);
          const d0 = a % shape.length;
          const d1 = b % shape.length;
          expect(denseOf(transpose(transpose(x, d0, d1), d0, d1))).toEqual(d);
          const u = unsqueeze(x, d0);
          expect(u.shape[d0]).toBe(1);
          expect(denseOf(squeeze(u, d0))).toEqual(d);
          // slice along d0 vs. the Python slice of the index list.
          const n = shape[d0]!;
          const picked = [...Array(n).keys()];
          const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
          const chosen = picked.filter((i) => i >= clamp(start) && i < clamp(end) && (i - clamp(start)) % step === 0);
          const s = slice(x, d0, start, end, step);
          expect(s.shape[d0]).toBe(chosen.length);
          expect(s.data).toBe(x.data);
          for (let o = 0; o < s.size; o++) {
            const idx = unravel(o, s.shape);
            const src = idx.slice();
            src[d0] = chosen[idx[d0]!]!;
            expect(s.get(...idx)).toBe(x.get(...src));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('expand repeats each element along stretched axes without copying', () => {
    fc.assert(
      fc.property(
        arbShape({ maxRank: 3 }),
        fc.array(fc.boolean(), { maxLength: 3 }),
        fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
        fc.integer(),
        (shape, ones, lead, seed) => {
          const base = shape.map((dd, i) => (ones[i] ? 1 : dd));
          const target = [...lead, ...shape];
          const d = seededDense(base, seed);
          const x = tensorOf(d);
          const y = expand(x, target);
          expect(y.data).toBe(x.data);
          expect(y.shape).toEqual(target);
          for (let o = 0; o < sizeOfShape(target); o++) {
            const idx = unravel(o, target);
            const src = idx.slice(lead.length).map((v, k) => (base[k] === 1 ? 0 : v));
            expect(y.get(...idx)).toBe(x.get(...src));
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

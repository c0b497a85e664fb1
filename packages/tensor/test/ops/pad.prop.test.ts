import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pad, padAdjoint, permute, sum, mul, type PadMode } from '@torchlet/tensor';
import { arbShape, denseOf, expectClose, refPad, seededDense, tensorOf } from '../helpers/reference-ops.js';

const MODES: PadMode[] = ['constant', 'reflect', 'replicate', 'circular'];

/** Largest pad each mode allows on an axis of size n (constant/replicate: any; keep small). */
const maxPad = (mode: PadMode, n: number) => (mode === 'reflect' ? n - 1 : mode === 'circular' ? n : 3);

const arbPadCase = fc
  .tuple(arbShape({ minRank: 1, maxRank: 4, maxDim: 4 }), fc.constantFrom(...MODES))
  .chain(([shape, mode]) =>
    fc.record({
      shape: fc.constant(shape),
      mode: fc.constant(mode),
      // Pad only the trailing `k` axes, as the short-list form does.
      pads: fc.tuple(
        ...shape.map((n) =>
          fc.tuple(fc.integer({ min: 0, max: maxPad(mode, n) }), fc.integer({ min: 0, max: maxPad(mode, n) })),
        ),
      ),
      trailing: fc.integer({ min: 0, max: shape.length }),
      value: fc.double({ min: -5, max: 5, noNaN: true }),
      transposed: fc.boolean(),
      seed: fc.integer(),
    }),
  );

describe('pad properties', () => {
  it('matches the per-element numpy-definition reference in all four modes, packed or strided', () => {
    fc.assert(
      fc.property(arbPadCase, (c) => {
        const k = c.trailing;
        const full = c.pads.map((p, i) => (i < c.shape.length - k ? ([0, 0] as [number, number]) : p));
        const given = full.slice(c.shape.length - k);
        let d = seededDense(c.shape, c.seed);
        let x = tensorOf(d);
        if (c.transposed && c.shape.length >= 2) {
          // Same logical values, stored reversed: exercises the strided gather.
          const order = [...c.shape.keys()].reverse();
          const stored = seededDense(
            order.map((i) => c.shape[i]!),
            c.seed,
          );
          x = permute(tensorOf(stored), order);
          d = denseOf(x);
        }
        const y = pad(x, given, { mode: c.mode, value: c.value });
        expectClose(denseOf(y), refPad(d, full, c.mode, c.value), 0, 0);
      }),
      { numRuns: 300 },
    );
  });

  it('padAdjoint is the adjoint: <pad(x), g> = <x, padAdjoint(g)>', () => {
    fc.assert(
      fc.property(arbPadCase, (c) => {
        const x = tensorOf(seededDense(c.shape, c.seed));
        const y = pad(x, c.pads, { mode: c.mode });
        const g = tensorOf(seededDense(y.shape, c.seed + 1));
        const lhs = sum(mul(y, g)).item();
        const gx = padAdjoint(g, c.shape, c.pads, { mode: c.mode });
        expect(gx.shape).toEqual(c.shape);
        const rhs = sum(mul(x, gx)).item();
        expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(lhs)));
      }),
      { numRuns: 200 },
    );
  });
});

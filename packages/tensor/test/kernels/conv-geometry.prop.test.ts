import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShapeError } from '@torchlet/tensor';
import { convGeometryOfAxes } from '@torchlet/tensor/testing';

const axis = fc.record({
  size: fc.integer({ min: 0, max: 30 }),
  kernel: fc.integer({ min: 1, max: 7 }),
  stride: fc.integer({ min: 1, max: 4 }),
  before: fc.integer({ min: 0, max: 3 }),
  after: fc.integer({ min: 0, max: 3 }),
  dilation: fc.integer({ min: 1, max: 3 }),
});

describe('convGeometry properties', () => {
  it('outputSize counts exactly the windows that fit: the last one ends inside the padded input, one more would not', () => {
    fc.assert(
      fc.property(fc.array(axis, { minLength: 1, maxLength: 3 }), (axes) => {
        const padded = axes.map((a) => a.size + a.before + a.after);
        const span = axes.map((a) => a.dilation * (a.kernel - 1) + 1);
        const build = () => convGeometryOfAxes('conv', 2, axes);
        if (padded.some((p, i) => p < span[i]!)) {
          expect(build).toThrow(ShapeError);
          return;
        }
        const g = build();
        g.outputSize.forEach((o, i) => {
          const s = axes[i]!.stride;
          expect(o).toBeGreaterThanOrEqual(1);
          expect((o - 1) * s + span[i]!).toBeLessThanOrEqual(padded[i]!);
          expect(o * s + span[i]!).toBeGreaterThan(padded[i]!);
        });
      }),
      { numRuns: 100 },
    );
  });
});

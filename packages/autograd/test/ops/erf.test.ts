import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { erf } from '../../src/ops/erf.js';

describe('erf (gelu\'s error function)', () => {
  it('matches tabulated values (Abramowitz & Stegun 7.1) to 1e-10', () => {
    const table: [number, number][] = [[0.1, 0.1124629160], [0.5, 0.5204998778], [1, 0.8427007929], [1.5, 0.9661051465], [2, 0.9953222650], [3, 0.9999779095]];
    for (const [x, value] of table) expect(Math.abs(erf(x) - value)).toBeLessThan(1e-10);
  });

  it('is odd, 0 at 0, and tends to ±1', () => {
    expect(erf(0)).toBe(0);
    expect(erf(30)).toBe(1);
    expect(erf(-30)).toBe(-1);
    fc.assert(fc.property(fc.double({ min: -8, max: 8, noNaN: true }), (x) => erf(-x) === -erf(x)));
  });

  it('has derivative 2/√π·e^(−x²), across the branch points 0.46875 and 4 too', () => {
    const h = 1e-5;
    const points = fc.oneof(fc.double({ min: -5, max: 5, noNaN: true }), fc.constantFrom(0.46875, -0.46875, 4, -4));
    fc.assert(fc.property(points, (x) => {
      const numerical = (erf(x + h) - erf(x - h)) / (2 * h);
      const exact = (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x);
      expect(Math.abs(numerical - exact)).toBeLessThan(1e-9);
    }), { numRuns: 300 });
  });
});

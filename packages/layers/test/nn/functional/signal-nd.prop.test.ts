import { gradcheck, gradgradcheck, randn, tanh, type Variable } from '@torchlet/autograd';
import { Generator, ShapeError, type Shape } from '@torchlet/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { functional as F } from '@torchlet/layers';
import { indexTuples } from '../../helpers/reference-conv-nd.js';

// convolveNd / correlateNd over 1 to 5 axes: the full result by its definition, each mode a window
// of it (scipy's), then gradients and second derivatives in both arguments by central differences.

const MODES = ['full', 'same', 'valid'] as const;

/** The full n-d convolution (or correlation) by its definition, and the window scipy's mode takes. */
function reference(a: Variable, k: Variable, mode: (typeof MODES)[number], flip: boolean): number[] {
  const n = a.shape;
  const m = k.shape;
  const av = a.data.toTypedArray();
  const kv = k.data.toTypedArray();
  const flat = (i: readonly number[], s: readonly number[]) => i.reduce((acc, v, d) => acc * s[d]! + v, 0);
  const windows = n.map((size, d) => {
    const km = m[d]!;
    if (mode === 'full') return [0, size + km - 1];
    if (mode === 'valid') return [Math.min(size, km) - 1, Math.abs(size - km) + 1];
    return [Math.floor((km - 1) / 2), size];
  });
  return indexTuples(windows.map(([, l]) => l!)).map((pos) => {
    const full = pos.map((p, d) => p + windows[d]![0]!);
    let sum = 0;
    for (const j of indexTuples(m)) {
      // convolve: a[i − j]·k[j]; correlate: a[i − (m − 1) + j]·k[j]
      const at = full.map((i, d) => (flip ? i - j[d]! : i - (m[d]! - 1) + j[d]!));
      if (at.some((v, d) => v < 0 || v >= n[d]!)) continue;
      sum += av[flat(at, n)]! * kv[flat(j, m)]!;
    }
    return sum;
  });
}

const arbShapes = (dims: number, valid: boolean) =>
  fc
    .tuple(
      fc.array(fc.integer({ min: 1, max: dims > 3 ? 3 : 4 }), { minLength: dims, maxLength: dims }),
      fc.array(fc.integer({ min: 1, max: dims > 3 ? 3 : 4 }), { minLength: dims, maxLength: dims }),
    )
    // 'valid' needs one array at least as large as the other on every axis.
    .filter(([a, k]) => !valid || a.every((d, i) => d >= k[i]!) || a.every((d, i) => d <= k[i]!));

const leaf = (shape: Shape, g: Generator): Variable =>
  randn(shape, { dtype: 'float64', generator: g, requiresGrad: true });

describe('convolveNd / correlateNd', () => {
  for (const dims of [1, 2, 3, 4, 5]) {
    for (const mode of MODES) {
      it(`${dims}-D '${mode}': the definition's window, and gradients in both arguments (float64)`, () => {
        fc.assert(
          fc.property(arbShapes(dims, mode === 'valid'), fc.integer(), ([as, ks], seed) => {
            const g = new Generator(seed);
            const a = leaf(as, g);
            const k = leaf(ks, g);
            for (const [op, flip] of [
              [F.convolveNd, true],
              [F.correlateNd, false],
            ] as const) {
              const y = op(a, k, mode);
              const want = reference(a, k, mode, flip);
              const got = Array.from(y.data.toTypedArray());
              expect(got.length).toBe(want.length);
              got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-10 * (1 + Math.abs(want[i]!))));
              gradcheck((a, k) => op(a!, k!, mode), [a, k]);
            }
          }),
          { numRuns: dims > 3 ? 6 : 12 },
        );
      });
    }

    it(`${dims}-D: second derivatives in both arguments (gradgradcheck)`, () => {
      fc.assert(
        fc.property(arbShapes(dims, false), fc.constantFrom(...MODES), fc.integer(), ([as, ks], mode, seed) => {
          fc.pre(mode !== 'valid' || as.every((d, i) => d >= ks[i]!) || as.every((d, i) => d <= ks[i]!));
          const g = new Generator(seed);
          gradgradcheck((a, k) => tanh(F.convolveNd(a!, k!, mode)), [leaf(as, g), leaf(ks, g)]);
          gradgradcheck((a, k) => tanh(F.correlateNd(a!, k!, mode)), [leaf(as, g), leaf(ks, g)]);
        }),
        { numRuns: dims > 3 ? 2 : 4 },
      );
    });
  }

  it('agree with convolve2d (every mode) and numpy-style convolve (full, valid) at low rank', () => {
    const g = new Generator(7);
    const same = (x: Variable, y: Variable) =>
      expect(Array.from(x.data.toTypedArray())).toEqual(Array.from(y.data.toTypedArray()));
    const a2 = leaf([5, 6], g);
    const k2 = leaf([2, 3], g);
    for (const mode of MODES) same(F.convolveNd(a2, k2, mode), F.convolve2d(a2, k2, mode));
    const a1 = leaf([7], g);
    const k1 = leaf([3], g);
    for (const mode of ['full', 'valid'] as const) same(F.convolveNd(a1, k1, mode), F.convolve(a1, k1, mode));
  });

  it('errors name the op and the arguments a and k', () => {
    const g = new Generator(1);
    expect(() => F.convolveNd(leaf([3, 3], g), leaf([2], g))).toThrow(ShapeError);
    expect(() => F.convolveNd(leaf([3, 3], g), leaf([2], g))).toThrow(
      'convolveNd: a and k must have the same number of axes, got [3, 3] and [2]',
    );
    expect(() => F.correlateNd(leaf([3, 2, 3, 3], g), leaf([2, 3, 2, 2], g), 'valid')).toThrow(
      "correlateNd: mode 'valid' needs one input at least as large as the other on every axis; a is [3, 2, 3, 3] and k is [2, 3, 2, 2]",
    );
    expect(() => F.correlateNd(leaf([3], g), leaf([2], g), 'circular' as never)).toThrow(
      "correlateNd: mode must be 'full', 'same' or 'valid', got 'circular'",
    );
  });
});

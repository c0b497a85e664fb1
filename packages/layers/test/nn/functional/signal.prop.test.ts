import { gradcheck, randn } from '@torchlet/autograd';
import * as T from '@torchlet/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { convolve, convolve2d, correlate2d, type SignalMode } from '../../../src/nn/functional/index.js';

const MODE = fc.constantFrom<SignalMode>('full', 'same', 'valid');

/** numpy.convolve from its definition: full[n] = Σ_k x[k]·w[n − k], then numpy's window. */
function referenceConvolve(x: Float64Array, w: Float64Array, mode: SignalMode): number[] {
  const n = x.length;
  const m = w.length;
  const full = new Array<number>(n + m - 1).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) full[i + j]! += x[i]! * w[j]!;
  const short = Math.min(n, m);
  const long = Math.max(n, m);
  if (mode === 'full') return full;
  if (mode === 'valid') return full.slice(short - 1, long);
  const start = Math.floor((short - 1) / 2);
  return full.slice(start, start + long);
}

describe('signal properties (float64)', () => {
  it('convolve matches the definition in every mode, for either argument longer', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        MODE,
        fc.integer(),
        (n, m, mode, seed) => {
          const g = new T.Generator(seed);
          const x = T.randn([n], { dtype: 'float64', generator: g });
          const w = T.randn([m], { dtype: 'float64', generator: g });
          const got = convolve(x, w, mode).data.toTypedArray();
          const want = referenceConvolve(x.data as Float64Array, w.data as Float64Array, mode);
          expect(got.length).toBe(want.length);
          want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 12));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('correlate2d(x, w) = convolve2d(x, w rotated 180°) in full and valid modes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom<SignalMode>('full', 'valid'),
        fc.integer(),
        (h, w, kh, kw, mode, seed) => {
          fc.pre(mode === 'full' || (h >= kh && w >= kw));
          const g = new T.Generator(seed);
          const x = T.randn([h, w], { dtype: 'float64', generator: g });
          const k = T.randn([kh, kw], { dtype: 'float64', generator: g });
          const rotated = T.tensor(Float64Array.from(k.toTypedArray()).reverse(), { shape: [kh, kw] });
          const a = correlate2d(x, k, mode);
          const b = convolve2d(x, rotated, mode);
          // both the size the mode promises (an empty result must not pass), then every value
          const size = (n: number, kn: number) => (mode === 'full' ? n + kn - 1 : n - kn + 1);
          expect(a.shape).toEqual([size(h, kh), size(w, kw)]);
          expect(b.shape).toEqual(a.shape);
          const bValues = b.data.toTypedArray();
          a.data.toTypedArray().forEach((v, i) => expect(v).toBeCloseTo(bValues[i]!, 12));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('gradients of convolve, convolve2d and correlate2d match central differences', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        MODE,
        fc.integer(),
        (h, w, kh, kw, mode, seed) => {
          const g = new T.Generator(seed);
          const x1 = randn([h + w], { dtype: 'float64', generator: g, requiresGrad: true });
          const w1 = randn([kh + kw], { dtype: 'float64', generator: g, requiresGrad: true });
          gradcheck((a, b) => convolve(a!, b!, mode), [x1, w1]);
          const validOk = (h >= kh && w >= kw) || (h <= kh && w <= kw);
          if (mode === 'valid' && !validOk) return;
          const x2 = randn([h, w], { dtype: 'float64', generator: g, requiresGrad: true });
          const w2 = randn([kh, kw], { dtype: 'float64', generator: g, requiresGrad: true });
          gradcheck((a, b) => convolve2d(a!, b!, mode), [x2, w2]);
          gradcheck((a, b) => correlate2d(a!, b!, mode), [x2, w2]);
        },
      ),
      { numRuns: 40 },
    );
  });
});

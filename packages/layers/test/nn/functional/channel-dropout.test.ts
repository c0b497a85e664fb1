import fc from 'fast-check';
import { gradcheck, randn, Variable } from '@torchlet/autograd';
import { Generator, ones, ShapeError, zeros } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { dropout1d, dropout2d, dropout3d } from '../../../src/nn/functional/dropout.js';
import { Dropout, Dropout1d, Dropout2d, Dropout3d } from '../../../src/nn/modules/dropout.js';

const ops = [
  [dropout1d, 1],
  [dropout2d, 2],
  [dropout3d, 3],
] as const;

describe('channel dropout (dropout1d/2d/3d)', () => {
  it('zeroes whole channels and scales the rest by 1/(1 − p); seeded', () => {
    for (const [op, dims] of ops) {
      const shape = [4, 6, ...Array<number>(dims).fill(3)];
      const plane = 3 ** dims;
      const y = op(ones(shape, { dtype: 'float64' }), { p: 0.5, generator: new Generator(7) }).data;
      const again = op(ones(shape, { dtype: 'float64' }), { p: 0.5, generator: new Generator(7) }).data;
      expect(Array.from(again.data)).toEqual(Array.from(y.data));
      const values = new Set<number>();
      for (let ch = 0; ch < 24; ch++) {
        const run = Array.from(y.data.subarray(ch * plane, (ch + 1) * plane));
        expect(new Set(run).size, `channel ${ch} is one value`).toBe(1);
        values.add(run[0]!);
      }
      expect([...values].sort()).toEqual([0, 2]);
    }
  });
  it('unbatched [C, ...] input, eval and p = 0 pass through, p = 1 drops all', () => {
    const x = ones([5, 4]);
    expect(dropout1d(x, { p: 1 }).data.toArray()).toEqual(zeros([5, 4]).toArray());
    const planes = ones([5, 2, 2]);
    expect(dropout2d(planes, { training: false }).data).toBe(planes);
    const v = new Variable(x);
    expect(dropout1d(v, { p: 0 })).toBe(v);
  });
  it('backward multiplies by the same mask (gradcheck, float64)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.constantFrom(0, 1, 2), (seed, which) => {
        const [op, dims] = ops[which]!;
        const x = randn([2, 3, ...Array<number>(dims).fill(2)], {
          dtype: 'float64',
          generator: new Generator(seed),
          requiresGrad: true,
        });
        gradcheck((x) => op(x, { p: 0.4, generator: new Generator(seed) }), [x], {
          eps: 1e-6,
          atol: 1e-5,
          rtol: 1e-3,
        });
      }),
      { numRuns: 20 },
    );
  });
  it('errors name the op and the argument', () => {
    expect(() => dropout2d(zeros([2, 3]))).toThrow(ShapeError);
    expect(() => dropout2d(zeros([2, 3]))).toThrow(
      /dropout2d: input must be \[N, C, H, W\] or \[C, H, W\], got \[2, 3\]/,
    );
    expect(() => dropout1d(zeros([2, 3, 4, 5]))).toThrow(/dropout1d: input must be \[N, C, L\] or \[C, L\]/);
    expect(() => dropout3d(zeros([2, 3, 4, 5]), { p: 2 })).toThrow(/dropout3d: p must be in \[0, 1\], got p=2/);
    expect(() => new Dropout2d(-1)).toThrow(/Dropout2d: p must be in \[0, 1\], got p=-1/);
  });
  it('modules: train drops channels, eval is the identity', () => {
    for (const [M, dims] of [
      [Dropout1d, 1],
      [Dropout2d, 2],
      [Dropout3d, 3],
    ] as const) {
      const m = new M(0.5, { generator: new Generator(1) });
      expect(m).toBeInstanceOf(Dropout);
      const x = ones([8, 4, ...Array<number>(dims).fill(2)]);
      const y = m.forward(x).data;
      expect(Array.from(y.data).some((v) => v === 0)).toBe(true);
      m.eval();
      expect(Array.from(m.forward(x).data.data)).toEqual(Array.from(x.data));
      expect(m.toString()).toBe(`Dropout${dims}d(p=0.5)`);
    }
  });
});

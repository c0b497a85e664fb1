import fc from 'fast-check';
import { randn, Variable } from '@torchlet/autograd';
import { Generator, ones, tensor, Tensor } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { dropout } from '../../../src/nn/functional/dropout.js';

describe('dropout', () => {
  it('zeroes about p of the elements and scales the rest by 1/(1 − p)', () => {
    const y = dropout(ones([10000], { dtype: 'float64' }), { p: 0.3, generator: new Generator(1) });
    const values = Array.from(y.data.data);
    const zerosCount = values.filter((v) => v === 0).length;
    expect(zerosCount / 10000).toBeGreaterThan(0.28);
    expect(zerosCount / 10000).toBeLessThan(0.32);
    expect(values.every((v) => v === 0 || v === 1 / 0.7)).toBe(true);
  });
  it('same generator seed → same mask; the gradient uses the same mask', () => {
    fc.assert(
      fc.property(fc.integer(), fc.double({ min: 0, max: 1, noNaN: true }), (seed, p) => {
        const x = randn([4, 5], { dtype: 'float64', generator: new Generator(seed), requiresGrad: true });
        const a = dropout(x, { p, generator: new Generator(seed) });
        const b = dropout(x, { p, generator: new Generator(seed) });
        expect(a.toArray()).toEqual(b.toArray());
        a.backward(ones([4, 5], { dtype: 'float64' }));
        const scale = p === 1 ? 0 : 1 / (1 - p);
        const grad = x.grad!.data;
        const out = a.data.data;
        for (let i = 0; i < 20; i++) {
          expect(grad[i]).toBe(out[i] === 0 && x.data.data[i] !== 0 ? 0 : scale);
        }
      }),
      { numRuns: 50 },
    );
  });
  it('identity when not training or p = 0; all zeros for p = 1', () => {
    const x = new Variable(tensor([1, 2, 3]));
    expect(dropout(x, { training: false })).toBe(x);
    expect(dropout(x, { p: 0 })).toBe(x);
    expect(dropout(tensor([1, 2]), { training: false }).toArray()).toEqual([1, 2]);
    expect(dropout(x, { p: 1 }).toArray()).toEqual([0, 0, 0]);
  });
  it('errors', () => {
    expect(() => dropout(tensor([1]), { p: 1.5 })).toThrow(RangeError);
    expect(() => dropout(tensor([1]), { p: 1.5 })).toThrow(/dropout: p must be in \[0, 1\], got p=1.5/);
    expect(() => dropout(tensor([1]), { training: 1 as never })).toThrow(/training must be a boolean/);
    expect(() => dropout(new Tensor(Int32Array.of(1), [1]))).toThrow(
      /input must be float32 or float64, got int32 \[1\]/,
    );
    expect(() => dropout(tensor([1]), { generator: {} as never })).toThrow(/generator must be a Generator/);
  });
});

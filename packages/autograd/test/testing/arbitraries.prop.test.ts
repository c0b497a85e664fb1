import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@torchlet/tensor';
import { arbBroadcastPair, arbShape, arbTensor } from '@torchlet/autograd/testing';

describe('arbShape', () => {
  it('keeps rank, axis sizes and element count within the options', () => {
    const options = { minRank: 1, maxRank: 3, minDim: 2, maxDim: 6, maxSize: 40 };
    fc.assert(
      fc.property(arbShape(options), (shape) => {
        expect(shape.length).toBeGreaterThanOrEqual(1);
        expect(shape.length).toBeLessThanOrEqual(3);
        for (const d of shape) expect(d >= 2 && d <= 6).toBe(true);
        expect(T.sizeOf(shape)).toBeLessThanOrEqual(40);
      }),
    );
  });

  it('produces scalars and every rank up to maxRank by default', () => {
    const ranks = new Set(fc.sample(arbShape(), { numRuns: 300, seed: 1 }).map((s) => s.length));
    expect([...ranks].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('rejects impossible options with a RangeError naming them', () => {
    expect(() => arbShape({ minRank: 3, maxRank: 2 })).toThrow(RangeError);
    expect(() => arbShape({ minRank: 3, maxRank: 2 })).toThrow(
      'arbShape: need 0 <= minRank <= maxRank, got minRank=3, maxRank=2',
    );
    expect(() => arbShape({ minRank: 3, minDim: 4, maxSize: 10 })).toThrow(
      'arbShape: maxSize=10 is below the smallest possible size 64 (minDim=4, minRank=3)',
    );
  });
});

describe('arbBroadcastPair', () => {
  it('gives shapes that broadcast, with rank differences, size-1 axes and equal pairs all occurring', () => {
    let rankDiffers = false;
    let hasOne = false;
    let equal = false;
    fc.assert(
      fc.property(arbBroadcastPair(), ([a, b]) => {
        T.broadcastShapes('test', a, b); // throws if they do not broadcast
        if (a.length !== b.length) rankDiffers = true;
        if ([...a, ...b].includes(1)) hasOne = true;
        if (T.sameShape(a, b)) equal = true;
      }),
      { numRuns: 300, seed: 2 },
    );
    expect([rankDiffers, hasOne, equal]).toEqual([true, true, true]);
  });
});

describe('arbTensor', () => {
  it('draws float64 values in [min, max) with the given shape', () => {
    fc.assert(
      fc.property(arbTensor([2, 3], { min: -0.5, max: 0.25 }), (t) => {
        expect(t.shape).toEqual([2, 3]);
        expect(t.dtype).toBe('float64');
        for (const v of T.contiguousData(t)) expect(v >= -0.5 && v < 0.25).toBe(true);
      }),
    );
  });

  it('int32 draws are integers in [min, max], bounds included', () => {
    const seen = new Set<number>();
    fc.assert(
      fc.property(arbTensor([8], { dtype: 'int32', min: -1, max: 1 }), (t) => {
        expect(t.dtype).toBe('int32');
        for (const v of T.contiguousData(t)) seen.add(v);
      }),
      { numRuns: 20, seed: 3 },
    );
    expect([...seen].sort()).toEqual([-1, 0, 1]);
  });

  it('replays: the same fast-check seed gives the same tensors', () => {
    const draw = () => fc.sample(arbTensor(), { numRuns: 5, seed: 42 }).map((t) => t.toArray());
    expect(draw()).toEqual(draw());
  });

  it('takes a shape arbitrary, and prints a counterexample by shape, dtype and seed', () => {
    const [t] = fc.sample(arbTensor(arbShape({ minRank: 2, maxRank: 2 })), { numRuns: 1, seed: 4 });
    expect(t!.ndim).toBe(2);
    expect(fc.stringify(t)).toMatch(
      /^Tensor\(shape=\[\d+, \d+\], dtype=float64, uniform \[-2, 2\) from Generator\(-?\d+\)\)$/,
    );
  });

  it('rejects min > max', () => {
    expect(() => arbTensor([2], { min: 1, max: 0 })).toThrow('arbTensor: min must be <= max, got min=1, max=0');
  });
});

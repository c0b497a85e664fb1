import { gradcheck, Variable } from '@torchlet/autograd';
import { arbTensor } from '@torchlet/autograd/testing';
import { Generator, randn, ShapeError } from '@torchlet/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Swish, swish } from '../src/swish.js';

// A user's property test: random shapes [N, C, ...] and random β, gradients against central differences.
const arbSwishCase = fc
  .tuple(
    fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 1, max: 4 }),
    fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 2 }),
  )
  .chain(([n, c, spatial]) =>
    fc.tuple(arbTensor([n, c, ...spatial], { min: -3, max: 3 }), arbTensor([c], { min: -2, max: 2 })),
  );

describe('Swish, a layer with a hand-written backward', () => {
  it('passes gradcheck for random shapes and slopes', () => {
    fc.assert(
      fc.property(arbSwishCase, ([x, beta]) => {
        expect(
          gradcheck(swish, [new Variable(x, { requiresGrad: true }), new Variable(beta, { requiresGrad: true })]),
        ).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('equals x·sigmoid(x) when β = 1 (SiLU)', () => {
    const x = randn([2, 3, 4], { dtype: 'float64', generator: new Generator(0) });
    const y = new Swish(3).forward(x).data.toTypedArray();
    const xs = x.toTypedArray();
    xs.forEach((v, i) => expect(y[i]).toBeCloseTo(v / (1 + Math.exp(-v)), 6));
  });

  it('rejects a β that does not match the channels', () => {
    const x = randn([2, 3, 4]);
    expect(() => swish(x, randn([4]))).toThrow(ShapeError);
    expect(() => swish(x, randn([4]))).toThrow(
      /beta must be \[C\] for input \[N, C, \.\.\.\]; got x \[2, 3, 4\], beta \[4\]/,
    );
  });
});

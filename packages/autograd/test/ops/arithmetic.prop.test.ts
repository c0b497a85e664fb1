import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@torchlet/tensor';
import { Generator } from '@torchlet/tensor';
import { add, div, gradcheck, mul, neg, pow, sub, Variable } from '@torchlet/autograd';
import { arbBroadcastPair, arbShape } from '@torchlet/autograd/testing';
import { awayFromZero, leaf, randnLeaf } from '../helpers/values.js';

const binary = { add: [add, T.add], sub: [sub, T.sub], mul: [mul, T.mul], div: [div, T.div] } as const;
const small = { maxSize: 24 };

describe('binary arithmetic over broadcast shapes', () => {
  for (const [name, [op, plain]] of Object.entries(binary)) {
    it(`${name}: forward equals the tensor op; backward matches central differences`, () => {
      fc.assert(
        fc.property(arbBroadcastPair(small), fc.integer(), ([aShape, bShape], seed) => {
          const g = new Generator(seed);
          const a = randnLeaf(aShape, g);
          // Denominators stay away from 0, where the quotient's derivative blows up.
          const b = leaf(
            name === 'div' ? awayFromZero(bShape, g) : T.randn(bShape, { dtype: 'float64', generator: g }),
          );
          const y = op(a, b);
          expect(y.data.toArray()).toEqual(plain(a.data, b.data).toArray());
          expect(y.shape).toEqual(T.broadcastShapes('test', aShape, bShape));
          gradcheck(op, [a, b]);
        }),
        { numRuns: 40 },
      );
    });

    it(`${name}: a number on either side is a constant`, () => {
      fc.assert(
        fc.property(arbShape(small), fc.double({ min: 0.5, max: 3, noNaN: true }), fc.integer(), (shape, c, seed) => {
          const g = new Generator(seed);
          const x = leaf(name === 'div' ? awayFromZero(shape, g) : T.randn(shape, { dtype: 'float64', generator: g }));
          expect(op(x, c).data.toArray()).toEqual(plain(x.data, c).toArray());
          expect(op(c, x).data.toArray()).toEqual(plain(c, x.data).toArray());
          gradcheck((x) => op(x, c), [x]);
          gradcheck((x) => op(c, x), [x]);
        }),
        { numRuns: 20 },
      );
    });
  }

  it('only the operands that require grad receive one', () => {
    fc.assert(
      fc.property(arbBroadcastPair(small), fc.integer(), ([aShape, bShape], seed) => {
        const g = new Generator(seed);
        const a = randnLeaf(aShape, g);
        const b = new Variable(T.randn(bShape, { dtype: 'float64', generator: g }));
        gradcheck(mul, [a, b]);
        const y = mul(a, b);
        y.backward(T.ones(y.shape, { dtype: 'float64' }));
        expect(b.grad).toBeNull();
        expect(a.grad!.shape).toEqual(aShape);
      }),
      { numRuns: 20 },
    );
  });
});

describe('neg and pow', () => {
  it('neg: forward and gradient', () => {
    fc.assert(
      fc.property(arbShape(small), fc.integer(), (shape, seed) => {
        const x = randnLeaf(shape, new Generator(seed));
        expect(neg(x).data.toArray()).toEqual(T.neg(x.data).toArray());
        gradcheck(neg, [x]);
      }),
      { numRuns: 20 },
    );
  });

  it('pow with a tensor exponent, broadcast: both gradients', () => {
    fc.assert(
      fc.property(arbBroadcastPair(small), fc.integer(), ([baseShape, expShape], seed) => {
        const g = new Generator(seed);
        // A positive base keeps log(base) — the exponent's gradient — real.
        const base = leaf(T.uniform(baseShape, 0.5, 2, { dtype: 'float64', generator: g }));
        const exponent = leaf(T.uniform(expShape, -2, 2, { dtype: 'float64', generator: g }));
        expect(pow(base, exponent).data.toArray()).toEqual(T.pow(base.data, exponent.data).toArray());
        gradcheck(pow, [base, exponent]);
      }),
      { numRuns: 40 },
    );
  });

  it('pow with a number exponent, negative bases included for integer exponents', () => {
    fc.assert(
      fc.property(arbShape(small), fc.integer({ min: -3, max: 4 }), fc.integer(), (shape, n, seed) => {
        const x = leaf(awayFromZero(shape, new Generator(seed)));
        gradcheck((x) => pow(x, n), [x]);
        gradcheck((x) => pow(x, n + 0.5), [leaf(T.abs(x.data))]);
      }),
      { numRuns: 30 },
    );
  });

  it('pow with a number base: d/dn cⁿ = cⁿ·log c', () => {
    fc.assert(
      fc.property(arbShape(small), fc.double({ min: 0.2, max: 3, noNaN: true }), fc.integer(), (shape, c, seed) => {
        const n = randnLeaf(shape, new Generator(seed));
        gradcheck((n) => pow(c, n), [n]);
      }),
      { numRuns: 20 },
    );
  });
});

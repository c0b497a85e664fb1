import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@torchlet/tensor';
import { Generator, type Tensor } from '@torchlet/tensor';
import {
  abs,
  clamp,
  exp,
  gelu,
  gradcheck,
  leakyRelu,
  log,
  relu,
  sigmoid,
  sqrt,
  tanh,
  type Variable,
} from '@torchlet/autograd';
import { arbShape } from '@torchlet/autograd/testing';
import { avoid, awayFromZero, expectClose, leaf } from '../helpers/values.js';

const shapes = arbShape({ maxSize: 32 });
const normal = (shape: number[], g: Generator) => T.randn(shape, { dtype: 'float64', generator: g });
const positive = (shape: number[], g: Generator) => T.uniform(shape, 0.3, 3, { dtype: 'float64', generator: g });

// Each op with its tensor-package forward and a domain where central differences are valid.
const cases: [string, (x: Variable) => Variable, (x: Tensor) => Tensor, (shape: number[], g: Generator) => Tensor][] = [
  ['exp', exp, T.exp, normal],
  ['log', log, T.log, positive],
  ['sqrt', sqrt, T.sqrt, positive],
  ['abs', abs, T.abs, awayFromZero],
  ['tanh', tanh, T.tanh, normal],
  ['sigmoid', sigmoid, T.sigmoid, (s, g) => T.mul(normal(s, g), 4)],
  ['relu', relu, T.relu, awayFromZero],
];

describe('unary ops', () => {
  for (const [name, op, plain, domain] of cases) {
    it(`${name}: forward equals the tensor op; backward matches central differences`, () => {
      fc.assert(
        fc.property(shapes, fc.integer(), (shape, seed) => {
          const x = leaf(domain(shape, new Generator(seed)));
          expect(op(x).data.toArray()).toEqual(plain(x.data).toArray());
          gradcheck(op, [x]);
        }),
        { numRuns: 30 },
      );
    });
  }

  it('leakyRelu: any slope', () => {
    fc.assert(
      fc.property(shapes, fc.double({ min: -2, max: 2, noNaN: true }), fc.integer(), (shape, slope, seed) => {
        const x = leaf(awayFromZero(shape, new Generator(seed)));
        expect(leakyRelu(x, slope).data.toArray()).toEqual(T.leakyRelu(x.data, slope).toArray());
        gradcheck((x) => leakyRelu(x, slope), [x]);
        gradcheck((x) => leakyRelu(x), [x]);
      }),
      { numRuns: 30 },
    );
  });

  it('gelu: both forms against their formulas (erf from the tensor package), within 1e-3 of each other; both gradients', () => {
    fc.assert(
      fc.property(shapes, fc.integer(), (shape, seed) => {
        const x = leaf(T.mul(normal(shape, new Generator(seed)), 2));
        const inner = T.mul(Math.sqrt(2 / Math.PI), T.add(x.data, T.mul(0.044715, T.pow(x.data, 3))));
        const tanhForm = T.mul(T.mul(x.data, 0.5), T.add(1, T.tanh(inner)));
        expectClose(gelu(x, { approximate: 'tanh' }).data, tanhForm, 1e-14, 1e-15);
        const exactForm = T.mul(T.mul(x.data, 0.5), T.add(1, T.erf(T.mul(x.data, Math.SQRT1_2))));
        expectClose(gelu(x).data, exactForm, 1e-14, 1e-15);
        // The approximation is within 5e-4 of x·Φ(x) everywhere.
        expectClose(exactForm, tanhForm, 0, 1e-3);
        gradcheck((x) => gelu(x), [x]);
        gradcheck((x) => gelu(x, { approximate: 'tanh' }), [x]);
      }),
      { numRuns: 30 },
    );
  });

  it('clamp: gradient 1 inside the bounds, 0 outside; either bound may be missing', () => {
    const bounds = fc.tuple(
      fc.double({ min: -1.5, max: 0, noNaN: true }),
      fc.double({ min: 0, max: 1.5, noNaN: true }),
    );
    const which = fc.constantFrom('both', 'min', 'max');
    fc.assert(
      fc.property(shapes, bounds, which, fc.integer(), (shape, [lo, hi], kind, seed) => {
        const min = kind === 'max' ? undefined : lo;
        const max = kind === 'min' ? undefined : hi;
        // Finite differences across a bound would see half a kink.
        const x = leaf(avoid(normal(shape, new Generator(seed)), [lo, hi]));
        expect(clamp(x, min, max).data.toArray()).toEqual(T.clamp(x.data, min, max).toArray());
        gradcheck((x) => clamp(x, min, max), [x]);
      }),
      { numRuns: 30 },
    );
  });
});

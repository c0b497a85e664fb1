import { describe, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@torchlet/tensor';
import {
  abs,
  add,
  amax,
  clamp,
  concat,
  div,
  exp,
  expand,
  gelu,
  indexSelect,
  gradgradcheck,
  leakyRelu,
  log,
  logSoftmax,
  logsumexp,
  matmul,
  maxWithIndices,
  minWithIndices,
  mean,
  mul,
  narrow,
  pad,
  permute,
  relu,
  reshape,
  sigmoid,
  slice,
  softmax,
  sqrt,
  stack,
  sub,
  sum,
  tanh,
  transpose,
  variance,
  Variable,
} from '@torchlet/autograd';
import { arbBroadcastPair, arbShape } from '@torchlet/autograd/testing';

// Second derivatives of the differentiable backwards, against central differences of the first
// derivatives (float64), over random shapes and values drawn from the seed.
const leaf = (shape: number[], seed: number, positive = false) => {
  const t = T.randn(shape, { dtype: 'float64', generator: new T.Generator(seed) });
  // Keep away from kinks (abs, relu at 0) and from the edge of log/sqrt's domain.
  const away = T.add(t, T.mul(T.sign(t), 0.2));
  return new Variable(positive ? T.add(T.abs(away), 0.5) : away, { requiresGrad: true });
};
const runs = { numRuns: 12 };

describe('gradgradcheck: second derivatives of the autograd ops', () => {
  it('broadcasting arithmetic', () => {
    fc.assert(
      fc.property(arbBroadcastPair({ maxRank: 3, maxSize: 3 }), fc.integer(), ([sa, sb], seed) => {
        const a = leaf(sa, seed);
        const b = leaf(sb, seed + 1, true);
        gradgradcheck((a, b) => add(mul(a, b), sub(a, b)), [a, b]);
        gradgradcheck((a, b) => div(mul(a, a), b), [a, b]);
      }),
      runs,
    );
  });

  it('unary ops', () => {
    fc.assert(
      fc.property(arbShape({ maxRank: 3, maxSize: 3 }), fc.integer(), (shape, seed) => {
        const x = leaf(shape, seed);
        const p = leaf(shape, seed, true);
        for (const f of [exp, tanh, sigmoid, (v: Variable) => mul(relu(v), v), (v: Variable) => mul(abs(v), v)])
          gradgradcheck((v) => f(v), [x]);
        gradgradcheck((v) => mul(leakyRelu(v, 0.2), v), [x]);
        gradgradcheck((v) => mul(clamp(v, -0.5, 0.5), v), [x]);
        gradgradcheck((v) => gelu(v), [x]);
        gradgradcheck((v) => gelu(v, { approximate: 'tanh' }), [x]);
        gradgradcheck((v) => log(v), [p]);
        gradgradcheck((v) => sqrt(v), [p]);
      }),
      runs,
    );
  });

  it('reductions, softmax and logSoftmax', () => {
    fc.assert(
      fc.property(arbShape({ minRank: 1, maxRank: 3, maxSize: 3 }), fc.integer(), (shape, seed) => {
        const x = leaf(shape, seed);
        const dim = Math.abs(seed) % shape.length;
        gradgradcheck((v) => mul(sum(mul(v, v), dim), mean(v)), [x]);
        gradgradcheck((v) => mul(amax(v, dim), amax(v, dim)), [x]);
        for (const extreme of [maxWithIndices, minWithIndices]) {
          gradgradcheck((v) => mul(extreme(v, dim).values, extreme(v, dim).values), [x]);
          gradgradcheck((v) => mul(extreme(v, dim, true).values, v), [x]);
        }
        gradgradcheck((v) => logsumexp(v, dim), [x]);
        gradgradcheck((v) => softmax(v, dim), [x]);
        gradgradcheck((v) => logSoftmax(v, dim), [x]);
        if (shape[dim]! > 1) gradgradcheck((v) => variance(v, dim), [x]);
      }),
      runs,
    );
  });

  it('matmul, batched and 1-D', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer(), (m, k, seed) => {
        gradgradcheck((a, b) => matmul(a, b), [leaf([2, m, k], seed), leaf([k, 2], seed + 1)]);
        gradgradcheck((a, b) => matmul(a, b), [leaf([k], seed), leaf([k, m], seed + 1)]);
      }),
      runs,
    );
  });

  it('movement ops and padding in every mode', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const x = leaf([2, 3, 4], seed);
        const square = (f: (v: Variable) => Variable) => (v: Variable) => mul(f(v), f(v));
        gradgradcheck(
          square((v) => permute(v, [2, 0, 1])),
          [x],
        );
        gradgradcheck(
          square((v) => transpose(reshape(v, [6, 4]), 0, 1)),
          [x],
        );
        gradgradcheck(
          square((v) => expand(narrow(v, 2, 1, 1), [2, 2, 3, 3])),
          [x],
        );
        gradgradcheck(
          square((v) => concat([v, narrow(v, 1, 0, 2)], 1)),
          [x],
        );
        gradgradcheck(
          square((v) => stack([v, v], 0)),
          [x],
        );
        gradgradcheck(
          square((v) => slice(v, 2, -3, undefined, 2)),
          [x],
        );
        gradgradcheck(
          square((v) => slice(v, 1, 0, 3, 2)),
          [x],
        );
        // Repeated indices: their gradients add, and so do their second derivatives.
        gradgradcheck(
          square((v) => indexSelect(v, 2, [3, 0, 3, 1])),
          [x],
        );
        for (const mode of ['constant', 'reflect', 'replicate', 'circular'] as const)
          gradgradcheck(
            square((v) => pad(v, [[1, 2]], { mode })),
            [x],
          );
      }),
      { numRuns: 4 },
    );
  });
});

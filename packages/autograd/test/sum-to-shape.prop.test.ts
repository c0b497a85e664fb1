import { describe, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@torchlet/tensor';
import { Generator } from '@torchlet/tensor';
import { sumToShape } from '@torchlet/autograd';
import { arbBroadcastPair } from '@torchlet/autograd/testing';
import { expectClose } from './helpers/values.js';

describe('sumToShape', () => {
  it("equals summing the stretched and leading axes with the tensor package's sum", () => {
    fc.assert(
      fc.property(arbBroadcastPair(), fc.integer(), ([shape, other], seed) => {
        const full = T.broadcastShapes('test', shape, other);
        const grad = T.randn(full, { dtype: 'float64', generator: new Generator(seed) });
        const lead = full.length - shape.length;
        const axes = full.flatMap((_, i) => (i < lead || shape[i - lead] === 1 ? [i] : []));
        const expected = T.reshape(T.sum(grad, axes, true), shape);
        expectClose(sumToShape(grad, shape), expected, 1e-12, 1e-12);
      }),
      { numRuns: 100 },
    );
  });

  it('is the adjoint of broadcasting: ⟨expand(x), g⟩ = ⟨x, sumToShape(g)⟩', () => {
    fc.assert(
      fc.property(arbBroadcastPair(), fc.integer(), ([shape, other], seed) => {
        const g = new Generator(seed);
        const full = T.broadcastShapes('test', shape, other);
        const x = T.randn(shape, { dtype: 'float64', generator: g });
        const grad = T.randn(full, { dtype: 'float64', generator: g });
        const left = T.sum(T.mul(T.expand(x, full), grad)).item();
        const right = T.sum(T.mul(x, sumToShape(grad, shape))).item();
        return Math.abs(left - right) <= 1e-10 * (1 + Math.abs(left));
      }),
      { numRuns: 100 },
    );
  });
});

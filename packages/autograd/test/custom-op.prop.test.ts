import { describe, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@torchlet/tensor';
import type { Tensor } from '@torchlet/tensor';
import { defineOp, gradcheck, sumToShape, Variable, type ForwardContext } from '@torchlet/autograd';
import { arbBroadcastPair, arbTensor } from '@torchlet/autograd/testing';

// softplus(x) = log(1 + eˣ), computed without overflow; its derivative is sigmoid(x).
const softplus = defineOp({
  name: 'softplus',
  forward(ctx: ForwardContext<{ x: Tensor }>, x: Tensor): Tensor {
    ctx.save({ x });
    return T.add(T.relu(x), T.log1p(T.exp(T.neg(T.abs(x)))));
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    const { x } = ctx.saved;
    return [T.mul(gradOutput, T.sigmoid(x))];
  },
});

// A gated unit, x · sigmoid(gate), where gate broadcasts against x (e.g. one gate per channel).
const gated = defineOp({
  name: 'gated',
  forward(ctx: ForwardContext<{ x: Tensor; gate: Tensor; s: Tensor }>, x: Tensor, gate: Tensor): Tensor {
    const s = T.sigmoid(gate);
    ctx.save({ x, gate, s });
    return T.mul(x, s);
  },
  backward(ctx, gradOutput: Tensor): [Tensor | null, Tensor | null] {
    const { x, gate, s } = ctx.saved;
    return [
      ctx.needsInputGrad[0] ? sumToShape(T.mul(gradOutput, s), x.shape) : null,
      ctx.needsInputGrad[1] ? sumToShape(T.mul(T.mul(gradOutput, x), T.mul(s, T.sub(1, s))), gate.shape) : null,
    ];
  },
});

const leaf = (t: Tensor) => new Variable(t, { requiresGrad: true });

describe('custom ops, checked against central differences', () => {
  it('softplus on random shapes and values', () => {
    fc.assert(
      fc.property(arbTensor(undefined, { min: -5, max: 5 }), (x) => {
        gradcheck(softplus, [leaf(x)]);
      }),
      { numRuns: 50 },
    );
  });

  it('gated on random broadcast-compatible shapes', () => {
    const inputs = arbBroadcastPair().chain(([xShape, gateShape]) => fc.tuple(arbTensor(xShape), arbTensor(gateShape)));
    fc.assert(
      fc.property(inputs, ([x, gate]) => {
        gradcheck(gated, [leaf(x), leaf(gate)]);
      }),
      { numRuns: 50 },
    );
  });
});

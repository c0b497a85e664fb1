import { describe, expect, it } from 'vitest';
import { indexSelect, maxWithIndices, slice, Variable } from '@torchlet/autograd';
import { functional as F } from '@torchlet/layers';
import { fromFixture, loadFixture, type FixtureTensor } from '../../helpers/fixtures.js';
import { expectSecondDerivatives, type Derivatives } from '../../helpers/second-derivatives.js';

// PyTorch's second derivatives of the activations, slice/indexSelect/max, interpolate, the signal
// ops, BCE-with-logits and layer/group/instance norm (fixtures/generate/double_backward_ops.py).
interface Case extends Derivatives {
  op: string;
  options: Record<string, unknown>;
  params: FixtureTensor[];
}

const fixture = loadFixture<{ cases: Case[] }>('double_backward_ops');
const param = (t: FixtureTensor) => new Variable(fromFixture(t), { requiresGrad: true });
const constant = (o: Record<string, unknown>, key: string) => fromFixture(o[key] as FixtureTensor);

/** The Torchlet call of each case: params first, constants from the options. */
const OPS: Record<string, (o: Record<string, unknown>, ...p: Variable[]) => Variable> = {
  gelu: (o, x) => F.gelu(x!, { approximate: o.approximate as 'none' | 'tanh' }),
  elu: (o, x) => F.elu(x!, { alpha: o.alpha as number }),
  silu: (_, x) => F.silu(x!),
  hardswish: (_, x) => F.hardswish(x!),
  softplus: (o, x) => F.softplus(x!, { beta: o.beta as number, threshold: o.threshold as number }),
  mish: (_, x) => F.mish(x!),
  prelu: (_, x, w) => F.prelu(x!, w!),
  slice: (o, x) => slice(x!, o.dim as number, o.start as number, undefined, o.step as number),
  indexSelect: (o, x) => indexSelect(x!, o.dim as number, o.index as number[]),
  maxAlong: (o, x) => maxWithIndices(x!, o.dim as number).values,
  interpolate: (o, x) =>
    F.interpolate(x!, {
      size: o.size as number[],
      mode: o.mode as F.InterpolateMode,
      ...(o.alignCorners === undefined ? {} : { alignCorners: o.alignCorners as boolean }),
    }),
  convolve: (o, x, w) => F.convolve(x!, w!, o.mode as F.SignalMode),
  correlate2d: (o, x, w) => F.correlate2d(x!, w!, o.mode as F.SignalMode),
  binaryCrossEntropyWithLogits: (o, x, t) =>
    F.binaryCrossEntropyWithLogits(x!, t ?? constant(o, 'target'), {
      reduction: o.reduction as F.Reduction,
      weight: o.weight ? constant(o, 'weight') : null,
      posWeight: o.posWeight ? constant(o, 'posWeight') : null,
    }),
  layerNorm: (o, x, w, b) => F.layerNorm(x!, o.normalizedShape as number[], { weight: w, bias: b }),
  groupNorm: (o, x, w, b) => F.groupNorm(x!, o.numGroups as number, { weight: w, bias: b }),
  instanceNorm: (_, x, w, b) => F.instanceNorm(x!, { weight: w, bias: b }),
};

describe('second derivatives of the remaining ops match PyTorch (Hessian-vector products, gradient-norm gradients)', () => {
  it('has every case, and every op of the fixture has a Torchlet call', () => {
    expect(fixture.cases.length).toBe(22);
    expect(new Set(fixture.cases.map((c) => c.op))).toEqual(new Set(Object.keys(OPS)));
  });
  for (const c of fixture.cases) {
    it(c.name, () => {
      expectSecondDerivatives(c, (...p) => OPS[c.op]!(c.options, ...p), c.params.map(param));
    });
  }
});

import { Variable } from '@torchlet/autograd';
import { functional as F } from '@torchlet/layers';
import { describe, expect, it } from 'vitest';
import { fromFixture, loadFixture, type FixtureTensor } from '../../helpers/fixtures.js';
import { describeOpGoldens, type OpRunner } from '../../helpers/op-golden.js';
import { expectSecondDerivatives, type Derivatives } from '../../helpers/second-derivatives.js';

// fixtures/generate/loss_more.py: every loss's output, input and target gradients (float64 and
// float32), and second derivatives over [input, target] (float64).

type LossFn = (input: Variable, target: Variable, options: Record<string, unknown>) => Variable;
const LOSSES: Record<string, LossFn> = {
  l1Loss: F.l1Loss,
  smoothL1Loss: F.smoothL1Loss,
  huberLoss: F.huberLoss,
  binaryCrossEntropy: F.binaryCrossEntropy,
  binaryCrossEntropyWithLogits: F.binaryCrossEntropyWithLogits,
  klDiv: F.klDiv,
};

/** Tensor options (weight, posWeight) in the input's dtype; the rest as written. */
function options(raw: Record<string, unknown>, dtype: 'float64' | 'float32'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    out[k] = v !== null && typeof v === 'object' && 'shape' in v ? fromFixture(v as FixtureTensor, dtype) : v;
  }
  return out;
}

const runners: Record<string, OpRunner> = {};
for (const [op, loss] of Object.entries(LOSSES)) {
  runners[op] = ({ input, target }, o) => loss(input!, target!, options(o, input!.dtype as 'float64' | 'float32'));
}
describeOpGoldens('loss_more', runners, {
  l1Loss: 4,
  smoothL1Loss: 7,
  huberLoss: 6,
  binaryCrossEntropy: 6,
  binaryCrossEntropyWithLogits: 6,
  klDiv: 10,
});

const { secondDerivatives } = loadFixture<{
  secondDerivatives: (Derivatives & {
    op: string;
    input: FixtureTensor;
    target: FixtureTensor;
    options: Record<string, unknown>;
  })[];
}>('loss_more');

describe('loss second derivatives match PyTorch 1.13 (Hessian-vector products, gradient of the gradient norm)', () => {
  it('covers every loss but l1Loss (whose second derivatives are 0; see loss_more.py)', () => {
    expect(new Set(secondDerivatives.map((c) => c.op))).toEqual(
      new Set(Object.keys(LOSSES).filter((op) => op !== 'l1Loss')),
    );
  });
  for (const c of secondDerivatives) {
    it(c.name, () => {
      const param = (t: FixtureTensor): Variable => new Variable(fromFixture(t), { requiresGrad: true });
      const o = options(c.options, 'float64');
      expectSecondDerivatives(c, (x, t) => LOSSES[c.op]!(x, t, o), [param(c.input), param(c.target)]);
    });
  }
});

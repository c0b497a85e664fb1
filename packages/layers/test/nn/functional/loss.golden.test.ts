import { Variable } from '@torchlet/autograd';
import { Tensor } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { crossEntropy, nllLoss } from '../../../src/nn/functional/loss.js';
import { mseLoss } from '../../../src/nn/functional/regression-loss.js';
import { binaryCrossEntropyWithLogits } from '../../../src/nn/functional/binary-cross-entropy.js';
import { expectClose, fromFixture, loadFixture, type FixtureTensor } from '../../helpers/fixtures.js';
import { itHasCases } from '../../helpers/golden-counts.js';

interface LossCase {
  name: string;
  op: 'crossEntropy' | 'nllLoss' | 'mseLoss' | 'binaryCrossEntropyWithLogits';
  input: FixtureTensor;
  target: FixtureTensor;
  targetKind: 'indices' | 'values';
  options: Record<string, unknown>;
  output: FixtureTensor;
  gradInput: FixtureTensor;
}

const { cases } = loadFixture<{ cases: LossCase[] }>('loss');
itHasCases('loss.json', cases, { crossEntropy: 36, nllLoss: 10, mseLoss: 7, binaryCrossEntropyWithLogits: 14 });
itHasCases('loss.json', cases, { mean: 29, sum: 19, none: 19 }, (c) => c.options.reduction ?? 'mean');

function options(c: LossCase, dtype: 'float64' | 'float32'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.options)) {
    out[k] =
      v !== null && typeof v === 'object' && 'shape' in (v as object) ? fromFixture(v as FixtureTensor, dtype) : v;
  }
  return out;
}

function run(c: LossCase, dtype: 'float64' | 'float32'): { loss: Variable; x: Variable } {
  const x = new Variable(fromFixture(c.input, dtype), { requiresGrad: true });
  const target: Tensor = c.targetKind === 'indices' ? fromFixture(c.target, 'int32') : fromFixture(c.target, dtype);
  const o = options(c, dtype);
  const loss =
    c.op === 'crossEntropy'
      ? crossEntropy(x, target, o)
      : c.op === 'nllLoss'
        ? nllLoss(x, target, o)
        : c.op === 'mseLoss'
          ? mseLoss(x, target, o)
          : binaryCrossEntropyWithLogits(x, target, o);
  return { loss, x };
}

describe('losses match PyTorch 1.13', () => {
  it('has every op', () => {
    expect(new Set(cases.map((c) => c.op))).toEqual(
      new Set(['crossEntropy', 'nllLoss', 'mseLoss', 'binaryCrossEntropyWithLogits']),
    );
  });
  for (const c of cases) {
    it(`${c.name} (float64)`, () => {
      const { loss, x } = run(c, 'float64');
      expectClose(loss.data, c.output, 1e-9, 1e-12, 'output');
      loss.backward(new Tensor(new Float64Array(loss.size).fill(1), loss.shape));
      expectClose(x.grad!, c.gradInput, 1e-9, 1e-12, 'gradInput');
    });
    it(`${c.name} (float32)`, () => {
      const { loss, x } = run(c, 'float32');
      expect(loss.dtype).toBe('float32');
      expectClose(loss.data, c.output, 1e-4, 1e-5, 'output');
      loss.backward(new Tensor(new Float32Array(loss.size).fill(1), loss.shape));
      expectClose(x.grad!, c.gradInput, 1e-4, 1e-5, 'gradInput');
    });
  }
});

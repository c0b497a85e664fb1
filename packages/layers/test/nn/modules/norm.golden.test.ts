import { Variable } from '@torchlet/autograd';
import { describe, expect, it } from 'vitest';
import { BatchNorm1d, BatchNorm2d } from '../../../src/nn/modules/norm.js';
import { expectClose, fromFixture, loadFixture, type FixtureTensor } from '../../helpers/fixtures.js';
import { itHasCases } from '../../helpers/golden-counts.js';

interface Step {
  input: FixtureTensor;
  gradOutput: FixtureTensor;
  output: FixtureTensor;
  runningMean: FixtureTensor;
  runningVar: FixtureTensor;
  numBatchesTracked: number;
  gradInput: FixtureTensor;
  gradWeight: FixtureTensor | null;
  gradBias: FixtureTensor | null;
}
interface BatchNormCase {
  name: string;
  module: 'BatchNorm1d' | 'BatchNorm2d';
  numFeatures: number;
  options: { eps: number; momentum: number; affine: boolean };
  weight: FixtureTensor | null;
  bias: FixtureTensor | null;
  steps: Step[];
  eval: { input: FixtureTensor; output: FixtureTensor };
}

const { cases } = loadFixture<{ cases: BatchNormCase[] }>('batchnorm');
itHasCases('batchnorm.json', cases, { BatchNorm1d: 7, BatchNorm2d: 4 }, (c) => c.module);

for (const dtype of ['float64', 'float32'] as const) {
  const [rtol, atol] = dtype === 'float64' ? [1e-9, 1e-12] : [1e-4, 1e-5];
  describe(`BatchNorm matches PyTorch 1.13 over 3 training steps and eval (${dtype})`, () => {
    for (const c of cases) {
      it(c.name, () => {
        const Ctor = c.module === 'BatchNorm1d' ? BatchNorm1d : BatchNorm2d;
        const bn = new Ctor(c.numFeatures, { ...c.options, dtype });
        if (c.weight) bn.weight!.data.data.set(fromFixture(c.weight, dtype).data);
        if (c.bias) bn.bias!.data.data.set(fromFixture(c.bias, dtype).data);
        c.steps.forEach((step, s) => {
          bn.zeroGrad();
          const x = new Variable(fromFixture(step.input, dtype), { requiresGrad: true });
          const y = bn.forward(x);
          expectClose(y.data, step.output, rtol, atol, `step ${s} output`);
          y.backward(fromFixture(step.gradOutput, dtype));
          expectClose(x.grad!, step.gradInput, rtol, atol, `step ${s} gradInput`);
          if (step.gradWeight) expectClose(bn.weight!.grad!, step.gradWeight, rtol, atol, `step ${s} gradWeight`);
          if (step.gradBias) expectClose(bn.bias!.grad!, step.gradBias, rtol, atol, `step ${s} gradBias`);
          expectClose(bn.runningMean!, step.runningMean, rtol, atol, `step ${s} runningMean`);
          expectClose(bn.runningVar!, step.runningVar, rtol, atol, `step ${s} runningVar`);
          expect(bn.numBatchesTracked).toBe(step.numBatchesTracked);
        });
        bn.eval();
        const y = bn.forward(fromFixture(c.eval.input, dtype));
        expectClose(y.data, c.eval.output, rtol, atol, 'eval output');
        expect(bn.numBatchesTracked).toBe(3);
      });
    }
  });
}

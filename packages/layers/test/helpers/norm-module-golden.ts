import { Variable } from '@torchlet/autograd';
import type { Tensor } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import type { Layer } from '../../src/nn/modules/module.js';
import type { Parameter } from '../../src/nn/modules/parameter.js';
import { expectClose, fromFixture, loadFixture, type FixtureTensor } from './fixtures.js';
import { itHasCases } from './golden-counts.js';

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
interface NormModuleCase {
  name: string;
  module: string;
  numFeatures: number;
  options: { eps: number; momentum: number; affine: boolean };
  weight: FixtureTensor | null;
  bias: FixtureTensor | null;
  steps: Step[];
  eval: { input: FixtureTensor; output: FixtureTensor };
}

/** What the test needs of a normalisation layer with running statistics. */
export interface NormModule extends Layer {
  weight: Parameter | null;
  bias: Parameter | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly num_batches_tracked: Tensor | null;
}

/**
 * One test per module case written by `fixtures/generate/batchnorm.py`'s `make_case` (in `key` of
 * `fixtures/torch/<file>.json`): a fresh module, 3 training steps (output, every gradient, running
 * statistics, batch count), then eval, in float64 and float32; `counts` are the cases per module.
 */
export function describeNormModuleGoldens(
  file: string,
  key: string,
  make: Record<string, (numFeatures: number, options: Record<string, unknown>) => NormModule>,
  counts: Record<string, number>,
): void {
  const cases = loadFixture<Record<string, NormModuleCase[]>>(file)[key]!;
  itHasCases(`${file}.json ${key}`, cases, counts, (c) => c.module);
  for (const dtype of ['float64', 'float32'] as const) {
    const [rtol, atol] = dtype === 'float64' ? [1e-9, 1e-12] : [1e-4, 1e-5];
    describe(`${file} ${key} match PyTorch 1.13 over 3 training steps and eval (${dtype})`, () => {
      for (const c of cases) {
        it(c.name, () => {
          const bn = make[c.module]!(c.numFeatures, { ...c.options, dtype });
          if (c.weight) bn.weight!.data.data.set(fromFixture(c.weight, dtype).data);
          if (c.bias) bn.bias!.data.data.set(fromFixture(c.bias, dtype).data);
          const batches = () => bn.num_batches_tracked!.data[bn.num_batches_tracked!.offset];
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
            expect(batches()).toBe(step.numBatchesTracked);
          });
          const counted = batches();
          bn.eval();
          const y = bn.forward(fromFixture(c.eval.input, dtype));
          expectClose(y.data, c.eval.output, rtol, atol, 'eval output');
          expect(batches()).toBe(counted);
        });
      }
    });
  }
}

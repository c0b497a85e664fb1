import { variable } from '@torchlet/autograd';
import { describe, it } from 'vitest';
import { convTranspose1d, convTranspose2d, type ConvTransposeOptions } from '../../src/functional/index.js';
import { expectClose, fromFixture, loadFixture, type FixtureTensor } from '../helpers/conv-fixtures.js';

interface ConvTransposeCase {
  name: string;
  op: 'convTranspose1d' | 'convTranspose2d';
  input: FixtureTensor;
  weight: FixtureTensor;
  bias: FixtureTensor | null;
  options: ConvTransposeOptions;
  gradOutput: FixtureTensor;
  output: FixtureTensor;
  gradInput: FixtureTensor;
  gradWeight: FixtureTensor;
  gradBias: FixtureTensor | null;
}

const OPS = { convTranspose1d, convTranspose2d };
const { cases } = loadFixture<ConvTransposeCase>('conv_transpose.json');

for (const dtype of ['float64', 'float32'] as const) {
  describe(`convTranspose goldens vs PyTorch 1.13 (${dtype})`, () => {
    for (const c of cases) {
      it(c.name, () => {
        const x = variable(fromFixture(c.input, dtype), { requiresGrad: true });
        const w = variable(fromFixture(c.weight, dtype), { requiresGrad: true });
        const b = c.bias ? variable(fromFixture(c.bias, dtype), { requiresGrad: true }) : null;
        const y = OPS[c.op](x, w, b, c.options);
        expectClose(y, c.output, dtype, 'output');
        y.backward(fromFixture(c.gradOutput, dtype));
        expectClose(x.grad, c.gradInput, dtype, 'gradInput');
        expectClose(w.grad, c.gradWeight, dtype, 'gradWeight');
        if (c.gradBias) expectClose(b!.grad, c.gradBias, dtype, 'gradBias');
      });
    }
  });
}

import { variable } from '@torchlet/autograd';
import { describe, it } from 'vitest';
import { conv1d, conv2d, conv3d, type ConvOptions } from '../../src/functional/index.js';
import { expectClose, fromFixture, loadFixture, type FixtureTensor } from '../helpers/conv-fixtures.js';

interface ConvCase {
  name: string;
  op: 'conv1d' | 'conv2d' | 'conv3d';
  input: FixtureTensor;
  weight: FixtureTensor;
  bias: FixtureTensor | null;
  options: ConvOptions;
  gradOutput: FixtureTensor;
  output: FixtureTensor;
  gradInput: FixtureTensor;
  gradWeight: FixtureTensor;
  gradBias: FixtureTensor | null;
}

const OPS = { conv1d, conv2d, conv3d };
const { cases } = loadFixture<ConvCase>('conv.json');

for (const dtype of ['float64', 'float32'] as const) {
  describe(`conv goldens vs PyTorch 1.13 (${dtype})`, () => {
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

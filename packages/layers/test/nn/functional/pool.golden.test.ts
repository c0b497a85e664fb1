import { variable } from '@torchlet/autograd';
import { describe, expect, it } from 'vitest';
import {
  adaptiveAvgPool2d,
  adaptiveMaxPool2d,
  avgPool1d,
  avgPool2d,
  maxPool1d,
  maxPool2d,
  type AdaptiveOutputSize2d,
  type AvgPoolOptions,
  type MaxPoolOptions,
} from '../../../src/nn/functional/index.js';
import { expectClose, fromFixture, loadFixture, type FixtureTensor } from '../../helpers/conv-fixtures.js';
import { itHasCases } from '../../helpers/golden-counts.js';

interface PoolCase {
  name: string;
  op: 'maxPool1d' | 'maxPool2d' | 'avgPool1d' | 'avgPool2d' | 'adaptiveAvgPool2d' | 'adaptiveMaxPool2d';
  input: FixtureTensor;
  options: (MaxPoolOptions & AvgPoolOptions) | { outputSize: AdaptiveOutputSize2d };
  gradOutput: FixtureTensor;
  output: FixtureTensor;
  indices?: FixtureTensor;
  gradInput: FixtureTensor;
}

const { cases } = loadFixture<PoolCase>('pool.json');
itHasCases(
  'pool.json',
  cases,
  {
    maxPool1d: 16,
    'maxPool1d ties': 3,
    maxPool2d: 18,
    'maxPool2d ties': 2,
    avgPool1d: 14,
    avgPool2d: 20,
    adaptiveAvgPool2d: 8,
    adaptiveMaxPool2d: 8,
    'adaptiveMaxPool2d ties': 1,
  },
  (c) => (c.name.endsWith(' ties') ? `${c.op} ties` : c.op),
);

for (const dtype of ['float64', 'float32'] as const) {
  describe(`pool goldens vs PyTorch 1.13 (${dtype})`, () => {
    for (const c of cases) {
      it(c.name, () => {
        const x = variable(fromFixture(c.input, dtype), { requiresGrad: true });
        const opts = c.options as MaxPoolOptions & AvgPoolOptions;
        let y;
        let indices = null;
        switch (c.op) {
          case 'maxPool1d':
            [y, indices] = maxPool1d(x, { ...opts, returnIndices: true });
            break;
          case 'maxPool2d':
            [y, indices] = maxPool2d(x, { ...opts, returnIndices: true });
            break;
          case 'avgPool1d':
            y = avgPool1d(x, opts);
            break;
          case 'avgPool2d':
            y = avgPool2d(x, opts);
            break;
          case 'adaptiveAvgPool2d':
            y = adaptiveAvgPool2d(x, (c.options as { outputSize: AdaptiveOutputSize2d }).outputSize);
            break;
          case 'adaptiveMaxPool2d':
            [y, indices] = adaptiveMaxPool2d(x, (c.options as { outputSize: AdaptiveOutputSize2d }).outputSize, {
              returnIndices: true,
            });
            break;
        }
        expectClose(y, c.output, dtype, 'output');
        if (c.indices) {
          expect(indices!.shape).toEqual(c.indices.shape);
          expect(Array.from(indices!.data.toTypedArray())).toEqual(c.indices.data);
        }
        y.backward(fromFixture(c.gradOutput, dtype));
        expectClose(x.grad, c.gradInput, dtype, 'gradInput');
      });
    }
  });
}

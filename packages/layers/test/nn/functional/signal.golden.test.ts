import { variable } from '@torchlet/autograd';
import { describe, it } from 'vitest';
import { convolve, convolve2d, correlate2d, type SignalMode } from '../../../src/nn/functional/index.js';
import { expectClose, fromFixture, loadFixture, type FixtureTensor } from '../../helpers/conv-fixtures.js';
import { itHasCases } from '../../helpers/golden-counts.js';

interface SignalCase {
  name: string;
  op: 'convolve' | 'convolve2d' | 'correlate2d';
  x: FixtureTensor;
  w: FixtureTensor;
  mode: SignalMode;
  output: FixtureTensor;
  gradOutput: FixtureTensor;
  gradX: FixtureTensor;
  gradW: FixtureTensor;
}

const OPS = { convolve, convolve2d, correlate2d };
const { cases } = loadFixture<SignalCase>('signal.json');

const perMode = (n: number) => ({ full: n, same: n, valid: n });
itHasCases(
  'signal.json',
  cases,
  Object.fromEntries(
    Object.entries({ convolve: 15, convolve2d: 9, correlate2d: 9 }).flatMap(([op, n]) =>
      Object.entries(perMode(n)).map(([mode, k]) => [`${op} ${mode}`, k]),
    ),
  ),
  (c) => `${c.op} ${c.mode}`,
);

for (const dtype of ['float64', 'float32'] as const) {
  describe(`numpy/scipy signal goldens (${dtype})`, () => {
    for (const c of cases) {
      it(c.name, () => {
        const x = variable(fromFixture(c.x, dtype), { requiresGrad: true });
        const w = variable(fromFixture(c.w, dtype), { requiresGrad: true });
        const y = OPS[c.op](x, w, c.mode);
        expectClose(y, c.output, dtype, 'output');
        y.backward(fromFixture(c.gradOutput, dtype));
        expectClose(x.grad, c.gradX, dtype, 'gradX');
        expectClose(w.grad, c.gradW, dtype, 'gradW');
      });
    }
  });
}

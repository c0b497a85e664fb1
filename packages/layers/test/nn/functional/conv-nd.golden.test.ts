import { describe, expect, it } from 'vitest';
import { functional as F } from '@torchlet/layers';
import type { Variable } from '@torchlet/autograd';
import { describeOpGoldens, type OpRunner } from '../../helpers/op-golden.js';
import { expectClose, fromFixture, loadFixture, type FixtureTensor } from '../../helpers/fixtures.js';
import { itHasCases } from '../../helpers/golden-counts.js';

// fixtures/torch/conv_nd.json (fixtures/generate/conv_nd.py): PyTorch 1.13 for ranks 1–3 (outputs
// and every gradient), scipy.signal for convNd of rank 4–5 and convolveNd/correlateNd of rank 1–5.

const opts = (o: Record<string, unknown>) => o as never;

const runners: Record<string, OpRunner> = {
  convNd: ({ input, weight, bias }, o) => F.convNd(input!, weight!, bias ?? null, opts(o)),
  convTransposeNd: ({ input, weight, bias }, o) => F.convTransposeNd(input!, weight!, bias ?? null, opts(o)),
  maxPool3d: ({ input }, o) => F.maxPool3d(input!, o as unknown as F.MaxPoolOptions),
  avgPool3d: ({ input }, o) => F.avgPool3d(input!, opts(o)),
  adaptiveAvgPool1d: ({ input }, o) => F.adaptiveAvgPool1d(input!, o.outputSize as number),
  adaptiveMaxPool1d: ({ input }, o) => F.adaptiveMaxPool1d(input!, o.outputSize as number),
  adaptiveAvgPool3d: ({ input }, o) => F.adaptiveAvgPool3d(input!, o.outputSize as number),
  adaptiveMaxPool3d: ({ input }, o) => F.adaptiveMaxPool3d(input!, o.outputSize as number),
};

describeOpGoldens('conv_nd', runners, {
  convNd: 9,
  convTransposeNd: 6,
  maxPool3d: 3,
  avgPool3d: 4,
  adaptiveAvgPool1d: 2,
  adaptiveMaxPool1d: 2,
  adaptiveAvgPool3d: 2,
  adaptiveMaxPool3d: 2,
});

interface ScipyCase {
  name: string;
  op: 'convNd' | 'convolveNd' | 'correlateNd';
  inputs: Record<string, FixtureTensor>;
  options: Record<string, unknown>;
  output: FixtureTensor;
}

const { scipy } = loadFixture<{ scipy: ScipyCase[] }>('conv_nd');

describe('conv_nd matches scipy.signal (ranks 4–5 for convNd, 1–5 for convolveNd/correlateNd)', () => {
  itHasCases('conv_nd.json (scipy)', scipy, { convNd: 5, convolveNd: 39, correlateNd: 39 });
  for (const dtype of ['float64', 'float32'] as const) {
    const [rtol, atol] = dtype === 'float64' ? [1e-9, 1e-12] : [1e-4, 1e-5];
    for (const c of scipy) {
      it(`${c.name} (${dtype})`, () => {
        const t = (k: string) => fromFixture(c.inputs[k]!, dtype);
        let y: Variable;
        if (c.op === 'convNd') y = F.convNd(t('input'), t('weight'), c.inputs.bias ? t('bias') : null, opts(c.options));
        else {
          const op = c.op === 'convolveNd' ? F.convolveNd : F.correlateNd;
          y = op(t('a'), t('k'), c.options.mode as 'full' | 'same' | 'valid');
        }
        expect(y.dtype).toBe(dtype);
        expectClose(y.data, c.output, rtol, atol, 'output');
      });
    }
  }
});

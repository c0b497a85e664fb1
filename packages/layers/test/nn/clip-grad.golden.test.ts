import { Variable } from '@torchlet/autograd';
import { clipGradNorm_, clipGradValue_ } from '@torchlet/layers';
import { zeros } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { expectClose, fromFixture, loadFixture, type FixtureTensor } from '../helpers/fixtures.js';
import { itHasCases } from '../helpers/golden-counts.js';

// fixtures/generate/clip_grad.py: torch.nn.utils.clip_grad_norm_ / clip_grad_value_ on the same gradients.
interface ClipCase {
  name: string;
  op: 'clipGradNorm_' | 'clipGradValue_';
  maxNorm?: number;
  normType?: number | 'Infinity';
  clipValue?: number;
  grads: (FixtureTensor | null)[];
  clipped: (FixtureTensor | null)[];
  totalNorm?: number;
}

const { cases } = loadFixture<{ cases: ClipCase[] }>('clip_grad');
itHasCases('clip_grad.json', cases, { clipGradNorm_: 8, clipGradValue_: 3 });

for (const dtype of ['float64', 'float32'] as const) {
  const [rtol, atol] = dtype === 'float64' ? [1e-12, 1e-14] : [1e-5, 1e-7];
  describe(`clipGradNorm_ / clipGradValue_ match PyTorch 1.13 (${dtype})`, () => {
    for (const c of cases) {
      it(c.name, () => {
        const params = c.grads.map((g, i) => {
          const p = new Variable(zeros(c.clipped[i]?.shape ?? g?.shape ?? [1], { dtype }), { requiresGrad: true });
          p.grad = g && fromFixture(g, dtype);
          return p;
        });
        const before = params.map((p) => p.grad);
        if (c.op === 'clipGradNorm_') {
          const normType = c.normType === 'Infinity' ? Infinity : c.normType!;
          const total = clipGradNorm_(params, c.maxNorm!, { normType });
          expect(total.dtype).toBe(dtype);
          expect(Math.abs(total.item() - c.totalNorm!)).toBeLessThanOrEqual(atol + rtol * c.totalNorm!);
        } else {
          clipGradValue_(params, c.clipValue!);
        }
        params.forEach((p, i) => {
          const want = c.clipped[i];
          if (want === null || want === undefined) return expect(p.grad).toBeNull();
          expect(p.grad, 'the gradient is written in place').toBe(before[i]);
          expectClose(p.grad!, want, rtol, atol, `grad ${i}`);
        });
      });
    }
  });
}

import { describe, expect, it } from 'vitest';
import { add, grad, mul, sum, Variable } from '@torchlet/autograd';
import { functional as F } from '@torchlet/layers';
import { expectClose, fromFixture, loadFixture, type FixtureTensor } from '../../helpers/fixtures.js';

// PyTorch's second derivatives (fixtures/generate/double_backward.py): for params P, fixed r and v,
// L = Σ r·y² (cross-entropy: the loss), hvp = ∂/∂P Σ⟨∂L/∂Pᵢ, vᵢ⟩, ggn = ∂/∂P |∂L/∂x|².
interface Derivatives {
  name: string;
  r: FixtureTensor;
  v: FixtureTensor[];
  hvp: FixtureTensor[];
  ggn: FixtureTensor[];
}
interface Fixture {
  conv: (Derivatives & {
    dims: 1 | 2 | 3;
    x: FixtureTensor;
    w: FixtureTensor;
    b: FixtureTensor;
    options: Record<string, number | number[]>;
  })[];
  pool: (Derivatives & { op: string; x: FixtureTensor; options: Record<string, unknown> })[];
  crossEntropy: (Derivatives & {
    x: FixtureTensor;
    target: FixtureTensor;
    weight: FixtureTensor | null;
    labelSmoothing: number;
    reduction: 'mean' | 'sum';
  })[];
  batchNorm: (Derivatives & { x: FixtureTensor; w: FixtureTensor; b: FixtureTensor })[];
}

const fixture = loadFixture<Fixture>('double_backward');
const param = (t: FixtureTensor) => new Variable(fromFixture(t), { requiresGrad: true });

function expectSecondDerivatives(c: Derivatives, f: (...p: Variable[]) => Variable, params: Variable[]): void {
  const y = f(...params);
  const loss = y.ndim === 0 ? y : sum(mul(fromFixture(c.r), mul(y, y)));
  const grads = grad(loss, params, { createGraph: true }) as Variable[];
  const inner = grads.map((g, i) => sum(mul(g, fromFixture(c.v[i]!)))).reduce((a, b) => add(a, b));
  const hvp = grad(inner, params, { retainGraph: true, allowUnused: true });
  const ggn = grad(sum(mul(grads[0]!, grads[0]!)), params, { allowUnused: true });
  params.forEach((p, i) => {
    expectClose(hvp[i]?.data ?? mul(p, 0).data, c.hvp[i]!, 1e-8, 1e-10, `hvp[${i}]`);
    expectClose(ggn[i]?.data ?? mul(p, 0).data, c.ggn[i]!, 1e-8, 1e-10, `ggn[${i}]`);
  });
}

const CONV = { 1: F.conv1d, 2: F.conv2d, 3: F.conv3d } as const;
const POOL: Record<string, (x: Variable, o: Record<string, unknown>) => Variable> = {
  maxPool2d: (x, o) =>
    F.maxPool2d(x, {
      kernelSize: o.kernel_size as number,
      stride: o.stride as number,
      padding: (o.padding as number) ?? 0,
      dilation: (o.dilation as number) ?? 1,
    }),
  avgPool2d: (x, o) =>
    F.avgPool2d(x, {
      kernelSize: o.kernel_size as number,
      stride: o.stride as number,
      padding: (o.padding as number) ?? 0,
      ceilMode: (o.ceil_mode as boolean) ?? false,
      countIncludePad: (o.count_include_pad as boolean) ?? true,
    }),
  adaptiveAvgPool2d: (x, o) => F.adaptiveAvgPool2d(x, o.output_size as [number, number]),
  adaptiveMaxPool2d: (x, o) => F.adaptiveMaxPool2d(x, o.output_size as [number, number]),
};

describe('second derivatives match PyTorch (Hessian-vector products, gradient of the input-gradient norm)', () => {
  it('has every case', () => {
    expect([fixture.conv.length, fixture.pool.length, fixture.crossEntropy.length, fixture.batchNorm.length]).toEqual([
      5, 6, 3, 3,
    ]);
  });
  for (const c of fixture.conv) {
    it(c.name, () => {
      expectSecondDerivatives(c, (x, w, b) => CONV[c.dims](x, w, b, c.options), [param(c.x), param(c.w), param(c.b)]);
    });
  }
  for (const c of fixture.pool) {
    it(c.name, () => {
      expectSecondDerivatives(c, (x) => POOL[c.op]!(x, c.options), [param(c.x)]);
    });
  }
  for (const c of fixture.crossEntropy) {
    it(c.name, () => {
      const target = fromFixture(c.target, 'int32');
      const weight = c.weight ? fromFixture(c.weight) : null;
      const options = { weight, labelSmoothing: c.labelSmoothing, reduction: c.reduction };
      expectSecondDerivatives(c, (x) => F.crossEntropy(x, target, options), [param(c.x)]);
    });
  }
  for (const c of fixture.batchNorm) {
    it(c.name, () => {
      expectSecondDerivatives(c, (x, w, b) => F.batchNorm(x, null, null, { weight: w, bias: b, training: true }), [
        param(c.x),
        param(c.w),
        param(c.b),
      ]);
    });
  }
});

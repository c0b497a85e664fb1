import { describe, expect, it } from 'vitest';
import { Variable } from '@torchlet/autograd';
import { functional as F } from '@torchlet/layers';
import { fromFixture, loadFixture, type FixtureTensor } from '../../helpers/fixtures.js';
import { expectSecondDerivatives, type Derivatives } from '../../helpers/second-derivatives.js';

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

import { Variable } from '@torchlet/autograd';
import { clipGradNorm_, clipGradValue_, Linear } from '@torchlet/layers';
import { expand, storageVersion, tensor } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';

const withGrad = (values: number[]) => {
  const p = new Variable(
    tensor(
      values.map(() => 0),
      { dtype: 'float64' },
    ),
    { requiresGrad: true },
  );
  p.grad = tensor(values, { dtype: 'float64' });
  return p;
};
const values = (p: Variable) => Array.from(p.grad!.toTypedArray());

describe('clipGradNorm_', () => {
  it('scales by maxNorm / (total + 1e-6) and returns the total norm', () => {
    const a = withGrad([3, 0]);
    const b = withGrad([0, 4]);
    const total = clipGradNorm_([a, b], 1);
    expect(total.item()).toBe(5);
    const coef = 1 / (5 + 1e-6);
    expect(values(a)).toEqual([3 * coef, 0]);
    expect(values(b)).toEqual([0, 4 * coef]);
  });

  it('takes one parameter, an iterator (model.parameters()), and skips parameters without a gradient', () => {
    const p = withGrad([-2, 1]);
    expect(clipGradNorm_(p, 10, { normType: Infinity }).item()).toBe(2);
    expect(values(p)).toEqual([-2, 1]);
    const model = new Linear(3, 2);
    expect(clipGradNorm_(model.parameters(), 1).item()).toBe(0); // no gradients yet
    expect(clipGradNorm_([], 1).dtype).toBe('float32');
  });

  it('bumps the gradient storage version (an in-place write) and replaces a broadcast view', () => {
    const p = withGrad([3, 4]);
    const before = storageVersion(p.grad!);
    clipGradNorm_(p, 1);
    expect(storageVersion(p.grad!)).toBe(before + 1);
    const q = new Variable(tensor([0, 0, 0], { dtype: 'float64' }), { requiresGrad: true });
    q.grad = expand(tensor([2], { dtype: 'float64' }), [3]);
    clipGradValue_(q, 1);
    expect(values(q)).toEqual([1, 1, 1]);
  });

  it('a non-finite total: NaN gradients by default (as PyTorch), an error with errorIfNonfinite', () => {
    const p = withGrad([NaN, 1]);
    expect(() => clipGradNorm_(p, 1, { errorIfNonfinite: true })).toThrow(
      /clipGradNorm_: the total norm of order 2 for gradients from parameters is NaN, so it cannot be clipped/,
    );
    expect(values(p)[1]).toBe(1); // untouched by the refused call
    expect(Number.isNaN(clipGradNorm_(p, 1).item())).toBe(true);
    expect(values(p).every(Number.isNaN)).toBe(true);
    const q = withGrad([Infinity, 1]);
    expect(() => clipGradNorm_(q, 1, { errorIfNonfinite: true, normType: Infinity })).toThrow(/is Infinity/);
  });

  it('errors name the argument', () => {
    const p = withGrad([1]);
    expect(() => clipGradNorm_(p, -1)).toThrow(RangeError);
    expect(() => clipGradNorm_(p, -1)).toThrow(/clipGradNorm_: maxNorm must be a finite number >= 0, got number -1/);
    expect(() => clipGradNorm_(p, 1, { normType: 0 })).toThrow(/normType must be a positive number or Infinity/);
    expect(() => clipGradNorm_(p, 1, { norm_type: 2 } as never)).toThrow(/did you mean 'normType'/);
    expect(() => clipGradNorm_(p, 1, { errorIfNonfinite: 'yes' as never })).toThrow(TypeError);
    expect(() => clipGradNorm_([p, tensor([1]) as never], 1)).toThrow(/parameters\[1\] must be a Variable/);
    expect(() => clipGradNorm_(3 as never, 1)).toThrow(/parameters must be a Variable or an iterable/);
    expect(() => clipGradValue_(p, -0.5)).toThrow(/clipGradValue_: clipValue must be a number >= 0, got number -0.5/);
  });
});

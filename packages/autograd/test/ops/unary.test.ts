import { describe, expect, it } from 'vitest';
import * as T from '@torchlet/tensor';
import { abs, clamp, gelu, relu, sqrt, sum, Variable } from '@torchlet/autograd';

const leafOf = (values: number[]) => new Variable(T.tensor(values, { dtype: 'float64' }), { requiresGrad: true });

describe('unary ops: conventions at kinks', () => {
  it('clamp passes the gradient at the bounds themselves, as PyTorch', () => {
    const x = leafOf([-2, -1, 0, 1, 2]);
    sum(clamp(x, -1, 1)).backward();
    expect(x.grad!.toArray()).toEqual([0, 1, 1, 1, 0]);
  });

  it('clamp with only one bound', () => {
    const x = leafOf([-2, 0, 2]);
    sum(clamp(x, 0)).backward();
    expect(x.grad!.toArray()).toEqual([0, 1, 1]);
    const y = leafOf([-2, 0, 2]);
    sum(clamp(y, null, 0)).backward();
    expect(y.grad!.toArray()).toEqual([1, 1, 0]);
  });

  it('relu and abs have gradient 0 at 0', () => {
    const x = leafOf([-1, 0, 3]);
    sum(relu(x)).backward();
    expect(x.grad!.toArray()).toEqual([0, 0, 1]);
    const y = leafOf([-1, 0, 3]);
    sum(abs(y)).backward();
    expect(y.grad!.toArray()).toEqual([-1, 0, 1]);
  });

  it('relu backward: the float32 bit select matches float64; a NaN gradient is blocked where x <= 0', () => {
    const xs = [-2, -0, 0, 1e-30, 3, -Infinity, Infinity];
    const gs = [NaN, 5, -7, 0.5, -1.25, 2, 4];
    const grads = (['float32', 'float64'] as const).map((dtype) => {
      const x = new Variable(T.tensor(xs, { dtype }), { requiresGrad: true });
      relu(x).backward(T.tensor(gs, { dtype }));
      expect(x.grad!.dtype).toBe(dtype);
      return x.grad!.toArray();
    });
    expect(grads[0]).toEqual([0, 0, 0, 0.5, -1.25, 0, 4]);
    expect(grads[1]).toEqual(grads[0]);
  });

  it('sqrt: 1 / (2√x)', () => {
    const x = leafOf([4, 0.25]);
    sum(sqrt(x)).backward();
    expect(x.grad!.toArray()).toEqual([0.25, 1]);
  });

  it('gelu at 0 has value 0 and slope 1/2', () => {
    const x = leafOf([0]);
    const y = gelu(x);
    expect(y.item()).toBe(0);
    y.backward();
    expect(x.grad!.item()).toBe(0.5);
  });

  it('gelu rejects an unknown approximate with a TypeError', () => {
    const x = leafOf([1]);
    expect(() => gelu(x, { approximate: 'erf' as 'none' })).toThrow(TypeError);
    expect(() => gelu(x, { approximate: 'erf' as 'none' })).toThrow(
      "gelu: approximate must be 'none' or 'tanh', got erf",
    );
  });
});

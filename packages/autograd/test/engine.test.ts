import { describe, expect, it } from 'vitest';
import * as T from '@torchlet/tensor';
import { defineOp, noGrad, enableGrad, isGradEnabled, Variable, type ForwardContext } from '@torchlet/autograd';

// Two tiny ops defined here so the engine is tested apart from the library's op set.
const mul = defineOp({
  name: 'testMul',
  forward(ctx: ForwardContext<{ a: T.Tensor; b: T.Tensor }>, a: T.Tensor, b: T.Tensor) {
    ctx.save({ a, b });
    return T.mul(a, b);
  },
  backward(ctx, gradOutput: T.Tensor) {
    const { a, b } = ctx.saved;
    return [ctx.needsInputGrad[0] ? T.mul(gradOutput, b) : null, ctx.needsInputGrad[1] ? T.mul(gradOutput, a) : null];
  },
});
const total = defineOp({
  name: 'testSum',
  forward(ctx: ForwardContext<{ shape: T.Shape }>, a: T.Tensor) {
    ctx.save({ shape: a.shape });
    let s = 0;
    for (const v of a.toTypedArray()) s += v;
    return T.full([], s, { dtype: a.dtype });
  },
  backward(ctx, gradOutput: T.Tensor) {
    return [T.full(ctx.saved.shape, gradOutput.item(), { dtype: gradOutput.dtype })];
  },
});
const split = defineOp({
  name: 'testSplit',
  forward(_ctx, a: T.Tensor) {
    return [T.mul(a, 2), T.mul(a, 3)];
  },
  backward(_ctx, g0: T.Tensor, g1: T.Tensor) {
    return [T.add(T.mul(g0, 2), T.mul(g1, 3))];
  },
});

const leaf = (values: number[]) => new Variable(T.tensor(values, { dtype: 'float64' }), { requiresGrad: true });

describe('backward', () => {
  it('computes a product rule gradient', () => {
    const x = leaf([1, 2, 3]);
    const y = leaf([4, 5, 6]);
    total(mul(x, y)).backward();
    expect(x.grad!.toArray()).toEqual([4, 5, 6]);
    expect(y.grad!.toArray()).toEqual([1, 2, 3]);
  });

  it('sums the gradients of a value used twice (fan-out)', () => {
    const x = leaf([1, 2, 3]);
    total(mul(x, x)).backward(); // d(x²)/dx = 2x
    expect(x.grad!.toArray()).toEqual([2, 4, 6]);
  });

  it('accumulates across two backward calls until grads are cleared', () => {
    const x = leaf([1, 2]);
    total(mul(x, x)).backward();
    total(mul(x, x)).backward();
    expect(x.grad!.toArray()).toEqual([4, 8]);
  });

  it('refuses a second backward through a freed graph, allows it with retainGraph', () => {
    const x = leaf([1, 2]);
    const loss = total(mul(x, x));
    loss.backward();
    expect(() => loss.backward()).toThrow(/freed by an earlier backward\(\).*retainGraph/);
    const x2 = leaf([1, 2]);
    const loss2 = total(mul(x2, x2));
    loss2.backward(undefined, { retainGraph: true });
    loss2.backward();
    expect(x2.grad!.toArray()).toEqual([4, 8]);
  });

  it('frees saved buffers after backward', () => {
    const x = leaf([1, 2]);
    const prod = mul(x, x);
    total(prod).backward();
    expect(prod.gradFn!.released).toBe(true);
    expect(() => prod.gradFn!.ctx.saved).toThrow(/freed/);
  });

  it('hands backward the typed record forward saved, and says when forward saved none or saved twice', () => {
    const x = leaf([1, 2]);
    const prod = mul(x, x);
    expect(prod.gradFn!.ctx.saved).toEqual({ a: x.data, b: x.data });
    const forgetful = defineOp({
      name: 'forgetful',
      forward(_ctx: ForwardContext<{ x: T.Tensor }>, a: T.Tensor) {
        return T.mul(a, 2);
      },
      backward(ctx, g: T.Tensor) {
        return [T.mul(g, ctx.saved.x)];
      },
    });
    expect(() => total(forgetful(leaf([1]))).backward()).toThrow(
      /forgetful: backward read ctx.saved, but forward never called ctx.save/,
    );
    const twice = defineOp({
      name: 'twice',
      forward(ctx: ForwardContext<{ x: T.Tensor }>, a: T.Tensor) {
        ctx.save({ x: a });
        ctx.save({ x: a });
        return a;
      },
      backward(_ctx, g: T.Tensor) {
        return [g];
      },
    });
    expect(() => twice(leaf([1]))).toThrow(TypeError);
    expect(() => twice(leaf([1]))).toThrow(/twice: forward called ctx.save twice/);
  });

  it('needs a gradient argument for a non-scalar output', () => {
    const x = leaf([1, 2]);
    const y = mul(x, x);
    expect(() => y.backward()).toThrow(T.ShapeError);
    expect(() => y.backward()).toThrow(/one-element output; this output is \[2\]/);
    expect(() => y.backward(T.ones([3], { dtype: 'float64' }))).toThrow(/gradient is \[3\] but the output is \[2\]/);
    y.backward(T.tensor([1, 10], { dtype: 'float64' }));
    expect(x.grad!.toArray()).toEqual([2, 40]);
  });

  it('materialises zero gradients for outputs nothing used', () => {
    const x = leaf([1, 2]);
    const [a] = split(x);
    total(a!).backward();
    expect(x.grad!.toArray()).toEqual([2, 2]);
  });

  it('a non-differentiable output gets a zero gradient of its shape and dtype without a buffer of its size', () => {
    const seen: T.Tensor[] = [];
    const withIndices = defineOp({
      name: 'testWithIndices',
      forward(ctx, a: T.Tensor) {
        const indices = T.zeros([2, 3], { dtype: 'int32' });
        ctx.markNonDifferentiable(indices);
        return [T.mul(a, 2), indices];
      },
      backward(_ctx, g: T.Tensor, gIndices: T.Tensor) {
        seen.push(gIndices);
        return [T.mul(g, 2)];
      },
    });
    const x = leaf([1, 2]);
    const [y] = withIndices(x);
    total(y!).backward();
    expect(x.grad!.toArray()).toEqual([2, 2]);
    expect(seen[0]!.shape).toEqual([2, 3]);
    expect(seen[0]!.dtype).toBe('int32');
    expect(seen[0]!.toArray()).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(seen[0]!.data.length).toBe(1);
  });

  it('handles deep chains without recursion', () => {
    const x = leaf([1]);
    let y: Variable = x;
    const one = new Variable(T.tensor([1], { dtype: 'float64' }));
    for (let i = 0; i < 20000; i++) y = mul(y, one);
    total(y).backward();
    expect(x.grad!.toArray()).toEqual([1]);
  });
});

describe('grad mode and detach', () => {
  it('records nothing under noGrad, and enableGrad switches it back on', () => {
    const x = leaf([1, 2]);
    const y = noGrad(() => mul(x, x));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(isGradEnabled()).toBe(true);
    const z = noGrad(() => enableGrad(() => mul(x, x)));
    expect(z.gradFn).not.toBeNull();
  });

  it('restores the mode when the body throws', () => {
    expect(() =>
      noGrad(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(isGradEnabled()).toBe(true);
  });

  it('detach cuts the graph but shares storage', () => {
    const x = leaf([1, 2]);
    const y = mul(x, x);
    const d = y.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.data.data).toBe(y.data.data);
    expect(() => total(d).backward()).toThrow(/does not require grad/);
  });

  it('rejects int32 leaves that require grad', () => {
    expect(() => new Variable(T.tensor([1], { dtype: 'int32' }), { requiresGrad: true })).toThrow(TypeError);
  });
});

import { describe, expect, it } from 'vitest';
import * as T from '@torchlet/tensor';
import {
  add,
  defineOp,
  div,
  grad,
  gradgradcheck,
  mul,
  neg,
  pow,
  sub,
  sum,
  Variable,
  type ForwardContext,
} from '@torchlet/autograd';

const leaf = (values: number[]) => new Variable(T.tensor(values, { dtype: 'float64' }), { requiresGrad: true });

/**
 * x³ as a custom op. Without `scale` it has no differentiableBackward; with it, one that returns
 * `g·scale·x²` (right for 3, and wrong, but self-consistent, for anything else).
 */
const cubeOp = (scale?: number) =>
  defineOp({
    name: 'cube',
    forward(ctx: ForwardContext<{ x: T.Tensor }>, x: T.Tensor): T.Tensor {
      ctx.save({ x });
      return T.mul(x, T.mul(x, x));
    },
    backward(ctx, g: T.Tensor): [T.Tensor] {
      return [T.mul(g, T.mul(3, T.mul(ctx.saved.x, ctx.saved.x)))];
    },
    differentiableBackward:
      scale === undefined
        ? undefined
        : (ctx, g) => {
            const [x] = ctx.inputs;
            return [mul(g, mul(scale, mul(x, x)))];
          },
  });

describe('grad', () => {
  it('returns gradients without touching .grad, for leaves and intermediate values', () => {
    const x = leaf([1, 2, 3]);
    const h = mul(x, x);
    const y = sum(mul(h, 3));
    const [gx, gh] = grad(y, [x, h]);
    expect(gx!.toArray()).toEqual([6, 12, 18]);
    expect(gh!.toArray()).toEqual([3, 3, 3]);
    expect(x.grad).toBeNull();
  });

  it('createGraph: the gradient is differentiable again (x³ → 3x² → 6x)', () => {
    const x = leaf([1, 2, 3]);
    const [gx] = grad(sum(pow(x, 3)), [x], { createGraph: true });
    expect(gx!.toArray()).toEqual([3, 12, 27]);
    const [hx] = grad(sum(gx!), [x]);
    expect(hx!.toArray()).toEqual([6, 12, 18]);
  });

  it('backward(createGraph) leaves a differentiable gradVariable: a Hessian-vector product', () => {
    const x = leaf([1, 2]);
    const y = leaf([3, 4]);
    // f = Σ x²·y: H = [[2y, 2x], [2x, 0]] per element
    sum(mul(mul(x, x), y)).backward(undefined, { createGraph: true });
    expect(x.grad!.toArray()).toEqual([6, 16]);
    const v = T.tensor([1, 1], { dtype: 'float64' });
    const [hx, hy] = grad(add(sum(mul(x.gradVariable!, v)), sum(mul(y.gradVariable!, v))), [x, y]);
    expect(hx!.toArray()).toEqual([2 * 3 + 2 * 1, 2 * 4 + 2 * 2]);
    expect(hy!.toArray()).toEqual([2, 4]);
  });

  it('allowUnused, and the errors', () => {
    const x = leaf([1, 2]);
    const z = leaf([5]);
    const y = sum(mul(x, x));
    expect(() => grad(y, [z], { retainGraph: true })).toThrow(
      /grad: inputs\[0\] \[1\] was not used to compute the outputs/,
    );
    expect(grad(y, [x, z], { allowUnused: true, retainGraph: true })[1]).toBeNull();
    expect(() => grad(mul(x, x), [x])).toThrow(T.ShapeError);
    expect(() => grad(mul(x, x), [x])).toThrow(/outputs\[0\] is \[2\]: a gradient can be implied only/);
    expect(() => grad(y, [x], { createGraph: 'yes' as unknown as boolean })).toThrow(/createGraph must be a boolean/);
    expect(() => grad(y, [x], { bogus: 1 } as object)).toThrow(TypeError);
  });

  it('a custom op without differentiableBackward gives first gradients, and a clear error when differentiated twice', () => {
    const cube = cubeOp();
    const x = leaf([1, 2]);
    const [gx] = grad(sum(cube(x)), [x], { createGraph: true });
    expect(gx!.toArray()).toEqual([3, 12]);
    expect(() => grad(sum(gx!), [x])).toThrow(TypeError);
    expect(() => grad(sum(grad(sum(cube(x)), [x], { createGraph: true })[0]!), [x])).toThrow(
      /cube: cannot differentiate this gradient again: the op has no differentiableBackward/,
    );
  });

  it('a custom op with differentiableBackward passes gradgradcheck; one that disagrees with its backward fails it', () => {
    expect(gradgradcheck((x) => cubeOp(3)(x), [leaf([0.5, -1.5, 2])])).toBe(true);
    // 2.9·x² is consistent with its own derivative, so only the comparison with backward catches it.
    expect(() => gradgradcheck((x) => cubeOp(2.9)(x), [leaf([0.5, -1.5, 2])])).toThrow(
      /first derivative under createGraph is .* but the plain backward gives/,
    );
  });

  it('gradgradcheck over the arithmetic ops', () => {
    const a = leaf([0.7, -1.2, 2.5]);
    const b = leaf([1.5, 0.8, -2.1]);
    gradgradcheck((a, b) => add(mul(a, b), sub(a, b)), [a, b]);
    gradgradcheck((a, b) => div(a, b), [a, b]);
    gradgradcheck((a, b) => neg(mul(a, mul(a, b))), [a, b]);
    gradgradcheck((a) => pow(a, 3), [a]);
    gradgradcheck((a, b) => pow(a, b), [leaf([0.7, 1.2, 2.5]), b]);
  });
});

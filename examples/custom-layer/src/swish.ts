import { defineOp, type ForwardContext, type Variable } from '@torchlet/autograd';
import { formatShape, ones, reshape, shapeError, sum, type Tensor } from '@torchlet/tensor';
import * as T from '@torchlet/tensor';
import { Module, Parameter } from '@torchlet/layers';

/**
 * Swish with a learnable slope per channel: `y = x · sigmoid(β_c · x)` (Ramachandran et al., 2017).
 * A user-written op: forward and backward by hand, joined to the graph by `defineOp`. What forward
 * saves is one typed record, declared on its `ctx`; backward reads it back as `ctx.saved`.
 *
 * @param x    `[N, C, ...]`
 * @param beta `[C]`
 * @returns    `[N, C, ...]`
 */
export const swish = defineOp({
  name: 'swish',
  forward(ctx: ForwardContext<{ x: Tensor; b: Tensor; s: Tensor }>, x: Tensor, beta: Tensor): Tensor {
    if (x.ndim < 2 || beta.ndim !== 1 || beta.shape[0] !== x.shape[1]) {
      throw shapeError(
        'swish',
        `beta must be [C] for input [N, C, ...]; got x ${formatShape(x.shape)}, beta ${formatShape(beta.shape)}`,
      );
    }
    // β viewed as [1, C, 1, ...] broadcasts over batch and spatial axes.
    const b = reshape(beta, [1, beta.shape[0]!, ...new Array(x.ndim - 2).fill(1)]);
    const s = T.sigmoid(T.mul(b, x));
    ctx.save({ x, b, s });
    return T.mul(x, s);
  },
  backward(ctx, gradOutput: Tensor): [Tensor | null, Tensor | null] {
    const { x, b, s } = ctx.saved;
    // d sigmoid(u)/du = s(1 − s); u = βx, so ∂y/∂x = s + βx·s(1 − s) and ∂y/∂β = x²·s(1 − s).
    const ds = T.mul(s, T.sub(1, s));
    const gradX = ctx.needsInputGrad[0] ? T.mul(gradOutput, T.add(s, T.mul(T.mul(b, x), ds))) : null;
    const axes = [0, ...Array.from({ length: x.ndim - 2 }, (_, i) => i + 2)];
    const gradBeta = ctx.needsInputGrad[1] ? sum(T.mul(gradOutput, T.mul(T.mul(x, x), ds)), axes) : null;
    return [gradX, gradBeta];
  },
});

/** The module: holds β (initialised to 1, where Swish equals SiLU). `x: [N, C, ...]` → same shape. */
export class Swish extends Module {
  beta: Parameter;

  constructor(channels: number) {
    super();
    if (!Number.isInteger(channels) || channels < 1)
      throw new RangeError(`Swish: channels must be a positive integer, got ${channels}`);
    this.beta = new Parameter(ones([channels]));
  }

  forward(x: Variable | Tensor): Variable {
    return swish(x, this.beta);
  }

  override extraRepr(): string {
    return `${this.beta.shape[0]}`;
  }
}

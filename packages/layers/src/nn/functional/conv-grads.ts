import { defineOp, type ForwardContext, type Variable } from '@torchlet/autograd';
import {
  convAdjointInto,
  convForwardInto,
  convWeightGradInto,
  floatArray,
  floatData,
  Tensor,
  type ConvPlan,
  type Shape,
} from '@torchlet/tensor';

/*
 * Convolution, its input gradient and its weight gradient, each a differentiable op over one
 * ConvPlan, and each one's gradients made of the other two: conv's double backward is again
 * convolutions. With y = conv(x, w):
 *   ∂/∂x of ⟨g, conv(x, w)⟩ = convInputGrad(g, w)      ∂/∂w = convWeightGrad(x, g)
 *   convInputGrad(g, w) is linear in g and in w:  ∂/∂g = conv(·, w),  ∂/∂w = convWeightGrad(·, g)
 *   convWeightGrad(x, g) is linear in x and in g: ∂/∂x = convInputGrad(g, ·), ∂/∂g = conv(x, ·)
 * A backward with createGraph records them; ordinary training keeps conv's own fast backward.
 */

/** The plan and the two operands (for the plain backward; the differentiable one reads `ctx.inputs`). */
interface PlanSaved {
  plan: ConvPlan;
  a: Tensor;
  b: Tensor;
}

const conv = (x: Tensor, w: Tensor, plan: ConvPlan, shape: Shape): Tensor => {
  const y = floatArray(x.dtype, plan.batch * plan.cOut * plan.outPositions);
  convForwardInto(floatData(x), floatData(w), plan, y, false);
  return new Tensor(y, shape);
};
const inputGrad = (g: Tensor, w: Tensor, plan: ConvPlan, shape: Shape): Tensor => {
  const x = floatArray(g.dtype, plan.batch * plan.cIn * plan.inPositions);
  convAdjointInto(floatData(g), floatData(w), plan, x);
  return new Tensor(x, shape);
};
const weightGrad = (x: Tensor, g: Tensor, plan: ConvPlan, shape: Shape): Tensor => {
  const gw = floatArray(
    x.dtype,
    shape.reduce((a, b) => a * b, 1),
  );
  convWeightGradInto(floatData(x), floatData(g), plan, gw);
  return new Tensor(gw, shape);
};

/** conv by a fixed plan, no bias. `x`: the plan's input `[N, Cin, ...]` (or unbatched) → `outShape`. */
export const convByPlan = defineOp({
  name: 'conv',
  forward(ctx: ForwardContext<PlanSaved>, x: Tensor, w: Tensor, plan: ConvPlan, outShape: Shape): Tensor {
    ctx.save({ plan, a: x, b: w });
    return conv(x, w, plan, outShape);
  },
  backward(ctx, g: Tensor): (Tensor | null)[] {
    const { plan, a: x, b: w } = ctx.saved;
    return [
      ctx.needsInputGrad[0] ? inputGrad(g, w, plan, x.shape) : null,
      ctx.needsInputGrad[1] ? weightGrad(x, g, plan, w.shape) : null,
    ];
  },
  differentiableBackward(ctx, g): (Variable | null)[] {
    const { plan } = ctx.saved;
    const [x, w] = ctx.inputs;
    return [
      ctx.needsInputGrad[0] ? convInputGrad(g, w, plan, x.shape) : null,
      ctx.needsInputGrad[1] ? convWeightGrad(x, g, plan, w.shape) : null,
    ];
  },
});

/** The conv input gradient (col2im of Wᵀ·g): `g` `[N, Cout, ...outputSize]` → `inputShape`. */
export const convInputGrad = defineOp({
  name: 'convInputGrad',
  forward(ctx: ForwardContext<PlanSaved>, g: Tensor, w: Tensor, plan: ConvPlan, inputShape: Shape): Tensor {
    ctx.save({ plan, a: g, b: w });
    return inputGrad(g, w, plan, inputShape);
  },
  backward(ctx, gg: Tensor): (Tensor | null)[] {
    const { plan, a: g, b: w } = ctx.saved;
    return [
      ctx.needsInputGrad[0] ? conv(gg, w, plan, g.shape) : null,
      ctx.needsInputGrad[1] ? weightGrad(gg, g, plan, w.shape) : null,
    ];
  },
  differentiableBackward(ctx, gg): (Variable | null)[] {
    const { plan } = ctx.saved;
    const [g, w] = ctx.inputs;
    return [
      ctx.needsInputGrad[0] ? convByPlan(gg, w, plan, g.shape) : null,
      ctx.needsInputGrad[1] ? convWeightGrad(gg, g, plan, w.shape) : null,
    ];
  },
});

/** The conv weight gradient (g·colsᵀ summed over the batch): `x`, `g` → `weightShape`. */
export const convWeightGrad = defineOp({
  name: 'convWeightGrad',
  forward(ctx: ForwardContext<PlanSaved>, x: Tensor, g: Tensor, plan: ConvPlan, weightShape: Shape): Tensor {
    ctx.save({ plan, a: x, b: g });
    return weightGrad(x, g, plan, weightShape);
  },
  backward(ctx, ggw: Tensor): (Tensor | null)[] {
    const { plan, a: x, b: g } = ctx.saved;
    return [
      ctx.needsInputGrad[0] ? inputGrad(g, ggw, plan, x.shape) : null,
      ctx.needsInputGrad[1] ? conv(x, ggw, plan, g.shape) : null,
    ];
  },
  differentiableBackward(ctx, ggw): (Variable | null)[] {
    const { plan } = ctx.saved;
    const [x, g] = ctx.inputs;
    return [
      ctx.needsInputGrad[0] ? convInputGrad(g, ggw, plan, x.shape) : null,
      ctx.needsInputGrad[1] ? convByPlan(x, ggw, plan, g.shape) : null,
    ];
  },
});

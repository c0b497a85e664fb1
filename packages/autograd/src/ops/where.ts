import * as T from '@torchlet/tensor';
import type { Shape, Tensor } from '@torchlet/tensor';
import { defineOp, type ForwardContext } from '../function.js';
import { sumToShape } from '../sum-to-shape.js';
import type { Variable } from '../variable.js';
import { sumToShapeGraph } from './sum-to-shape-graph.js';

type Operand = Tensor | number;
const shapeOf = (x: Operand): Shape => (x instanceof T.Tensor ? x.shape : []);

/**
 * `a` where `condition` is non-zero, else `b`, elementwise with broadcasting. The condition is a
 * constant (a mask): each branch receives the gradient where it was chosen.
 * `condition`, `a`, `b`: broadcastable shapes → the broadcast shape.
 */
export const where = defineOp({
  name: 'where',
  forward(
    ctx: ForwardContext<{ condition: Tensor; aShape: Shape; bShape: Shape }>,
    condition: Tensor,
    a: Operand,
    b: Operand,
  ): Tensor {
    ctx.save({ condition, aShape: shapeOf(a), bShape: shapeOf(b) });
    return T.where(condition, a, b);
  },
  backward(ctx, gradOutput: Tensor): (Tensor | null)[] {
    const { condition, aShape, bShape } = ctx.saved;
    return [
      null,
      ctx.needsInputGrad[1] ? sumToShape(T.where(condition, gradOutput, 0), aShape) : null,
      ctx.needsInputGrad[2] ? sumToShape(T.where(condition, 0, gradOutput), bShape) : null,
    ];
  },
  differentiableBackward(ctx, gradOutput): (Variable | null)[] {
    const { condition, aShape, bShape } = ctx.saved;
    return [
      null,
      ctx.needsInputGrad[1] ? sumToShapeGraph(where(condition, gradOutput, 0), aShape) : null,
      ctx.needsInputGrad[2] ? sumToShapeGraph(where(condition, 0, gradOutput), bShape) : null,
    ];
  },
});

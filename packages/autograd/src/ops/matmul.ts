import * as T from '@torchlet/tensor';
import type { Shape, Tensor } from '@torchlet/tensor';
import { defineOp, type ForwardContext } from '../function.js';
import { sumToShape } from '../sum-to-shape.js';
import type { Variable } from '../variable.js';
import { reshape, transpose } from './movement.js';
import { sumToShapeGraph } from './sum-to-shape-graph.js';

/** A 1-D operand read as a matrix, as matmul does: `a: [k]` → `[1, k]`, `b: [k]` → `[k, 1]`. */
function asMatrix(t: Tensor, side: 'a' | 'b'): Tensor {
  if (t.ndim !== 1) return t;
  return T.reshape(t, side === 'a' ? [1, t.shape[0]!] : [t.shape[0]!, 1]);
}

/**
 * Matrix product with `torch.matmul` semantics, batch axes broadcast.
 *
 * @param a `[..., M, K]` or `[K]`
 * @param b `[..., K, N]` or `[K]`
 * @returns `[...broadcast(batchA, batchB), M, N]`, without `M` when `a` is 1-D and without `N` when `b` is
 * @throws ShapeError for a 0-d operand, differing `K`, or batch axes that do not broadcast
 * @example matmul(randn([8, 1, 4, 3]), randn([5, 3, 2])).shape // [8, 5, 4, 2]
 */
export const matmul = defineOp({
  name: 'matmul',
  forward(
    ctx: ForwardContext<{ a: Tensor | null; b: Tensor | null; aShape: Shape; bShape: Shape }>,
    a: Tensor,
    b: Tensor,
  ): Tensor {
    const y = T.matmul(a, b);
    // dA needs b and dB needs a; keep only what will be used.
    ctx.save({
      a: ctx.needsInputGrad[1] ? a : null,
      b: ctx.needsInputGrad[0] ? b : null,
      aShape: a.shape,
      bShape: b.shape,
    });
    return y;
  },
  backward(ctx, gradOutput: Tensor): [Tensor | null, Tensor | null] {
    const { a, b, aShape, bShape } = ctx.saved;
    // Work on the matrix forms, with the axes a 1-D operand dropped from the output put back.
    const a2Shape = aShape.length === 1 ? [1, aShape[0]!] : aShape;
    const b2Shape = bShape.length === 1 ? [bShape[0]!, 1] : bShape;
    const batch = T.broadcastShapes('matmul', a2Shape.slice(0, -2), b2Shape.slice(0, -2));
    const m = a2Shape[a2Shape.length - 2]!;
    const k = a2Shape[a2Shape.length - 1]!;
    const n = b2Shape[b2Shape.length - 1]!;
    const g = T.reshape(gradOutput, [...batch, m, n]);
    let gradA: Tensor | null = null;
    let gradB: Tensor | null = null;
    if (ctx.needsInputGrad[0]) {
      const b2 = asMatrix(b!, 'b');
      // dA = g·Bᵀ, summed over the batch axes `a` was broadcast along.
      gradA = T.reshape(sumToShape(T.matmul(g, T.transpose(b2, -1, -2)), a2Shape), aShape);
    }
    if (ctx.needsInputGrad[1]) {
      const a2 = asMatrix(a!, 'a');
      if (b2Shape.length === 2 && batch.length > 0) {
        // b is shared by every batch entry (a Linear weight): fold the batch into the rows and
        // let one GEMM do the sum, rather than B products reduced afterwards.
        const rows = T.reshape(T.expand(a2, [...batch, m, k]), [-1, k]);
        gradB = T.reshape(T.matmul(T.transpose(rows, 0, 1), T.reshape(g, [-1, n])), bShape);
      } else {
        gradB = T.reshape(sumToShape(T.matmul(T.transpose(a2, -1, -2), g), b2Shape), bShape);
      }
    }
    return [gradA, gradB];
  },
  differentiableBackward(ctx, gradOutput): [Variable | null, Variable | null] {
    const { aShape, bShape } = ctx.saved;
    const [a, b] = ctx.inputs;
    const a2Shape = aShape.length === 1 ? [1, aShape[0]!] : aShape;
    const b2Shape = bShape.length === 1 ? [bShape[0]!, 1] : bShape;
    const batch = T.broadcastShapes('matmul', a2Shape.slice(0, -2), b2Shape.slice(0, -2));
    const g = reshape(gradOutput, [...batch, a2Shape[a2Shape.length - 2]!, b2Shape[b2Shape.length - 1]!]);
    return [
      ctx.needsInputGrad[0]
        ? reshape(sumToShapeGraph(matmul(g, transpose(reshape(b, b2Shape), -1, -2)), a2Shape), aShape)
        : null,
      ctx.needsInputGrad[1]
        ? reshape(sumToShapeGraph(matmul(transpose(reshape(a, a2Shape), -1, -2), g), b2Shape), bShape)
        : null,
    ];
  },
});

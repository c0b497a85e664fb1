import { defineOp, type ForwardContext, type Variable } from '@torchlet/autograd';
import type { Tensor } from '@torchlet/tensor';
import type { TensorInput } from './conv-options.js';

/** One side of an adjoint pair: the tensor it maps, then the parameters both sides share. */
export type LinearOp<P extends unknown[]> = (x: TensorInput, ...params: P) => Variable;

/**
 * A linear map and its adjoint as two differentiable ops, each the other's backward, so both can be
 * differentiated to any order (a pool and its backward, resampling and its scatter). Both take the
 * tensor first and then the same parameters (plans, index tables, divisors: no tensors), which they
 * save for backward. `names` name the ops in errors and in `gradFn`.
 */
export function defineAdjointPair<P extends unknown[]>(
  names: readonly [map: string, adjoint: string],
  map: (x: Tensor, ...params: P) => Tensor,
  adjoint: (g: Tensor, ...params: P) => Tensor,
): [map: LinearOp<P>, adjoint: LinearOp<P>] {
  const side = (name: string, apply: typeof map, other: typeof map, otherOp: () => LinearOp<P>): LinearOp<P> =>
    defineOp({
      name,
      forward(ctx: ForwardContext<P>, x: Tensor, ...params: P): Tensor {
        ctx.save(params);
        return apply(x, ...params);
      },
      backward(ctx, g: Tensor): [Tensor] {
        return [other(g, ...ctx.saved)];
      },
      differentiableBackward(ctx, g): [Variable] {
        return [otherOp()(g, ...ctx.saved)];
      },
      // The parameters hold no tensors, so the lifted argument list defineOp types is `P` itself.
    }) as LinearOp<P>;
  const mapOp: LinearOp<P> = side(names[0], map, adjoint, () => adjointOp);
  const adjointOp: LinearOp<P> = side(names[1], adjoint, map, () => mapOp);
  return [mapOp, adjointOp];
}

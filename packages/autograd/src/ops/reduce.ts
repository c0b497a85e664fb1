import * as T from '@torchlet/tensor';
import type { Dim, Shape, Tensor, VarianceOptions } from '@torchlet/tensor';
import { defineOp, type ForwardContext } from '../function.js';
import type { Variable } from '../variable.js';
import { div, mul, sub } from './arithmetic.js';
import { expand, reshape } from './movement.js';
import { exp, sqrt } from './unary.js';

// Every reduction's backward starts by giving the gradient back its reduced axes as size 1
// (`keptShape`); broadcasting against `x` then spreads it over the elements that were folded.

/** `shape` with the axes `dim` reduces set to 1 (all of them when `dim` is omitted). */
function keptShape(op: string, shape: Shape, dim: Dim | undefined): number[] {
  if (dim === undefined) return shape.map(() => 1);
  const axes = new Set(T.normalizeAxes(op, typeof dim === 'number' ? [dim] : dim, shape.length));
  return shape.map((d, i) => (axes.has(i) ? 1 : d));
}

/** How many elements of `shape` fold into each output element. */
function foldCount(shape: Shape, kept: Shape): number {
  let n = 1;
  shape.forEach((d, i) => {
    if (kept[i] === 1) n *= d;
  });
  return n;
}

/** What sum and mean keep: the input's shape and the reduced axes, to spread the gradient back. */
interface ReductionSaved {
  inputShape: Shape;
  dim: Dim | undefined;
}

/**
 * Sum over `dim` (all axes when omitted).
 * `x`: any shape → `x.shape` without the reduced axes (size 1 with `keepdim`); `[]` for all.
 */
export const sum = defineOp({
  name: 'sum',
  forward(ctx: ForwardContext<ReductionSaved>, x: Tensor, dim?: Dim, keepdim: boolean = false): Tensor {
    const y = T.sum(x, dim, keepdim);
    ctx.save({ inputShape: x.shape, dim });
    return y;
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    const { inputShape, dim } = ctx.saved;
    const kept = keptShape('sum', inputShape, dim);
    return [T.expand(T.reshape(gradOutput, kept), inputShape)];
  },
  differentiableBackward(ctx, gradOutput): [Variable] {
    const { inputShape, dim } = ctx.saved;
    return [expand(reshape(gradOutput, keptShape('sum', inputShape, dim)), inputShape)];
  },
});

/** Mean over `dim` (all axes when omitted). Shapes as `sum`. */
export const mean = defineOp({
  name: 'mean',
  forward(ctx: ForwardContext<ReductionSaved>, x: Tensor, dim?: Dim, keepdim: boolean = false): Tensor {
    const y = T.mean(x, dim, keepdim);
    ctx.save({ inputShape: x.shape, dim });
    return y;
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    const { inputShape, dim } = ctx.saved;
    const kept = keptShape('mean', inputShape, dim);
    const count = foldCount(inputShape, kept);
    return [T.expand(T.div(T.reshape(gradOutput, kept), count), inputShape)];
  },
  differentiableBackward(ctx, gradOutput): [Variable] {
    const { inputShape, dim } = ctx.saved;
    const kept = keptShape('mean', inputShape, dim);
    return [expand(div(reshape(gradOutput, kept), foldCount(inputShape, kept)), inputShape)];
  },
});

/** Largest (or smallest) values over `dim`, the gradient split evenly among ties, as `torch.amax`. */
function evenExtreme(name: 'amax' | 'amin', reduce: (x: Tensor, dim?: Dim, keepdim?: boolean) => Tensor) {
  return defineOp({
    name,
    forward(
      ctx: ForwardContext<{ x: Tensor; y: Tensor; dim: Dim | undefined }>,
      x: Tensor,
      dim?: Dim,
      keepdim: boolean = false,
    ): Tensor {
      const y = reduce(x, dim, keepdim);
      ctx.save({ x, y, dim });
      return y;
    },
    backward(ctx, gradOutput: Tensor): [Tensor] {
      const { x, y, dim } = ctx.saved;
      const kept = keptShape(name, x.shape, dim);
      // Every element equal to the extreme shares the gradient: PyTorch's amax/amin convention.
      const ties = T.eq(x, T.reshape(y, kept));
      const count = T.sum(ties, dim, true);
      return [T.mul(ties, T.div(T.reshape(gradOutput, kept), count))];
    },
    differentiableBackward(ctx, gradOutput): [Variable] {
      // The ties are a constant mask: locally the extreme is a fixed average of the tied elements.
      const { x, y, dim } = ctx.saved;
      const kept = keptShape(name, x.shape, dim);
      const ties = T.eq(x, T.reshape(y, kept));
      return [mul(T.div(ties, T.sum(ties, dim, true)), reshape(gradOutput, kept))];
    },
  });
}

/**
 * Largest value over `dim` (all axes when omitted), like `torch.amax`; tied maxima share the
 * gradient equally. Shapes as `sum`.
 */
export const amax = evenExtreme('amax', T.max);

/** Smallest value over `dim`, like `torch.amin`; ties share the gradient. Shapes as `sum`. */
export const amin = evenExtreme('amin', T.min);

/** `values` and `indices` of an extreme along one axis. */
export interface VariableValuesAndIndices {
  /** Differentiable: the gradient flows to the input element each value came from. */
  values: Variable;
  /** Positions along `dim` (first on ties), int32, not differentiable. */
  indices: Tensor;
}

function indexedExtreme(name: 'maxWithIndices' | 'minWithIndices', reduce: typeof T.maxWithIndices) {
  return defineOp({
    name,
    forward(
      ctx: ForwardContext<{ indices: Tensor; inputShape: Shape; axis: number }>,
      x: Tensor,
      dim: number,
      keepdim: boolean = false,
    ): Tensor[] {
      const { values, indices } = reduce(x, dim, keepdim);
      ctx.markNonDifferentiable(indices);
      ctx.save({ indices, inputShape: x.shape, axis: T.normalizeAxis(name, dim, x.ndim) });
      return [values, indices];
    },
    backward(ctx, gradValues: Tensor): [Tensor] {
      // Each output element's gradient goes to the one input position its index names.
      const { indices, inputShape, axis } = ctx.saved;
      const n = inputShape[axis] ?? 1;
      let outer = 1;
      let inner = 1;
      inputShape.forEach((d, i) => {
        if (i < axis) outer *= d;
        else if (i > axis) inner *= d;
      });
      const gradInput = T.zeros(inputShape, { dtype: gradValues.dtype });
      const out = gradInput.data;
      const g = T.contiguousData(gradValues);
      const idx = T.contiguousData(indices);
      for (let b = 0; b < outer; b++) {
        for (let i = 0; i < inner; i++) {
          const o = b * inner + i;
          out[(b * n + idx[o]!) * inner + i] = g[o]!;
        }
      }
      return [gradInput];
    },
    differentiableBackward(ctx, gradValues): [Variable] {
      // A constant one-hot mask of the winners: locally each value is the one input element it came from.
      const { indices, inputShape, axis } = ctx.saved;
      const kept = inputShape.map((d, i) => (i === axis ? 1 : d));
      const along = inputShape.map((d, i) => (i === axis ? d : 1));
      const positions = T.reshape(T.arange(0, inputShape[axis]!, 1, { dtype: 'int32' }), along);
      const winners = T.cast(T.eq(positions, T.reshape(indices, kept)), gradValues.dtype);
      return [mul(winners, reshape(gradValues, kept))];
    },
  });
}

const maxAlong = indexedExtreme('maxWithIndices', T.maxWithIndices);
const minAlong = indexedExtreme('minWithIndices', T.minWithIndices);

/**
 * `torch.max(x, dim)`: the largest values along `dim` and their positions. The gradient goes to
 * the first maximum of each slice. `x`: `[..., D, ...]` → both `[..., ...]` (size 1 with `keepdim`).
 */
export function maxWithIndices(x: Variable | Tensor, dim: number, keepdim = false): VariableValuesAndIndices {
  const [values, indices] = maxAlong(x, dim, keepdim);
  return { values: values!, indices: indices!.data };
}

/** `torch.min(x, dim)`. @see maxWithIndices */
export function minWithIndices(x: Variable | Tensor, dim: number, keepdim = false): VariableValuesAndIndices {
  const [values, indices] = minAlong(x, dim, keepdim);
  return { values: values!, indices: indices!.data };
}

/**
 * Largest value. With one integer `dim`, as `torch.max(x, dim).values`: the gradient goes to the
 * first maximum of each slice. Without `dim` (or with a list of axes), as `torch.max(x)` and
 * `torch.amax`: tied maxima share the gradient equally.
 * `x`: any shape → `x.shape` without the reduced axes (size 1 with `keepdim`).
 */
export function max(x: Variable | Tensor, dim?: Dim, keepdim = false): Variable {
  return typeof dim === 'number' ? maxWithIndices(x, dim, keepdim).values : amax(x, dim, keepdim);
}

/** Smallest value; gradient conventions as `max`. */
export function min(x: Variable | Tensor, dim?: Dim, keepdim = false): Variable {
  return typeof dim === 'number' ? minWithIndices(x, dim, keepdim).values : amin(x, dim, keepdim);
}

/**
 * `log Σ exp(x)` over `dim`, stable. Its gradient is the softmax of `x` along `dim`.
 * `x`: any shape → as `sum`.
 */
export const logsumexp = defineOp({
  name: 'logsumexp',
  forward(
    ctx: ForwardContext<{ x: Tensor; y: Tensor; dim: Dim }>,
    x: Tensor,
    dim: Dim,
    keepdim: boolean = false,
  ): Tensor {
    const y = T.logsumexp(x, dim, keepdim);
    ctx.save({ x, y, dim });
    return y;
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    const { x, y, dim } = ctx.saved;
    const kept = keptShape('logsumexp', x.shape, dim);
    const softmax = T.exp(T.sub(x, T.reshape(y, kept)));
    return [T.mul(softmax, T.reshape(gradOutput, kept))];
  },
  differentiableBackward(ctx, gradOutput): [Variable] {
    const { dim } = ctx.saved;
    const [x] = ctx.inputs;
    const kept = keptShape('logsumexp', x.shape, dim);
    return [mul(exp(sub(x, reshape(ctx.outputs[0]!, kept))), reshape(gradOutput, kept))];
  },
});

/**
 * Variance over `dim` (all axes when omitted), `Σ(x − mean)² / max(0, N − correction)`;
 * `correction` defaults to 1 (unbiased). `x`: any shape → as `sum`.
 */
export const variance = defineOp({
  name: 'variance',
  forward(
    ctx: ForwardContext<{ x: Tensor; dim: Dim | undefined; correction: number }>,
    x: Tensor,
    dim?: Dim,
    options: VarianceOptions = {},
  ): Tensor {
    const y = T.variance(x, dim, options);
    ctx.save({ x, dim, correction: options.correction ?? 1 });
    return y;
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    // d/dx Σ(x − m)² = 2(x − m): the mean's own dependence on x cancels, since Σ(x − m) = 0.
    const { x, dim, correction } = ctx.saved;
    const kept = keptShape('variance', x.shape, dim);
    const divisor = Math.max(0, foldCount(x.shape, kept) - correction);
    const centred = T.sub(x, T.mean(x, dim, true));
    return [T.mul(centred, T.mul(T.reshape(gradOutput, kept), 2 / divisor))];
  },
  differentiableBackward(ctx, gradOutput): [Variable] {
    const { dim, correction } = ctx.saved;
    const [x] = ctx.inputs;
    const kept = keptShape('variance', x.shape, dim);
    const divisor = Math.max(0, foldCount(x.shape, kept) - correction);
    const centred = sub(x, mean(x, dim, true));
    return [mul(centred, mul(reshape(gradOutput, kept), 2 / divisor))];
  },
});

/** Standard deviation, `sqrt(variance(x, dim, options))`, composed so its gradient comes free. */
export function std(x: Variable | Tensor, dim?: Dim, options: VarianceOptions = {}): Variable {
  return sqrt(variance(x, dim, options));
}

import * as T from '@torchlet/tensor';
import type { PadMode, PadOptions, PadWidth, Shape, Tensor } from '@torchlet/tensor';
import { defineOp, type ForwardContext } from '../function.js';
import { sumToShape } from '../sum-to-shape.js';
import { sumToShapeGraph } from './sum-to-shape-graph.js';
import type { Variable } from '../variable.js';

// Movement ops undo themselves: a reshape is reshaped back, a permutation inverted, an expand
// summed, a slice scattered into zeros, a pad folded back onto the elements it copied.

/**
 * Same elements, new shape (one size may be −1). Shares storage when the layout allows.
 * `x`: `size` elements → `shape`.
 */
export const reshape = defineOp({
  name: 'reshape',
  forward(ctx: ForwardContext<{ inputShape: Shape }>, x: Tensor, shape: Shape): Tensor {
    T.checkTensor('reshape', x);
    ctx.save({ inputShape: x.shape });
    return T.reshape(x, shape);
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    return [T.reshape(gradOutput, ctx.saved.inputShape)];
  },
  differentiableBackward(ctx, gradOutput): [Variable] {
    return [reshape(gradOutput, ctx.saved.inputShape)];
  },
});

/**
 * Like `reshape` but never copies. `x`: `size` elements → `shape`.
 * @throws ShapeError if `x`'s strides cannot be re-read as `shape`
 */
export const view = defineOp({
  name: 'view',
  forward(ctx: ForwardContext<{ inputShape: Shape }>, x: Tensor, shape: Shape): Tensor {
    T.checkTensor('view', x);
    ctx.save({ inputShape: x.shape });
    return T.view(x, shape);
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    // The gradient may be laid out differently from x, so it is reshaped (copying if it must).
    return [T.reshape(gradOutput, ctx.saved.inputShape)];
  },
  differentiableBackward(ctx, gradOutput): [Variable] {
    return [reshape(gradOutput, ctx.saved.inputShape)];
  },
});

/** Merges axes `startDim..endDim` into one: `[2, 3, 4, 5]`, 1 → `[2, 60]`. */
export const flatten = defineOp({
  name: 'flatten',
  forward(ctx: ForwardContext<{ inputShape: Shape }>, x: Tensor, startDim: number = 0, endDim: number = -1): Tensor {
    T.checkTensor('flatten', x);
    ctx.save({ inputShape: x.shape });
    return T.flatten(x, startDim, endDim);
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    return [T.reshape(gradOutput, ctx.saved.inputShape)];
  },
  differentiableBackward(ctx, gradOutput): [Variable] {
    return [reshape(gradOutput, ctx.saved.inputShape)];
  },
});

/** Removes size-1 axes (all, or those in `dim`). `[1, 3, 1]` → `[3]`. */
export const squeeze = defineOp({
  name: 'squeeze',
  forward(ctx: ForwardContext<{ inputShape: Shape }>, x: Tensor, dim?: number | readonly number[]): Tensor {
    T.checkTensor('squeeze', x);
    ctx.save({ inputShape: x.shape });
    return T.squeeze(x, dim);
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    return [T.reshape(gradOutput, ctx.saved.inputShape)];
  },
  differentiableBackward(ctx, gradOutput): [Variable] {
    return [reshape(gradOutput, ctx.saved.inputShape)];
  },
});

/** Inserts a size-1 axis at `dim` of the result. `[2, 3]`, 1 → `[2, 1, 3]`. */
export const unsqueeze = defineOp({
  name: 'unsqueeze',
  forward(ctx: ForwardContext<{ inputShape: Shape }>, x: Tensor, dim: number): Tensor {
    T.checkTensor('unsqueeze', x);
    ctx.save({ inputShape: x.shape });
    return T.unsqueeze(x, dim);
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    return [T.reshape(gradOutput, ctx.saved.inputShape)];
  },
  differentiableBackward(ctx, gradOutput): [Variable] {
    return [reshape(gradOutput, ctx.saved.inputShape)];
  },
});

/** Reorders axes: output axis i is input axis `dims[i]`. `[2, 3, 4]`, `[2, 0, 1]` → `[4, 2, 3]`. */
export const permute = defineOp({
  name: 'permute',
  forward(ctx: ForwardContext<{ dims: number[] }>, x: Tensor, dims: readonly number[]): Tensor {
    const y = T.permute(x, dims);
    ctx.save({ dims: T.normalizeAxes('permute', dims, x.ndim, 'dims') });
    return y;
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    const { dims } = ctx.saved;
    const inverse = new Array<number>(dims.length);
    dims.forEach((d, i) => (inverse[d] = i));
    return [T.permute(gradOutput, inverse)];
  },
  differentiableBackward(ctx, gradOutput): [Variable] {
    const { dims } = ctx.saved;
    const inverse = new Array<number>(dims.length);
    dims.forEach((d, i) => (inverse[d] = i));
    return [permute(gradOutput, inverse)];
  },
});

/** Swaps axes `dim0` and `dim1`. `[2, 3, 4]`, 0, −1 → `[4, 3, 2]`. */
export const transpose = defineOp({
  name: 'transpose',
  forward(ctx: ForwardContext<{ dim0: number; dim1: number }>, x: Tensor, dim0: number, dim1: number): Tensor {
    ctx.save({ dim0, dim1 });
    return T.transpose(x, dim0, dim1);
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    const { dim0, dim1 } = ctx.saved;
    return [T.transpose(gradOutput, dim0, dim1)];
  },
  differentiableBackward(ctx, gradOutput): [Variable] {
    return [transpose(gradOutput, ctx.saved.dim0, ctx.saved.dim1)];
  },
});

/**
 * Broadcasts `x` to `shape` without copying (size-1 axes repeat, new axes in front; −1 keeps a
 * size). Every copy receives the gradient, so the backward sums them.
 * `x`: `S` → `shape`.
 */
export const expand = defineOp({
  name: 'expand',
  forward(ctx: ForwardContext<{ inputShape: Shape }>, x: Tensor, shape: Shape): Tensor {
    T.checkTensor('expand', x);
    ctx.save({ inputShape: x.shape });
    return T.expand(x, shape);
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    return [sumToShape(gradOutput, ctx.saved.inputShape)];
  },
  differentiableBackward(ctx, gradOutput): [Variable] {
    return [sumToShapeGraph(gradOutput, ctx.saved.inputShape)];
  },
});

/**
 * Python's `x[..., start:end:step, ...]` on axis `dim` (negative bounds count from the end,
 * bounds past the ends are clamped). `x`: `[..., D, ...]` → `[..., ceil((end − start) / step), ...]`.
 */
export const slice = defineOp({
  name: 'slice',
  forward(
    ctx: ForwardContext<{ inputShape: Shape; axis: number; positions: Tensor }>,
    x: Tensor,
    dim: number,
    start: number = 0,
    end?: number,
    step: number = 1,
  ): Tensor {
    const y = T.slice(x, dim, start, end, step);
    const axis = T.normalizeAxis('slice', dim, x.ndim);
    // The positions the slice read, found by slicing their own numbers: its adjoint adds the
    // gradient back at exactly those positions.
    if (ctx.needsInputGrad[0]) {
      const positions = T.slice(T.arange(0, x.shape[axis]!, 1, { dtype: 'int32' }), 0, start, end, step);
      ctx.save({ inputShape: x.shape, axis, positions });
    }
    return y;
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    const { inputShape, axis, positions } = ctx.saved;
    const zeros = T.zeros(inputShape, { dtype: gradOutput.dtype });
    return [T.indexAdd(zeros, axis, positions, gradOutput)];
  },
  differentiableBackward(ctx, gradOutput): [Variable] {
    const { inputShape, axis, positions } = ctx.saved;
    return [indexAddToZeros(gradOutput, inputShape, axis, positions)];
  },
});

/**
 * `length` items of axis `dim` from `start` (negative counts from the end); the backward pads the
 * gradient with zeros back to `x`'s shape. `x`: `[..., D, ...]` → `[..., length, ...]`.
 * @throws RangeError if `start + length` runs past the axis
 */
export const narrow = defineOp({
  name: 'narrow',
  forward(ctx: ForwardContext<{ padWidth: PadWidth }>, x: Tensor, dim: number, start: number, length: number): Tensor {
    const y = T.narrow(x, dim, start, length);
    const axis = T.normalizeAxis('narrow', dim, x.ndim);
    const n = x.shape[axis]!;
    const from = start < 0 ? start + n : start;
    ctx.save({ padWidth: x.shape.map((_, i): [number, number] => (i === axis ? [from, n - from - length] : [0, 0])) });
    return y;
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    return [T.pad(gradOutput, ctx.saved.padWidth)];
  },
  differentiableBackward(ctx, gradOutput): [Variable] {
    return [pad(gradOutput, ctx.saved.padWidth)];
  },
});

/**
 * Pads `x` (numpy-style `[before, after]` pairs for the trailing axes) in one of four modes.
 * The backward of reflect/replicate/circular adds each border element's gradient onto the
 * element it was copied from. `x`: `S` → `padOutputShape(S, padWidth)`.
 */
export const pad = defineOp({
  name: 'pad',
  forward(
    ctx: ForwardContext<{ inputShape: Shape; padWidth: PadWidth; mode: PadMode }>,
    x: Tensor,
    padWidth: PadWidth,
    options: PadOptions = {},
  ): Tensor {
    const y = T.pad(x, padWidth, options);
    ctx.save({ inputShape: x.shape, padWidth, mode: options.mode ?? 'constant' });
    return y;
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    const { inputShape, padWidth, mode } = ctx.saved;
    return [T.padAdjoint(gradOutput, inputShape, padWidth, { mode })];
  },
  differentiableBackward(ctx, gradOutput): [Variable] {
    const { inputShape, padWidth, mode } = ctx.saved;
    return [padAdjoint(gradOutput, inputShape, padWidth, mode)];
  },
});

/**
 * The adjoint of `pad` as a differentiable op: each border element's gradient added onto the
 * element it was copied from (for 'constant', just the inner block). Its own adjoint is `pad`, so
 * pad's gradients can be differentiated again. `g`: the padded shape → `inputShape`.
 */
const padAdjoint = defineOp({
  name: 'padAdjoint',
  forward(
    ctx: ForwardContext<{ padWidth: PadWidth; mode: PadMode }>,
    g: Tensor,
    inputShape: Shape,
    padWidth: PadWidth,
    mode: PadMode,
  ): Tensor {
    ctx.save({ padWidth, mode });
    return T.padAdjoint(g, inputShape, padWidth, { mode });
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    return [T.pad(gradOutput, ctx.saved.padWidth, { mode: ctx.saved.mode })];
  },
  differentiableBackward(ctx, gradOutput): [Variable] {
    return [pad(gradOutput, ctx.saved.padWidth, { mode: ctx.saved.mode })];
  },
});

/**
 * Picks slices along `dim`: `out[..., j, ...] = x[..., index[j], ...]`; repeated indices add
 * their gradients. `x`: `[..., D, ...]`, `index`: `[K]` int32 → `[..., K, ...]`.
 */
export const indexSelect = defineOp({
  name: 'indexSelect',
  forward(
    ctx: ForwardContext<{ inputShape: Shape; dim: number; index: Tensor | readonly number[] }>,
    x: Tensor,
    dim: number,
    index: Tensor | readonly number[],
  ): Tensor {
    const y = T.indexSelect(x, dim, index);
    ctx.save({ inputShape: x.shape, dim, index });
    return y;
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    const { inputShape, dim, index } = ctx.saved;
    const zeros = T.zeros(inputShape, { dtype: gradOutput.dtype });
    return [T.indexAdd(zeros, dim, index, gradOutput)];
  },
  differentiableBackward(ctx, gradOutput): [Variable] {
    const { inputShape, dim, index } = ctx.saved;
    return [indexAddToZeros(gradOutput, inputShape, dim, index)];
  },
});

/**
 * The adjoint of `indexSelect` (and of `slice`, whose positions are an index) as a differentiable
 * op: `g` added into zeros of `inputShape` at `index` along `dim`. Its own adjoint is `indexSelect`,
 * so the gradients of both can be differentiated again. `g`: `[..., K, ...]` → `inputShape`.
 */
const indexAddToZeros = defineOp({
  name: 'indexAdd',
  forward(
    ctx: ForwardContext<{ dim: number; index: Tensor | readonly number[] }>,
    g: Tensor,
    inputShape: Shape,
    dim: number,
    index: Tensor | readonly number[],
  ): Tensor {
    ctx.save({ dim, index });
    return T.indexAdd(T.zeros(inputShape, { dtype: g.dtype }), dim, index, g);
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    return [T.indexSelect(gradOutput, ctx.saved.dim, ctx.saved.index)];
  },
  differentiableBackward(ctx, gradOutput): [Variable] {
    return [indexSelect(gradOutput, ctx.saved.dim, ctx.saved.index)];
  },
});

// concat and stack take a list; defineOp unwraps only top-level arguments, so the list travels
// as rest arguments after `dim`.

const concatOp = defineOp({
  name: 'concat',
  forward(ctx: ForwardContext<{ axis: number; sizes: number[] }>, dim: number, ...tensors: Tensor[]): Tensor {
    const y = T.concat(tensors, dim);
    const axis = T.normalizeAxis('concat', dim, tensors[0]!.ndim);
    ctx.save({ axis, sizes: tensors.map((t) => t.shape[axis]!) });
    return y;
  },
  backward(ctx, gradOutput: Tensor): (Tensor | null)[] {
    const { axis, sizes } = ctx.saved;
    const grads: (Tensor | null)[] = [null];
    let at = 0;
    for (const [i, size] of sizes.entries()) {
      grads.push(ctx.needsInputGrad[i + 1] ? T.narrow(gradOutput, axis, at, size) : null);
      at += size;
    }
    return grads;
  },
  differentiableBackward(ctx, gradOutput): (Variable | null)[] {
    const { axis, sizes } = ctx.saved;
    const grads: (Variable | null)[] = [null];
    let at = 0;
    for (const [i, size] of sizes.entries()) {
      grads.push(ctx.needsInputGrad[i + 1] ? narrow(gradOutput, axis, at, size) : null);
      at += size;
    }
    return grads;
  },
});

/**
 * Joins values end to end along an existing axis.
 * `tensors`: `[..., Ni, ...]` (equal elsewhere) → `[..., ΣNi, ...]`.
 * @throws ShapeError naming the first value whose other sizes differ from `tensors[0]`
 */
export function concat(tensors: readonly (Variable | Tensor)[], dim = 0): Variable {
  if (!Array.isArray(tensors)) throw T.typeError('concat', `tensors must be an array, got ${T.describeValue(tensors)}`);
  return concatOp(dim, ...tensors);
}

const stackOp = defineOp({
  name: 'stack',
  forward(ctx: ForwardContext<{ axis: number; inputShape: Shape }>, dim: number, ...tensors: Tensor[]): Tensor {
    const y = T.stack(tensors, dim);
    ctx.save({ axis: T.normalizeAxis('stack', dim, y.ndim), inputShape: tensors[0]!.shape });
    return y;
  },
  backward(ctx, gradOutput: Tensor): (Tensor | null)[] {
    const { axis, inputShape } = ctx.saved;
    const count = gradOutput.shape[axis]!;
    const grads: (Tensor | null)[] = [null];
    for (let i = 0; i < count; i++) {
      grads.push(ctx.needsInputGrad[i + 1] ? T.reshape(T.narrow(gradOutput, axis, i, 1), inputShape) : null);
    }
    return grads;
  },
  differentiableBackward(ctx, gradOutput): (Variable | null)[] {
    const { axis, inputShape } = ctx.saved;
    const grads: (Variable | null)[] = [null];
    for (let i = 0; i < gradOutput.shape[axis]!; i++) {
      grads.push(ctx.needsInputGrad[i + 1] ? reshape(narrow(gradOutput, axis, i, 1), inputShape) : null);
    }
    return grads;
  },
});

/**
 * Joins same-shaped values along a new axis at `dim`.
 * `tensors`: `k` values of shape `S` → `S` with `k` inserted at `dim`.
 * @throws ShapeError naming the first value whose shape differs from `tensors[0]`
 */
export function stack(tensors: readonly (Variable | Tensor)[], dim = 0): Variable {
  if (!Array.isArray(tensors)) throw T.typeError('stack', `tensors must be an array, got ${T.describeValue(tensors)}`);
  return stackOp(dim, ...tensors);
}

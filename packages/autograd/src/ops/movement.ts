import * as T from '@torchlet/tensor';
import type { PadMode, PadOptions, PadWidth, Shape, Tensor } from '@torchlet/tensor';
import { defineOp } from '../function.js';
import { sumToShape } from '../sum-to-shape.js';
import type { Variable } from '../variable.js';

// Movement ops undo themselves: a reshape is reshaped back, a permutation inverted, an expand
// summed, a slice scattered into zeros, a pad folded back onto the elements it copied.

/**
 * Same elements, new shape (one size may be −1). Shares storage when the layout allows.
 * `x`: `size` elements → `shape`.
 */
export const reshape = defineOp({
  name: 'reshape',
  forward(ctx, x: Tensor, shape: Shape): Tensor {
    T.checkTensor('reshape', x);
    ctx.inputShape = x.shape;
    return T.reshape(x, shape);
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    return [T.reshape(gradOutput, ctx.inputShape as Shape)];
  },
});

/**
 * Like `reshape` but never copies. `x`: `size` elements → `shape`.
 * @throws ShapeError if `x`'s strides cannot be re-read as `shape`
 */
export const view = defineOp({
  name: 'view',
  forward(ctx, x: Tensor, shape: Shape): Tensor {
    T.checkTensor('view', x);
    ctx.inputShape = x.shape;
    return T.view(x, shape);
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    // The gradient may be laid out differently from x, so it is reshaped (copying if it must).
    return [T.reshape(gradOutput, ctx.inputShape as Shape)];
  },
});

/** Merges axes `startDim..endDim` into one: `[2, 3, 4, 5]`, 1 → `[2, 60]`. */
export const flatten = defineOp({
  name: 'flatten',
  forward(ctx, x: Tensor, startDim: number = 0, endDim: number = -1): Tensor {
    T.checkTensor('flatten', x);
    ctx.inputShape = x.shape;
    return T.flatten(x, startDim, endDim);
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    return [T.reshape(gradOutput, ctx.inputShape as Shape)];
  },
});

/** Removes size-1 axes (all, or those in `dim`). `[1, 3, 1]` → `[3]`. */
export const squeeze = defineOp({
  name: 'squeeze',
  forward(ctx, x: Tensor, dim?: number | readonly number[]): Tensor {
    T.checkTensor('squeeze', x);
    ctx.inputShape = x.shape;
    return T.squeeze(x, dim);
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    return [T.reshape(gradOutput, ctx.inputShape as Shape)];
  },
});

/** Inserts a size-1 axis at `dim` of the result. `[2, 3]`, 1 → `[2, 1, 3]`. */
export const unsqueeze = defineOp({
  name: 'unsqueeze',
  forward(ctx, x: Tensor, dim: number): Tensor {
    T.checkTensor('unsqueeze', x);
    ctx.inputShape = x.shape;
    return T.unsqueeze(x, dim);
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    return [T.reshape(gradOutput, ctx.inputShape as Shape)];
  },
});

/** Reorders axes: output axis i is input axis `dims[i]`. `[2, 3, 4]`, `[2, 0, 1]` → `[4, 2, 3]`. */
export const permute = defineOp({
  name: 'permute',
  forward(ctx, x: Tensor, dims: readonly number[]): Tensor {
    const y = T.permute(x, dims);
    ctx.dims = T.normalizeAxes('permute', dims, x.ndim, 'dims');
    return y;
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    const dims = ctx.dims as number[];
    const inverse = new Array<number>(dims.length);
    dims.forEach((d, i) => (inverse[d] = i));
    return [T.permute(gradOutput, inverse)];
  },
});

/** Swaps axes `dim0` and `dim1`. `[2, 3, 4]`, 0, −1 → `[4, 3, 2]`. */
export const transpose = defineOp({
  name: 'transpose',
  forward(ctx, x: Tensor, dim0: number, dim1: number): Tensor {
    ctx.dims = [dim0, dim1];
    return T.transpose(x, dim0, dim1);
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    const [dim0, dim1] = ctx.dims as [number, number];
    return [T.transpose(gradOutput, dim0, dim1)];
  },
});

/**
 * Broadcasts `x` to `shape` without copying (size-1 axes repeat, new axes in front; −1 keeps a
 * size). Every copy receives the gradient, so the backward sums them.
 * `x`: `S` → `shape`.
 */
export const expand = defineOp({
  name: 'expand',
  forward(ctx, x: Tensor, shape: Shape): Tensor {
    T.checkTensor('expand', x);
    ctx.inputShape = x.shape;
    return T.expand(x, shape);
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    return [sumToShape(gradOutput, ctx.inputShape as Shape)];
  },
});

/**
 * Python's `x[..., start:end:step, ...]` on axis `dim` (negative bounds count from the end,
 * bounds past the ends are clamped). `x`: `[..., D, ...]` → `[..., ceil((end − start) / step), ...]`.
 */
export const slice = defineOp({
  name: 'slice',
  forward(ctx, x: Tensor, dim: number, start: number = 0, end?: number, step: number = 1): Tensor {
    const y = T.slice(x, dim, start, end, step);
    ctx.inputShape = x.shape;
    ctx.axis = T.normalizeAxis('slice', dim, x.ndim);
    // The positions the slice read, found by slicing their own numbers: its adjoint adds the
    // gradient back at exactly those positions.
    if (ctx.needsInputGrad[0]) {
      const n = x.shape[ctx.axis as number]!;
      ctx.positions = T.slice(T.arange(0, n, 1, { dtype: 'int32' }), 0, start, end, step);
    }
    return y;
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    const inputShape = ctx.inputShape as Shape;
    const zeros = T.zeros(inputShape, { dtype: gradOutput.dtype });
    return [T.indexAdd(zeros, ctx.axis as number, ctx.positions as Tensor, gradOutput)];
  },
});

/**
 * `length` items of axis `dim` from `start` (negative counts from the end); the backward pads the
 * gradient with zeros back to `x`'s shape. `x`: `[..., D, ...]` → `[..., length, ...]`.
 * @throws RangeError if `start + length` runs past the axis
 */
export const narrow = defineOp({
  name: 'narrow',
  forward(ctx, x: Tensor, dim: number, start: number, length: number): Tensor {
    const y = T.narrow(x, dim, start, length);
    const axis = T.normalizeAxis('narrow', dim, x.ndim);
    const n = x.shape[axis]!;
    const from = start < 0 ? start + n : start;
    ctx.padWidth = x.shape.map((_, i) => (i === axis ? [from, n - from - length] : [0, 0]));
    return y;
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    return [T.pad(gradOutput, ctx.padWidth as PadWidth)];
  },
});

/**
 * Pads `x` (numpy-style `[before, after]` pairs for the trailing axes) in one of four modes.
 * The backward of reflect/replicate/circular adds each border element's gradient onto the
 * element it was copied from. `x`: `S` → `padOutputShape(S, padWidth)`.
 */
export const pad = defineOp({
  name: 'pad',
  forward(ctx, x: Tensor, padWidth: PadWidth, options: PadOptions = {}): Tensor {
    const y = T.pad(x, padWidth, options);
    ctx.inputShape = x.shape;
    ctx.padWidth = padWidth;
    ctx.mode = options.mode ?? 'constant';
    return y;
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    return [T.padAdjoint(gradOutput, ctx.inputShape as Shape, ctx.padWidth as PadWidth, { mode: ctx.mode as PadMode })];
  },
});

/**
 * Picks slices along `dim`: `out[..., j, ...] = x[..., index[j], ...]`; repeated indices add
 * their gradients. `x`: `[..., D, ...]`, `index`: `[K]` int32 → `[..., K, ...]`.
 */
export const indexSelect = defineOp({
  name: 'indexSelect',
  forward(ctx, x: Tensor, dim: number, index: Tensor | readonly number[]): Tensor {
    const y = T.indexSelect(x, dim, index);
    ctx.inputShape = x.shape;
    ctx.dim = dim;
    ctx.index = index;
    return y;
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    const zeros = T.zeros(ctx.inputShape as Shape, { dtype: gradOutput.dtype });
    return [T.indexAdd(zeros, ctx.dim as number, ctx.index as Tensor | readonly number[], gradOutput)];
  },
});

// concat and stack take a list; defineOp unwraps only top-level arguments, so the list travels
// as rest arguments after `dim`.

const concatOp = defineOp({
  name: 'concat',
  forward(ctx, dim: number, ...tensors: Tensor[]): Tensor {
    const y = T.concat(tensors, dim);
    ctx.axis = T.normalizeAxis('concat', dim, tensors[0]!.ndim);
    ctx.sizes = tensors.map((t) => t.shape[ctx.axis as number]!);
    return y;
  },
  backward(ctx, gradOutput: Tensor): (Tensor | null)[] {
    const axis = ctx.axis as number;
    const grads: (Tensor | null)[] = [null];
    let at = 0;
    for (const [i, size] of (ctx.sizes as number[]).entries()) {
      grads.push(ctx.needsInputGrad[i + 1] ? T.narrow(gradOutput, axis, at, size) : null);
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
  forward(ctx, dim: number, ...tensors: Tensor[]): Tensor {
    const y = T.stack(tensors, dim);
    ctx.axis = T.normalizeAxis('stack', dim, y.ndim);
    ctx.inputShape = tensors[0]!.shape;
    return y;
  },
  backward(ctx, gradOutput: Tensor): (Tensor | null)[] {
    const axis = ctx.axis as number;
    const inputShape = ctx.inputShape as Shape;
    const count = gradOutput.shape[axis]!;
    const grads: (Tensor | null)[] = [null];
    for (let i = 0; i < count; i++) {
      grads.push(ctx.needsInputGrad[i + 1] ? T.reshape(T.narrow(gradOutput, axis, i, 1), inputShape) : null);
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

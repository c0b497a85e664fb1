import * as T from '@torchlet/tensor';
import type { Tensor } from '@torchlet/tensor';
import { defineOp, type ForwardContext } from '../function.js';
import type { Variable } from '../variable.js';
import { mul, sub } from './arithmetic.js';
import { sum } from './reduce.js';
import { exp } from './unary.js';

/** The output and the axis: both backwards work from y. */
interface SoftmaxSaved {
  y: Tensor;
  axis: number;
}

// Both ops see their input as [outer, n, inner] around `dim` and run one fused loop per row, so
// the max-shift that keeps exp from overflowing costs no extra tensors.

/** `[..., n, ...]` around `axis` → `[outer, n, inner]`. */
function rows(shape: readonly number[], axis: number): [number, number, number] {
  let outer = 1;
  let inner = 1;
  for (let k = 0; k < axis; k++) outer *= shape[k]!;
  for (let k = axis + 1; k < shape.length; k++) inner *= shape[k]!;
  return [outer, shape[axis] ?? 1, inner];
}

function floatLike(x: Tensor): Tensor {
  return T.zeros(x.shape, { dtype: x.dtype === 'int32' ? 'float32' : x.dtype });
}

/**
 * softmax along `dim`: `exp(x − max) / Σ exp(x − max)`, stable for any magnitude of x.
 * `x`: any shape → same shape; each slice along `dim` sums to 1.
 * @throws RangeError if `dim` is out of range for `x`
 */
export const softmax = defineOp({
  name: 'softmax',
  forward(ctx: ForwardContext<SoftmaxSaved>, x: Tensor, dim: number): Tensor {
    T.checkTensor('softmax', x);
    const axis = T.normalizeAxis('softmax', dim, x.ndim);
    const [outer, n, inner] = rows(x.shape, axis);
    const src = T.contiguousData(x);
    const y = floatLike(x);
    const out = y.data;
    for (let a = 0; a < outer; a++) {
      for (let b = 0; b < inner; b++) {
        const base = a * n * inner + b;
        let m = -Infinity;
        for (let i = 0, p = base; i < n; i++, p += inner) if (src[p]! > m) m = src[p]!;
        let s = 0;
        for (let i = 0, p = base; i < n; i++, p += inner) {
          const e = Math.exp(src[p]! - m);
          out[p] = e;
          s += e;
        }
        for (let i = 0, p = base; i < n; i++, p += inner) out[p] = out[p]! / s;
      }
    }
    ctx.save({ y, axis });
    return y;
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    // dx = y · (g − Σ g·y): the Jacobian diag(y) − y yᵀ applied without forming it.
    const { y, axis } = ctx.saved;
    const [outer, n, inner] = rows(y.shape, axis);
    const g = T.contiguousData(gradOutput);
    const yd = y.data;
    const gradInput = floatLike(y);
    const out = gradInput.data;
    for (let a = 0; a < outer; a++) {
      for (let b = 0; b < inner; b++) {
        const base = a * n * inner + b;
        let dot = 0;
        for (let i = 0, p = base; i < n; i++, p += inner) dot += g[p]! * yd[p]!;
        for (let i = 0, p = base; i < n; i++, p += inner) out[p] = yd[p]! * (g[p]! - dot);
      }
    }
    return [gradInput];
  },
  differentiableBackward(ctx, gradOutput): [Variable] {
    const y = ctx.outputs[0]!;
    return [mul(y, sub(gradOutput, sum(mul(gradOutput, y), ctx.saved.axis, true)))];
  },
});

/**
 * log-softmax along `dim`: `x − max − log Σ exp(x − max)`, stable where `log(softmax(x))` would
 * give −∞. `x`: any shape → same shape.
 * @throws RangeError if `dim` is out of range for `x`
 */
export const logSoftmax = defineOp({
  name: 'logSoftmax',
  forward(ctx: ForwardContext<SoftmaxSaved>, x: Tensor, dim: number): Tensor {
    T.checkTensor('logSoftmax', x);
    const axis = T.normalizeAxis('logSoftmax', dim, x.ndim);
    const [outer, n, inner] = rows(x.shape, axis);
    const src = T.contiguousData(x);
    const y = floatLike(x);
    const out = y.data;
    for (let a = 0; a < outer; a++) {
      for (let b = 0; b < inner; b++) {
        const base = a * n * inner + b;
        let m = -Infinity;
        for (let i = 0, p = base; i < n; i++, p += inner) if (src[p]! > m) m = src[p]!;
        let s = 0;
        for (let i = 0, p = base; i < n; i++, p += inner) s += Math.exp(src[p]! - m);
        const shift = m + Math.log(s);
        for (let i = 0, p = base; i < n; i++, p += inner) out[p] = src[p]! - shift;
      }
    }
    ctx.save({ y, axis });
    return y;
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    // dx = g − softmax · Σ g, with softmax = exp(y) recovered from the saved output.
    const { y, axis } = ctx.saved;
    const [outer, n, inner] = rows(y.shape, axis);
    const g = T.contiguousData(gradOutput);
    const yd = y.data;
    const gradInput = floatLike(y);
    const out = gradInput.data;
    for (let a = 0; a < outer; a++) {
      for (let b = 0; b < inner; b++) {
        const base = a * n * inner + b;
        let total = 0;
        for (let i = 0, p = base; i < n; i++, p += inner) total += g[p]!;
        for (let i = 0, p = base; i < n; i++, p += inner) out[p] = g[p]! - Math.exp(yd[p]!) * total;
      }
    }
    return [gradInput];
  },
  differentiableBackward(ctx, gradOutput): [Variable] {
    return [sub(gradOutput, mul(exp(ctx.outputs[0]!), sum(gradOutput, ctx.saved.axis, true)))];
  },
});

import {
  add,
  defineOp,
  exp,
  mul,
  reshape,
  sigmoid,
  sub,
  sum,
  tanh,
  Variable,
  where,
  type ForwardContext,
} from '@torchlet/autograd';
import {
  checkOptions,
  contiguousData,
  describeValue,
  formatShape,
  rangeError,
  shapeError,
  Tensor,
  typeError,
  floatArray,
  gt,
  le,
  lt,
  mul as scaleTensor,
  type FloatArray,
} from '@torchlet/tensor';
import { type TensorInput } from './conv-options.js';

// Activations are differentiable ops of @torchlet/autograd (each with its own backward); the
// functional namespace re-exports them under torch.nn.functional's names.
export { relu, leakyRelu, tanh, sigmoid, gelu, softmax, logSoftmax, type GeluOptions } from '@torchlet/autograd';

/*
 * The activations below are elementwise: forward maps x → y, backward maps (g, x) → g·f'(x), each in
 * one loop with no graph of intermediate ops. At the kinks the derivative is PyTorch's one-sided
 * choice (named in each op), so gradients match its autograd exactly, not just almost everywhere.
 * Each also writes g·f'(x) in differentiable ops (`differentiableBackward`), used only under
 * `createGraph`, so its gradient can be differentiated again; the branches are constant masks.
 */

/** `f(x[i])` into a new float tensor of x's dtype and shape. */
function mapInput(x: Tensor, f: (v: number) => number): Tensor {
  const src = contiguousData(x);
  const out = floatArray(x.dtype, src.length);
  for (let i = 0; i < out.length; i++) out[i] = f(src[i]!);
  return new Tensor(out, x.shape);
}

/** `d(g[i], x[i])`: the input gradient of an elementwise op from its saved input. */
function mapGradient(gradOutput: Tensor, x: Tensor, d: (g: number, v: number) => number): Tensor {
  const g = contiguousData(gradOutput);
  const src = contiguousData(x);
  const out = floatArray(x.dtype, src.length);
  for (let i = 0; i < out.length; i++) out[i] = d(g[i]!, src[i]!);
  return new Tensor(out, x.shape);
}

/** The entry check every activation shares: a float Tensor or Variable. */
function checkFloatInput(op: string, input: unknown): void {
  if (!(input instanceof Tensor) && !(input instanceof Variable))
    throw typeError(op, `input must be a Tensor or Variable, got ${describeValue(input)}`);
  if (input.dtype === 'int32')
    throw typeError(op, `input must be float32 or float64, got int32 ${formatShape(input.shape)}`);
}

function checkFinite(op: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw typeError(op, `${name} must be a finite number, got ${describeValue(value)}`);
  return value;
}

const eluOp = defineOp({
  name: 'elu',
  forward(ctx: ForwardContext<{ x: Tensor; alpha: number }>, x: Tensor, alpha: number): Tensor {
    ctx.save({ x, alpha });
    return mapInput(x, (v) => (v > 0 ? v : alpha * Math.expm1(v)));
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    const { x, alpha } = ctx.saved;
    // At 0 the left branch: α·e⁰ = α, as PyTorch.
    return [mapGradient(gradOutput, x, (g, v) => (v > 0 ? g : g * alpha * Math.exp(v)))];
  },
  differentiableBackward(ctx, gradOutput): [Variable] {
    const [x, alpha] = ctx.inputs;
    return [mul(gradOutput, where(gt(x.data, 0), 1, mul(exp(x), alpha)))];
  },
});

export interface EluOptions {
  /** The value the negative side approaches: `α·(eˣ − 1)`. Default 1. */
  alpha?: number;
}

/**
 * ELU, as `torch.nn.functional.elu`: x for x > 0, `α·(eˣ − 1)` otherwise; the gradient at 0 is α.
 * `input`: any shape → same shape.
 * @throws TypeError if `alpha` is not a finite number or the input is int32
 */
export function elu(input: TensorInput, options: EluOptions = {}): Variable {
  const op = 'elu';
  checkFloatInput(op, input);
  const alpha = checkFinite(op, 'alpha', checkOptions(op, options, ['alpha']).alpha ?? 1);
  return eluOp(input, alpha);
}

/** σ(x), for SiLU and Mish, without overflow for large |x|. */
function sigmoidOf(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

const siluOp = defineOp({
  name: 'silu',
  forward(ctx: ForwardContext<{ x: Tensor }>, x: Tensor): Tensor {
    ctx.save({ x });
    return mapInput(x, (v) => v * sigmoidOf(v));
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    const { x } = ctx.saved;
    // d/dx x·σ(x) = σ(x)·(1 + x·(1 − σ(x)))
    return [
      mapGradient(gradOutput, x, (g, v) => {
        const s = sigmoidOf(v);
        return g * s * (1 + v * (1 - s));
      }),
    ];
  },
  differentiableBackward(ctx, gradOutput): [Variable] {
    const [x] = ctx.inputs;
    const s = sigmoid(x);
    return [mul(gradOutput, mul(s, add(mul(x, sub(1, s)), 1)))];
  },
});

/**
 * SiLU (swish), as `torch.nn.functional.silu`: `x·σ(x)`. `input`: any shape → same shape.
 * @throws TypeError for int32 input
 */
export function silu(input: TensorInput): Variable {
  checkFloatInput('silu', input);
  return siluOp(input);
}

const hardswishOp = defineOp({
  name: 'hardswish',
  forward(ctx: ForwardContext<{ x: Tensor }>, x: Tensor): Tensor {
    ctx.save({ x });
    return mapInput(x, (v) => (v <= -3 ? 0 : v >= 3 ? v : (v * (v + 3)) / 6));
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    const { x } = ctx.saved;
    // PyTorch's branches: 0 below −3, x/3 + ½ on [−3, 3] (so −½ at −3 and 1.5 at 3), 1 above.
    return [mapGradient(gradOutput, x, (g, v) => (v < -3 ? 0 : v <= 3 ? g * (v / 3 + 0.5) : g))];
  },
  differentiableBackward(ctx, gradOutput): [Variable] {
    const [x] = ctx.inputs;
    const slope = where(lt(x.data, -3), 0, where(le(x.data, 3), add(mul(x, 1 / 3), 0.5), 1));
    return [mul(gradOutput, slope)];
  },
});

/**
 * Hardswish, as `torch.nn.functional.hardswish`: `x·relu6(x + 3)/6`. `input`: any shape → same shape.
 * The gradient at −3 is −0.5 and at 3 is 1.5, as PyTorch's.
 * @throws TypeError for int32 input
 */
export function hardswish(input: TensorInput): Variable {
  checkFloatInput('hardswish', input);
  return hardswishOp(input);
}

const softplusOp = defineOp({
  name: 'softplus',
  forward(
    ctx: ForwardContext<{ x: Tensor; beta: number; threshold: number }>,
    x: Tensor,
    beta: number,
    threshold: number,
  ): Tensor {
    ctx.save({ x, beta, threshold });
    return mapInput(x, (v) => (v * beta > threshold ? v : Math.log1p(Math.exp(v * beta)) / beta));
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    const { x, beta, threshold } = ctx.saved;
    return [
      mapGradient(gradOutput, x, (g, v) => {
        if (v * beta > threshold) return g;
        const z = Math.exp(v * beta);
        return (g * z) / (z + 1);
      }),
    ];
  },
  differentiableBackward(ctx, gradOutput): [Variable] {
    // Below the threshold the slope is σ(β·x), which sigmoid computes without overflow.
    const [x, beta, threshold] = ctx.inputs;
    return [mul(gradOutput, where(gt(scaleTensor(x.data, beta), threshold), 1, sigmoid(mul(x, beta))))];
  },
});

export interface SoftplusOptions {
  /** Sharpness: `log(1 + e^(β·x)) / β`. Default 1. */
  beta?: number;
  /** Above `β·x > threshold` the output is x itself (the forward jumps there, as PyTorch's). Default 20. */
  threshold?: number;
}

/**
 * Softplus, as `torch.nn.functional.softplus`: `log(1 + e^(β·x)) / β`, or x where `β·x > threshold`.
 * `input`: any shape → same shape.
 * @throws TypeError if `beta` or `threshold` is not a finite number; RangeError if `beta` is 0
 */
export function softplus(input: TensorInput, options: SoftplusOptions = {}): Variable {
  const op = 'softplus';
  checkFloatInput(op, input);
  const o = checkOptions(op, options, ['beta', 'threshold']);
  const beta = checkFinite(op, 'beta', o.beta ?? 1);
  const threshold = checkFinite(op, 'threshold', o.threshold ?? 20);
  if (beta === 0) throw rangeError(op, 'beta must not be 0 (the output divides by it), got beta=0');
  return softplusOp(input, beta, threshold);
}

const mishOp = defineOp({
  name: 'mish',
  forward(ctx: ForwardContext<{ x: Tensor }>, x: Tensor): Tensor {
    ctx.save({ x });
    return mapInput(x, (v) => v * Math.tanh(Math.log1p(Math.exp(v))));
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    const { x } = ctx.saved;
    // d/dx x·tanh(sp(x)) = tanh(sp) + x·σ(x)·(1 − tanh²(sp)), sp' = σ
    return [
      mapGradient(gradOutput, x, (g, v) => {
        const t = Math.tanh(Math.log1p(Math.exp(v)));
        return g * (t + v * sigmoidOf(v) * (1 - t * t));
      }),
    ];
  },
  differentiableBackward(ctx, gradOutput): [Variable] {
    const [x] = ctx.inputs;
    // softplus past β·x > 20 is x itself, and tanh of it is 1 in float64 as is tanh(log1p(eˣ)).
    const t = tanh(softplusOp(x, 1, 20));
    return [mul(gradOutput, add(t, mul(mul(x, sigmoid(x)), sub(1, mul(t, t)))))];
  },
});

/**
 * Mish, as `torch.nn.functional.mish`: `x·tanh(softplus(x))`. `input`: any shape → same shape.
 * @throws TypeError for int32 input
 */
export function mish(input: TensorInput): Variable {
  checkFloatInput('mish', input);
  return mishOp(input);
}

/** Which weight entry scales element `i`: all one, or the one of its channel (axis 1). */
interface ChannelLayout {
  channels: number;
  /** Elements per channel run: the product of the axes after axis 1. */
  inner: number;
}

const preluOp = defineOp({
  name: 'prelu',
  forward(
    ctx: ForwardContext<{ x: Tensor; weight: Tensor; layout: ChannelLayout }>,
    x: Tensor,
    weight: Tensor,
    layout: ChannelLayout,
  ): Tensor {
    ctx.save({ x, weight, layout });
    const src = contiguousData(x);
    const w = contiguousData(weight);
    const out = floatArray(x.dtype, src.length);
    const { channels, inner } = layout;
    for (let i = 0; i < out.length; i++) {
      const v = src[i]!;
      out[i] = v > 0 ? v : w[channels === 1 ? 0 : Math.floor(i / inner) % channels]! * v;
    }
    return new Tensor(out, x.shape);
  },
  backward(ctx, gradOutput: Tensor): [Tensor | null, Tensor | null] {
    const { x, weight, layout } = ctx.saved;
    const { channels, inner } = layout;
    const src = contiguousData(x);
    const w = contiguousData(weight);
    const g = contiguousData(gradOutput);
    const gradInput = ctx.needsInputGrad[0] ? floatArray(x.dtype, src.length) : null;
    const gradWeight = new Float64Array(weight.size);
    for (let i = 0; i < src.length; i++) {
      const v = src[i]!;
      const c = channels === 1 ? 0 : Math.floor(i / inner) % channels;
      // At 0 the negative branch: the input gradient is the weight, the weight's is 0·g (PyTorch).
      if (gradInput) gradInput[i] = v > 0 ? g[i]! : w[c]! * g[i]!;
      if (v <= 0) gradWeight[c] = gradWeight[c]! + v * g[i]!;
    }
    let gw: FloatArray | null = null;
    if (ctx.needsInputGrad[1]) {
      gw = floatArray(weight.dtype, weight.size);
      gw.set(gradWeight);
    }
    return [gradInput && new Tensor(gradInput, x.shape), gw && new Tensor(gw, weight.shape)];
  },
  differentiableBackward(ctx, gradOutput): (Variable | null)[] {
    const [x, weight, { channels }] = ctx.inputs;
    // The weight broadcast over the input: one entry, or one per channel on axis 1.
    const perChannel = channels === 1 ? [1] : x.shape.map((d, i) => (i === 1 ? d : 1));
    const negative = le(x.data, 0);
    const gradInput = ctx.needsInputGrad[0] ? mul(gradOutput, where(negative, reshape(weight, perChannel), 1)) : null;
    let gradWeight: Variable | null = null;
    if (ctx.needsInputGrad[1]) {
      const perElement = where(negative, mul(gradOutput, x), 0);
      const axes = x.shape.map((_, i) => i).filter((i) => channels === 1 || i !== 1);
      gradWeight = reshape(sum(perElement, axes), [channels]);
    }
    return [gradInput, gradWeight];
  },
});

/**
 * PReLU, as `torch.nn.functional.prelu`: x for x > 0, `weight·x` otherwise, with one weight for all
 * elements or one per channel (axis 1).
 *
 * @param input  `[N, C, ...]` (any rank >= 1 with a single weight)
 * @param weight `[1]` or `[C]`
 * @returns the input's shape
 * @throws ShapeError if the weight is not 1-D, or has more than one entry and not C; TypeError on dtype mismatch
 */
export function prelu(input: TensorInput, weight: TensorInput): Variable {
  const op = 'prelu';
  checkFloatInput(op, input);
  if (!(weight instanceof Tensor) && !(weight instanceof Variable))
    throw typeError(op, `weight must be a Tensor or Variable, got ${describeValue(weight)}`);
  if (weight.dtype !== input.dtype)
    throw typeError(op, `input is ${input.dtype} but weight is ${weight.dtype}; cast one of them so both match`);
  if (weight.ndim !== 1 || weight.size < 1)
    throw shapeError(op, `weight must be [1] or [C], got ${formatShape(weight.shape)}`);
  const channels = weight.size;
  if (channels > 1 && (input.ndim < 2 || input.shape[1] !== channels)) {
    const c = input.ndim < 2 ? 'no channel axis' : `${input.shape[1]} channels`;
    throw shapeError(
      op,
      `weight ${formatShape(weight.shape)} has one entry per channel, but input ${formatShape(input.shape)} has ${c}`,
    );
  }
  let inner = 1;
  for (let k = 2; k < input.ndim; k++) inner *= input.shape[k]!;
  return preluOp(input, weight, { channels, inner });
}

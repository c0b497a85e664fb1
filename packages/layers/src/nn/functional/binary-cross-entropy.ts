import {
  add,
  clamp,
  defineOp,
  div,
  grad,
  log,
  mul,
  sigmoid,
  sub,
  sumToShape,
  Variable,
  type ForwardContext,
} from '@torchlet/autograd';
import {
  broadcastShapes,
  checkOptions,
  contiguousData,
  expand,
  formatShape,
  rangeError,
  shapeError,
  Tensor,
  typeError,
} from '@torchlet/tensor';
import {
  checkInputAndTarget,
  checkFloatInput,
  checkReduction,
  dataOf,
  floatArray,
  reduceLoss,
  type Reduction,
  type TensorInput,
} from './loss-common.js';

export interface BceOptions {
  /** Rescales each element's loss; broadcast to the input's shape. A constant: it gets no gradient. */
  weight?: TensorInput | null;
  /** Default `'mean'`. */
  reduction?: Reduction;
}

export interface BceWithLogitsOptions {
  /** Rescales each element's loss; broadcast to the input's shape. */
  weight?: TensorInput | null;
  /** Weight of the positive term, broadcast against the input (one per class along the last axis). */
  posWeight?: TensorInput | null;
  /** Default `'mean'`. */
  reduction?: Reduction;
}

/**
 * What PyTorch's kernel divides the input gradient by at least, so x = 0 or 1 gives a finite
 * gradient: 1e-12 as a float32 constant (9.99999996e-13), as in its kernel, in every dtype.
 */
const BCE_EPSILON = Math.fround(1e-12);

/** The scale each element's gradient gets from the reduction: g itself, or g / n for `'mean'`. */
function reductionScale(gradOutput: Variable, reduction: Reduction, n: number): Variable {
  return reduction === 'mean' ? div(gradOutput, n) : gradOutput;
}

/** Elementwise BCE on probabilities; the weight is a constant pre-expanded to the input's shape. */
const bce = defineOp({
  name: 'binaryCrossEntropy',
  forward(
    ctx: ForwardContext<{ input: Tensor; target: Tensor; weight: Tensor | null; reduction: Reduction }>,
    input: Tensor,
    target: Tensor,
    weight: Tensor | null,
    reduction: Reduction,
  ): Tensor {
    const x = contiguousData(input);
    const t = contiguousData(target);
    const w = weight ? contiguousData(weight) : null;
    const n = x.length;
    const losses = reduction === 'none' ? floatArray(x, n) : null;
    let total = 0;
    for (let i = 0; i < n; i++) {
      // PyTorch clamps each log at −100, so x = 0 or 1 gives a loss of at most 100 per element, not inf.
      let loss = (t[i]! - 1) * Math.max(Math.log1p(-x[i]!), -100) - t[i]! * Math.max(Math.log(x[i]!), -100);
      if (w) loss *= w[i]!;
      if (losses) losses[i] = loss;
      else total += loss;
    }
    ctx.save({ input, target, weight, reduction });
    if (losses) return new Tensor(losses, input.shape);
    const out = floatArray(x, 1);
    out[0] = reduction === 'mean' ? total / n : total;
    return new Tensor(out, []);
  },
  backward(ctx, gradOutput: Tensor): (Tensor | null)[] {
    const { input, target, weight, reduction } = ctx.saved;
    const x = contiguousData(input);
    const t = contiguousData(target);
    const w = weight ? contiguousData(weight) : null;
    const g = contiguousData(gradOutput);
    const n = x.length;
    const [needX, needT] = ctx.needsInputGrad;
    const gx = needX ? floatArray(x, n) : null;
    const gt = needT ? floatArray(x, n) : null;
    for (let i = 0; i < n; i++) {
      const scale = (reduction === 'none' ? g[i]! : reduction === 'mean' ? g[0]! / n : g[0]!) * (w ? w[i]! : 1);
      const xi = x[i]!;
      if (gx) gx[i] = (scale * (xi - t[i]!)) / Math.max((1 - xi) * xi, BCE_EPSILON);
      // −logit(x), as PyTorch: ±inf at x = 0 or 1, where the loss is not differentiable in the target.
      if (gt) gt[i] = -scale * Math.log(xi / (1 - xi));
    }
    return [gx && new Tensor(gx, input.shape), gt && new Tensor(gt, input.shape), null, null];
  },
  differentiableBackward(ctx, gradOutput): (Variable | null)[] {
    const [x, t, weight] = ctx.inputs;
    const { reduction } = ctx.saved;
    let scale = reductionScale(gradOutput, reduction, x.size);
    if (weight) scale = mul(scale, weight);
    const [needX, needT] = ctx.needsInputGrad;
    return [
      needX ? div(mul(scale, sub(x, t)), clamp(mul(x, sub(1, x)), BCE_EPSILON)) : null,
      needT ? mul(scale, sub(log(sub(1, x)), log(x))) : null,
      null,
      null,
    ];
  },
});

/**
 * Binary cross-entropy on probabilities, as `torch.nn.functional.binary_cross_entropy`:
 * `loss = −w·(t·max(log x, −100) + (1 − t)·max(log(1 − x), −100))`. The log is clamped at −100 as
 * in PyTorch, so a confident wrong answer costs 100, not inf. Differentiable in the input and the
 * target (twice); the weight is a constant, as in PyTorch.
 *
 * @param input  any shape, probabilities in [0, 1] (e.g. from `sigmoid`)
 * @param target same shape as `input`
 * @param options.weight broadcastable to the input's shape
 * @returns `[]`, or the input's shape with `reduction: 'none'`
 * @throws RangeError if an input value lies outside [0, 1] (naming it) or for a bad reduction;
 *   ShapeError if target differs from input in shape or the weight does not broadcast
 * @example binaryCrossEntropy(sigmoid(logits), labels) // logits [N, 1], labels float [N, 1] → []
 */
export function binaryCrossEntropy(input: TensorInput, target: TensorInput, options: BceOptions = {}): Variable {
  const op = 'binaryCrossEntropy';
  const o = checkOptions(op, options, ['weight', 'reduction']);
  const [x, y] = checkInputAndTarget(op, input, target);
  const reduction = checkReduction(op, o.reduction ?? 'mean');
  const weight = checkWeight(op, 'weight', o.weight, x);
  const values = contiguousData(dataOf(x));
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v >= 0 && v <= 1)) {
      throw rangeError(
        op,
        `all elements of input should be between 0 and 1 (probabilities; use binaryCrossEntropyWithLogits for logits), got ${v} at index ${i} of ${formatShape(x.shape)}`,
      );
    }
  }
  return bce(x, y, weight && expand(dataOf(weight), x.shape), reduction);
}

/** A weight option: null, or a float tensor of the input's dtype that broadcasts to the input's shape. */
function checkWeight(op: string, name: string, w: unknown, x: TensorInput): TensorInput | null {
  if (w === undefined || w === null) return null;
  const weight = checkFloatInput(op, name, w);
  const b = (() => {
    try {
      return broadcastShapes(op, weight.shape, x.shape);
    } catch {
      return null;
    }
  })();
  if (!b || b.length !== x.ndim || b.some((d, i) => d !== x.shape[i])) {
    throw shapeError(
      op,
      `${name} ${formatShape(weight.shape)} does not broadcast to the input's shape ${formatShape(x.shape)}`,
    );
  }
  if (weight.dtype !== x.dtype)
    throw typeError(op, `input is ${x.dtype} but ${name} is ${weight.dtype}; cast one of them`);
  return weight;
}

/** softplus(−x) = log(1 + e^−x), without overflow for large |x|. */
function softplusNegOf(x: number): number {
  return Math.max(-x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** softplus(−x) as a twice-differentiable op: its derivative is −σ(−x) = σ(x) − 1. */
const softplusNeg = defineOp({
  name: 'softplusNeg',
  forward(ctx: ForwardContext<{ x: Tensor }>, x: Tensor): Tensor {
    ctx.save({ x });
    const v = contiguousData(x);
    const out = floatArray(v, v.length);
    for (let i = 0; i < v.length; i++) out[i] = softplusNegOf(v[i]!);
    return new Tensor(out, x.shape);
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    const v = contiguousData(ctx.saved.x);
    const g = contiguousData(gradOutput);
    const out = floatArray(v, v.length);
    for (let i = 0; i < v.length; i++) out[i] = -g[i]! * sigmoidNegOf(v[i]!);
    return [new Tensor(out, ctx.saved.x.shape)];
  },
  differentiableBackward(ctx, gradOutput): [Variable] {
    return [mul(gradOutput, sub(sigmoid(ctx.inputs[0]), 1))];
  },
});

/** σ(−x), computed on the side where exp cannot overflow. */
function sigmoidNegOf(x: number): number {
  return x >= 0 ? Math.exp(-x) / (1 + Math.exp(-x)) : 1 / (1 + Math.exp(x));
}

/** Elementwise BCE-with-logits and all four gradients; the weights are pre-expanded to the input's shape. */
const bceWithLogits = defineOp({
  name: 'binaryCrossEntropyWithLogits',
  forward(
    ctx: ForwardContext<{
      input: Tensor;
      target: Tensor;
      weight: Tensor | null;
      posWeight: Tensor | null;
      reduction: Reduction;
    }>,
    input: Tensor,
    target: Tensor,
    weight: Tensor | null,
    posWeight: Tensor | null,
    reduction: Reduction,
  ): Tensor {
    const x = contiguousData(input);
    const t = contiguousData(target);
    const w = weight ? contiguousData(expand(weight, input.shape)) : null;
    const pw = posWeight ? contiguousData(expand(posWeight, input.shape)) : null;
    const n = x.length;
    const losses = reduction === 'none' ? floatArray(x, n) : null;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const logWeight = pw ? 1 + (pw[i]! - 1) * t[i]! : 1;
      let loss = (1 - t[i]!) * x[i]! + logWeight * softplusNegOf(x[i]!);
      if (w) loss *= w[i]!;
      if (losses) losses[i] = loss;
      else total += loss;
    }
    ctx.save({ input, target, weight, posWeight, reduction });
    if (losses) return new Tensor(losses, input.shape);
    const out = floatArray(x, 1);
    out[0] = reduction === 'mean' ? total / n : total;
    return new Tensor(out, []);
  },
  backward(ctx, gradOutput: Tensor): (Tensor | null)[] {
    const { input, target, weight, posWeight, reduction } = ctx.saved;
    const x = contiguousData(input);
    const t = contiguousData(target);
    const w = weight ? contiguousData(expand(weight, input.shape)) : null;
    const pw = posWeight ? contiguousData(expand(posWeight, input.shape)) : null;
    const g = contiguousData(gradOutput);
    const n = x.length;
    const [needX, needT, needW, needPw] = ctx.needsInputGrad;
    const gx = needX ? floatArray(x, n) : null;
    const gt = needT ? floatArray(x, n) : null;
    const gw = needW ? floatArray(x, n) : null;
    const gpw = needPw ? floatArray(x, n) : null;
    for (let i = 0; i < n; i++) {
      const scale = reduction === 'none' ? g[i]! : reduction === 'mean' ? g[0]! / n : g[0]!;
      const xi = x[i]!;
      const ti = t[i]!;
      const wi = w ? w[i]! : 1;
      const pwi = pw ? pw[i]! : 1;
      const logWeight = 1 + (pwi - 1) * ti;
      const sp = softplusNegOf(xi);
      // d softplus(−x)/dx = −σ(−x)
      if (gx) gx[i] = scale * wi * (1 - ti - logWeight * sigmoidNegOf(xi));
      if (gt) gt[i] = scale * wi * (-xi + (pwi - 1) * sp);
      if (gw) gw[i] = scale * ((1 - ti) * xi + logWeight * sp);
      if (gpw) gpw[i] = scale * wi * ti * sp;
    }
    const shape = input.shape;
    return [
      gx && new Tensor(gx, shape),
      gt && new Tensor(gt, shape),
      gw && sumToShape(new Tensor(gw, shape), weight!.shape),
      gpw && sumToShape(new Tensor(gpw, shape), posWeight!.shape),
    ];
  },
  differentiableBackward(ctx, gradOutput): (Variable | null)[] {
    // Under createGraph: the same loss in differentiable ops, differentiated with its graph kept.
    const [x, t, weight, posWeight] = ctx.inputs;
    const logWeight = posWeight ? add(1, mul(sub(posWeight, 1), t)) : 1;
    let losses = add(mul(sub(1, t), x), mul(logWeight, softplusNeg(x)));
    if (weight) losses = mul(losses, weight);
    // One Variable passed twice (say as input and target) gets its whole gradient at its first position.
    const inputs = [x, t, weight, posWeight];
    const wantedAt = inputs.map((v, i) => v !== null && ctx.needsInputGrad[i] === true && inputs.indexOf(v) === i);
    const wanted = inputs.filter((v, i): v is Variable => wantedAt[i] === true && v !== null);
    const grads = grad(reduceLoss(losses, ctx.saved.reduction), wanted, { gradOutputs: gradOutput, createGraph: true });
    let next = 0;
    return [...wantedAt.map((w) => (w ? grads[next++]! : null)), null];
  },
});

/**
 * Binary cross-entropy on logits, as `torch.nn.functional.binary_cross_entropy_with_logits`,
 * in the stable form: `loss = w·((1 − t)·x + (1 + (pw − 1)·t)·softplus(−x))`.
 *
 * Differentiable in all four tensors, twice; PyTorch differentiates only the input and the target.
 *
 * @param input     any shape, logits
 * @param target    same shape as `input`, values in [0, 1]
 * @param options.weight    broadcastable to the input's shape
 * @param options.posWeight broadcastable to the input's shape (typically `[C]` for `[N, C]`)
 * @returns `[]`, or the input's shape with `reduction: 'none'`
 * @throws ShapeError if target differs from input in shape or a weight does not broadcast; TypeError for
 *   mixed dtypes or an unknown option
 * @example binaryCrossEntropyWithLogits(logits, labels, { posWeight }) // [N, C], [N, C], posWeight [C] → []
 */
export function binaryCrossEntropyWithLogits(
  input: TensorInput,
  target: TensorInput,
  options: BceWithLogitsOptions = {},
): Variable {
  const op = 'binaryCrossEntropyWithLogits';
  const o = checkOptions(op, options, ['weight', 'posWeight', 'reduction']);
  const [x, y] = checkInputAndTarget(op, input, target);
  const reduction = checkReduction(op, o.reduction ?? 'mean');
  const weight = checkWeight(op, 'weight', o.weight, x);
  const posWeight = checkWeight(op, 'posWeight', o.posWeight, x);
  return bceWithLogits(x, y, weight, posWeight, reduction);
}

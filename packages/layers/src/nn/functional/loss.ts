import {
  add,
  defineOp,
  grad,
  reshape as reshapeVariable,
  logSoftmax,
  mean,
  mul,
  neg,
  sub,
  sum,
  sumToShape,
  Variable,
  type ForwardContext,
} from '@torchlet/autograd';
import {
  broadcastShapes,
  cast,
  contiguousData,
  expand,
  formatShape,
  rangeError,
  reshape,
  shapeError,
  Tensor,
  typeError,
  type TypedArray,
} from '@torchlet/tensor';

import { softplus } from './activation.js';

type TensorInput = Tensor | Variable;

/** How per-element losses are combined: kept (`'none'`), summed, or averaged (default). */
export type Reduction = 'none' | 'mean' | 'sum';

export interface CrossEntropyOptions {
  /** Rescaling weight per class, `[C]`. Treated as a constant (no gradient). */
  weight?: TensorInput | null;
  /** Class-index targets equal to this are skipped, and excluded from the mean. Default -100. */
  ignoreIndex?: number;
  /** Default `'mean'`. */
  reduction?: Reduction;
  /** In [0, 1]: mixes the target with the uniform distribution, as PyTorch's `label_smoothing`. Default 0. */
  labelSmoothing?: number;
}

export interface NllLossOptions {
  weight?: TensorInput | null;
  ignoreIndex?: number;
  reduction?: Reduction;
}

export interface MseLossOptions {
  reduction?: Reduction;
}

export interface BceWithLogitsOptions {
  /** Rescales each element's loss; broadcast to the input's shape. */
  weight?: TensorInput | null;
  /** Weight of the positive term, broadcast against the input (one per class along the last axis). */
  posWeight?: TensorInput | null;
  reduction?: Reduction;
}

const isTensorLike = (t: unknown): t is TensorInput => t instanceof Tensor || t instanceof Variable;
const dataOf = (t: TensorInput): Tensor => (t instanceof Variable ? t.data : t);

function floatArray(like: TypedArray, length: number): Float32Array | Float64Array {
  return like instanceof Float64Array ? new Float64Array(length) : new Float32Array(length);
}

function checkReduction(op: string, reduction: unknown): Reduction {
  if (reduction !== 'none' && reduction !== 'mean' && reduction !== 'sum') {
    throw rangeError(op, `reduction must be 'none', 'mean' or 'sum', got ${JSON.stringify(reduction)}`);
  }
  return reduction;
}

function checkFloatInput(op: string, name: string, t: unknown): TensorInput {
  if (!isTensorLike(t))
    throw typeError(
      op,
      `${name} must be a Tensor or Variable, got ${t === null ? 'null' : Array.isArray(t) ? 'an array' : typeof t}`,
    );
  if (t.dtype === 'int32') throw typeError(op, `${name} must be float32 or float64, got int32 ${formatShape(t.shape)}`);
  return t;
}

/** Everything the class-index kernel needs besides the input: resolved and validated up front. */
interface ClassPlan {
  op: string;
  /** Input read as `[n, c, l]` (l = product of the extra axes). */
  n: number;
  c: number;
  l: number;
  target: Int32Array;
  weight: Float64Array | null;
  ignoreIndex: number;
  reduction: Reduction;
  smoothing: number;
  /** crossEntropy takes logits (log-softmax inside); nllLoss takes log-probabilities. */
  fromLogits: boolean;
  /** Shape of the `'none'` output: the input without its class axis. */
  sampleShape: number[];
}

/**
 * Class-index targets → `{ target, shape }`, checked against the input and the class count before
 * any work: an index outside [0, C) that is not `ignoreIndex` is a RangeError naming it.
 */
function classPlan(
  op: string,
  input: TensorInput,
  target: unknown,
  options: CrossEntropyOptions,
  fromLogits: boolean,
): ClassPlan {
  const x = checkFloatInput(op, 'input', input);
  if (x.ndim < 1) throw shapeError(op, `input must be [N, C, ...] or [C], got ${formatShape(x.shape)}`);
  const unbatched = x.ndim === 1;
  const c = unbatched ? x.shape[0]! : x.shape[1]!;
  const n = unbatched ? 1 : x.shape[0]!;
  const sampleShape = unbatched ? [] : [x.shape[0]!, ...x.shape.slice(2)];
  const l = unbatched ? 1 : x.shape.slice(2).reduce((a, b) => a * b, 1);
  let values: ArrayLike<number>;
  let targetShape: readonly number[];
  if (Array.isArray(target)) {
    values = target;
    targetShape = [target.length];
  } else if (isTensorLike(target)) {
    const t = dataOf(target);
    if (t.dtype !== 'int32')
      throw typeError(op, `class-index target must be int32 (or a number[]), got ${t.dtype} ${formatShape(t.shape)}`);
    values = contiguousData(t);
    targetShape = t.shape;
  } else {
    throw typeError(
      op,
      `target must be an int32 Tensor of class indices, a number[], or a float Tensor of probabilities; got ${target === null ? 'null' : typeof target}`,
    );
  }
  if (targetShape.length !== sampleShape.length || targetShape.some((d, i) => d !== sampleShape[i])) {
    throw shapeError(
      op,
      `target is ${formatShape(targetShape)} but input ${formatShape(x.shape)} needs class indices of shape ${formatShape(sampleShape)}`,
    );
  }
  const ignoreIndex = options.ignoreIndex ?? -100;
  if (!Number.isInteger(ignoreIndex)) throw typeError(op, `ignoreIndex must be an integer, got ${String(ignoreIndex)}`);
  const targets = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const t = values[i]!;
    if (t !== ignoreIndex && (!Number.isInteger(t) || t < 0 || t >= c)) {
      throw rangeError(
        op,
        `target ${t} at index ${i} is out of range for ${c} classes (expected 0..${c - 1} or ignoreIndex=${ignoreIndex})`,
      );
    }
    targets[i] = t;
  }
  return {
    op,
    n,
    c,
    l,
    target: targets,
    weight: classWeight(op, options.weight, c),
    ignoreIndex,
    reduction: checkReduction(op, options.reduction ?? 'mean'),
    smoothing: checkSmoothing(op, options.labelSmoothing),
    fromLogits,
    sampleShape,
  };
}

function classWeight(op: string, weight: unknown, c: number): Float64Array | null {
  if (weight === undefined || weight === null) return null;
  const w = checkFloatInput(op, 'weight', weight);
  if (w.ndim !== 1 || w.shape[0] !== c)
    throw shapeError(op, `weight must be [${c}] (one per class), got ${formatShape(w.shape)}`);
  return Float64Array.from(contiguousData(dataOf(w)));
}

function checkSmoothing(op: string, value: unknown): number {
  const s = value ?? 0;
  if (typeof s !== 'number' || !(s >= 0 && s <= 1))
    throw rangeError(op, `labelSmoothing must be in [0, 1], got ${String(value)}`);
  return s;
}

/** What the class losses' backward reads: the input, its log-sum-exps per sample, and the sums of weights. */
interface ClassLossSaved {
  input: Tensor;
  /** log Σ exp over the classes, per sample (empty without the log-softmax in front). */
  lse: Float64Array;
  /** Σ w[t] over the samples not ignored: what 'mean' divides by. */
  denominator: number;
  weightSum: number;
  plan: ClassPlan;
}

/**
 * Negative log-likelihood over class indices in one pass per sample, with an optional
 * log-softmax in front: crossEntropy's forward never materialises the log-probabilities, and its
 * backward is `softmax − onehot` (plus the smoothing term) straight from the saved log-sum-exps.
 */
const classLossOp = (name: string) =>
  defineOp({
    name,
    forward(ctx: ForwardContext<ClassLossSaved>, input: Tensor, plan: ClassPlan): Tensor {
      const { n, c, l, target, weight, ignoreIndex, reduction, smoothing, fromLogits } = plan;
      const x = contiguousData(input);
      const count = n * l;
      const losses = new Float64Array(count);
      // log Σ exp per sample, kept for backward (softmax = exp(x − lse)).
      const lse = new Float64Array(fromLogits ? count : 0);
      const weightSum = weight ? weight.reduce((a, b) => a + b, 0) : c;
      let denominator = 0;
      for (let s = 0; s < n; s++) {
        for (let j = 0; j < l; j++) {
          const i = s * l + j;
          const t = target[i]!;
          if (t === ignoreIndex) continue;
          const base = s * c * l + j;
          let shift = 0;
          if (fromLogits) {
            let m = -Infinity;
            for (let k = 0, p = base; k < c; k++, p += l) if (x[p]! > m) m = x[p]!;
            let e = 0;
            for (let k = 0, p = base; k < c; k++, p += l) e += Math.exp(x[p]! - m);
            shift = m + Math.log(e);
            lse[i] = shift;
          }
          const wt = weight ? weight[t]! : 1;
          let loss = -wt * (x[base + t * l]! - shift);
          if (smoothing > 0) {
            // −Σ_k w_k·logp_k, the cross-entropy against the uniform distribution.
            let smooth = 0;
            for (let k = 0, p = base; k < c; k++, p += l) smooth -= (weight ? weight[k]! : 1) * (x[p]! - shift);
            loss = (1 - smoothing) * loss + (smoothing / c) * smooth;
          }
          losses[i] = loss;
          denominator += wt;
        }
      }
      ctx.save({ input, lse, denominator, weightSum, plan });
      if (reduction === 'none') {
        const out = floatArray(x, count);
        out.set(losses);
        return new Tensor(out, plan.sampleShape);
      }
      let total = 0;
      for (let i = 0; i < count; i++) total += losses[i]!;
      const out = floatArray(x, 1);
      // mean divides by the summed weights of the samples kept, as PyTorch (0/0 = NaN if none are).
      out[0] = reduction === 'mean' ? total / denominator : total;
      return new Tensor(out, []);
    },
    backward(ctx, gradOutput: Tensor): [Tensor] {
      const { input, lse, denominator, weightSum, plan } = ctx.saved;
      const { n, c, l, target, weight, ignoreIndex, reduction, smoothing, fromLogits } = plan;
      const x = contiguousData(input);
      const g = contiguousData(gradOutput);
      const gradInput = floatArray(x, x.length);
      const uniform = smoothing / c;
      for (let s = 0; s < n; s++) {
        for (let j = 0; j < l; j++) {
          const i = s * l + j;
          const t = target[i]!;
          if (t === ignoreIndex) continue;
          const scale = reduction === 'none' ? g[i]! : reduction === 'mean' ? g[0]! / denominator : g[0]!;
          const base = s * c * l + j;
          const wt = weight ? weight[t]! : 1;
          if (!fromLogits) {
            gradInput[base + t * l] = -scale * wt;
            continue;
          }
          const hard = (1 - smoothing) * wt;
          for (let k = 0, p = base; k < c; k++, p += l) {
            const prob = Math.exp(x[p]! - lse[i]!);
            let d = hard * (prob - (k === t ? 1 : 0));
            if (smoothing > 0) d += uniform * (weightSum * prob - (weight ? weight[k]! : 1));
            gradInput[p] = scale * d;
          }
        }
      }
      return [new Tensor(gradInput, input.shape)];
    },
    differentiableBackward(ctx, gradOutput): (Variable | null)[] {
      // Under createGraph: the same loss composed of differentiable ops (log-softmax, and constant
      // masks that pick each sample's weighted target and, with smoothing, every class's weight).
      const [input] = ctx.inputs;
      const { denominator, plan } = ctx.saved;
      const { n, c, l, target, weight, ignoreIndex, reduction, smoothing, fromLogits } = plan;
      const x = reshapeVariable(input, [n, c, l]);
      const logp = fromLogits ? logSoftmax(x, 1) : x;
      const pick = new Float64Array(n * c * l);
      const spread = new Float64Array(smoothing > 0 ? n * c * l : 0);
      for (let s = 0; s < n; s++) {
        for (let j = 0; j < l; j++) {
          const t = target[s * l + j]!;
          if (t === ignoreIndex) continue;
          pick[(s * c + t) * l + j] = weight ? weight[t]! : 1;
          for (let k = 0; k < c && smoothing > 0; k++) spread[(s * c + k) * l + j] = weight ? weight[k]! : 1;
        }
      }
      const picked = (mask: Float64Array) => neg(sum(mul(logp, cast(new Tensor(mask, [n, c, l]), input.dtype)), 1));
      let losses = picked(pick);
      if (smoothing > 0) losses = add(mul(losses, 1 - smoothing), mul(picked(spread), smoothing / c));
      const out =
        reduction === 'none'
          ? reshapeVariable(losses, plan.sampleShape)
          : reduction === 'sum'
            ? sum(losses)
            : mul(sum(losses), 1 / denominator);
      return [grad(out, [input], { gradOutputs: gradOutput, createGraph: true })[0]!, null];
    },
  });
const crossEntropyOp = classLossOp('crossEntropy');
const nllLossOp = classLossOp('nllLoss');

/** Applies `reduction` to per-element losses (a Variable of any shape). */
function reduce(losses: Variable, reduction: Reduction): Variable {
  if (reduction === 'none') return losses;
  return reduction === 'sum' ? sum(losses) : mean(losses);
}

/**
 * Cross-entropy between logits and targets, as `torch.nn.functional.cross_entropy` (PyTorch 1.13).
 *
 * With class indices, per sample (ε = labelSmoothing, lp = logSoftmax(input) over C, w = weight or 1):
 * `loss = (1 − ε)·(−w[t]·lp[t]) + (ε/C)·(−Σ_c w[c]·lp[c])`, 0 where `t = ignoreIndex`; `'mean'`
 * divides the sum by `Σ w[t]` over the samples not ignored. One fused op: log-softmax and the pick
 * forward, `softmax − onehot` backward.
 * With probabilities (a float target of the input's shape): `loss = −Σ_c w[c]·y'[c]·lp[c]`,
 * `y' = (1 − ε)·y + ε/C`; `'mean'` divides by the number of samples.
 *
 * @param input  `[N, C]`, `[N, C, d1, ...]` or `[C]` (unbatched) logits
 * @param target class indices `[N]` / `[N, d1, ...]` / `[]` (int32 Tensor or number[]), or probabilities shaped as `input`
 * @returns `[]`, or with `reduction: 'none'` the per-sample losses `[N, d1, ...]`
 * @throws RangeError for a class index outside [0, C) (naming it), a bad reduction or labelSmoothing;
 *   ShapeError if target or weight do not fit the input; TypeError for int32 logits
 * @example crossEntropy(logits, labels).item() // logits [64, 10], labels int32 [64] → a number
 */
export function crossEntropy(
  input: TensorInput,
  target: TensorInput | readonly number[],
  options: CrossEntropyOptions = {},
): Variable {
  const op = 'crossEntropy';
  if (options === null || typeof options !== 'object') throw typeError(op, 'options must be an object');
  if (isTensorLike(target) && target.dtype !== 'int32') return probabilityCrossEntropy(input, target, options);
  return crossEntropyOp(input, classPlan(op, input, target, options, true));
}

function probabilityCrossEntropy(input: TensorInput, target: TensorInput, options: CrossEntropyOptions): Variable {
  const op = 'crossEntropy';
  const x = checkFloatInput(op, 'input', input);
  if (x.ndim < 1) throw shapeError(op, `input must be [N, C, ...] or [C], got ${formatShape(x.shape)}`);
  if (target.shape.length !== x.shape.length || target.shape.some((d, i) => d !== x.shape[i])) {
    // A float target shaped like class indices is almost always labels made with tensor([1, 2, ...]),
    // which defaults to float32: say what to do rather than only that the shapes differ.
    const indexShape = x.ndim === 1 ? [] : [x.shape[0]!, ...x.shape.slice(2)];
    if (target.shape.length === indexShape.length && target.shape.every((d, i) => d === indexShape[i])) {
      throw typeError(
        op,
        `target ${target.dtype} ${formatShape(target.shape)} looks like class indices, which must be int32 ` +
          `(e.g. tensor(labels, { dtype: 'int32' })); a float target is read as probabilities of the input's shape ${formatShape(x.shape)}`,
      );
    }
    throw shapeError(
      op,
      `probability target must have the input's shape ${formatShape(x.shape)}, got ${formatShape(target.shape)}`,
    );
  }
  if (target.dtype !== x.dtype)
    throw typeError(op, `input is ${x.dtype} but the probability target is ${target.dtype}; cast one of them`);
  if (options.ignoreIndex !== undefined && options.ignoreIndex !== -100) {
    throw rangeError(op, `ignoreIndex=${options.ignoreIndex} applies only to class-index targets, not probabilities`);
  }
  const reduction = checkReduction(op, options.reduction ?? 'mean');
  const classDim = x.ndim === 1 ? 0 : 1;
  const c = x.shape[classDim]!;
  const smoothing = checkSmoothing(op, options.labelSmoothing);
  const weight = classWeight(op, options.weight, c);
  let y: TensorInput | Variable = target;
  if (smoothing > 0) y = add(mul(target, 1 - smoothing), smoothing / c);
  let terms = mul(logSoftmax(input, classDim), y);
  if (weight) {
    // [C] viewed as [C, 1, ...] so it broadcasts along the class axis.
    const view = new Array<number>(x.ndim - classDim).fill(1);
    view[0] = c;
    terms = mul(terms, reshape(new Tensor(x.dtype === 'float64' ? weight : Float32Array.from(weight), [c]), view));
  }
  return reduce(neg(sum(terms, classDim)), reduction);
}

/**
 * Negative log-likelihood of class indices given log-probabilities, as
 * `torch.nn.functional.nll_loss`: `loss = −w[t]·input[t]`, 0 where `t = ignoreIndex`; `'mean'`
 * divides by `Σ w[t]` over the samples kept.
 *
 * @param input  `[N, C]`, `[N, C, d1, ...]` or `[C]` log-probabilities (e.g. from `logSoftmax`)
 * @param target `[N]` / `[N, d1, ...]` / `[]` class indices (int32 Tensor or number[])
 * @returns `[]`, or `[N, d1, ...]` with `reduction: 'none'`
 * @throws RangeError for a class index outside [0, C); ShapeError if target or weight do not fit
 */
export function nllLoss(
  input: TensorInput,
  target: TensorInput | readonly number[],
  options: NllLossOptions = {},
): Variable {
  const op = 'nllLoss';
  if (options === null || typeof options !== 'object') throw typeError(op, 'options must be an object');
  if (isTensorLike(target) && target.dtype !== 'int32')
    throw typeError(op, `target must hold int32 class indices, got ${target.dtype} ${formatShape(target.shape)}`);
  return nllLossOp(input, classPlan(op, input, target, { ...options, labelSmoothing: 0 }, false));
}

/**
 * Mean squared error, as `torch.nn.functional.mse_loss`: `(input − target)²`, reduced.
 * Differs from PyTorch: the shapes must match (PyTorch broadcasts with a warning).
 *
 * @param input  any shape
 * @param target same shape as `input` (may require grad)
 * @returns `[]`, or the input's shape with `reduction: 'none'`
 * @throws ShapeError if the shapes differ
 */
export function mseLoss(input: TensorInput, target: TensorInput, options: MseLossOptions = {}): Variable {
  const op = 'mseLoss';
  if (options === null || typeof options !== 'object') throw typeError(op, 'options must be an object');
  const x = checkFloatInput(op, 'input', input);
  const y = checkFloatInput(op, 'target', target);
  if (x.shape.length !== y.shape.length || x.shape.some((d, i) => d !== y.shape[i])) {
    throw shapeError(op, `input ${formatShape(x.shape)} and target ${formatShape(y.shape)} must have the same shape`);
  }
  if (x.dtype !== y.dtype) throw typeError(op, `input is ${x.dtype} but target is ${y.dtype}; cast one of them`);
  const reduction = checkReduction(op, options.reduction ?? 'mean');
  const diff = sub(x, y);
  return reduce(mul(diff, diff), reduction);
}

/** softplus(−x) = log(1 + e^−x), without overflow for large |x|. */
function softplusNeg(x: number): number {
  return Math.max(-x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
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
      let loss = (1 - t[i]!) * x[i]! + logWeight * softplusNeg(x[i]!);
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
      const sp = softplusNeg(xi);
      // d softplus(−x)/dx = −σ(−x), computed on the side where exp cannot overflow.
      const sigNeg = xi >= 0 ? Math.exp(-xi) / (1 + Math.exp(-xi)) : 1 / (1 + Math.exp(xi));
      if (gx) gx[i] = scale * wi * (1 - ti - logWeight * sigNeg);
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
    // Under createGraph the loss is differentiated as its composition, the same stable form.
    const [input, target, weight, posWeight, reduction] = ctx.inputs;
    const logWeight = posWeight ? add(mul(sub(posWeight, 1), target), 1) : 1;
    // softplus(−x) exactly up to −x = 700 (where eˣ still fits a double), −x itself beyond.
    let loss = add(mul(sub(1, target), input), mul(logWeight, softplus(neg(input), { threshold: 700 })));
    if (weight) loss = mul(loss, weight);
    const reduced = reduction === 'none' ? loss : reduction === 'sum' ? sum(loss) : mean(loss);
    const operands = [input, target, weight, posWeight];
    const wanted = operands.filter((v, i): v is Variable => v !== null && ctx.needsInputGrad[i] === true);
    const grads = grad(reduced, wanted, { gradOutputs: gradOutput, createGraph: true, allowUnused: true });
    return operands.map((v) => (v !== null && wanted.includes(v) ? grads[wanted.indexOf(v)]! : null));
  },
});

/**
 * Binary cross-entropy on logits, as `torch.nn.functional.binary_cross_entropy_with_logits`,
 * in the stable form: `loss = w·((1 − t)·x + (1 + (pw − 1)·t)·softplus(−x))`.
 *
 * @param input     any shape, logits
 * @param target    same shape as `input`, values in [0, 1]
 * @param options.weight    broadcastable to the input's shape
 * @param options.posWeight broadcastable to the input's shape (typically `[C]` for `[N, C]`)
 * @returns `[]`, or the input's shape with `reduction: 'none'`
 * @throws ShapeError if target differs from input in shape or a weight does not broadcast
 */
export function binaryCrossEntropyWithLogits(
  input: TensorInput,
  target: TensorInput,
  options: BceWithLogitsOptions = {},
): Variable {
  const op = 'binaryCrossEntropyWithLogits';
  if (options === null || typeof options !== 'object') throw typeError(op, 'options must be an object');
  const x = checkFloatInput(op, 'input', input);
  const y = checkFloatInput(op, 'target', target);
  if (x.shape.length !== y.shape.length || x.shape.some((d, i) => d !== y.shape[i])) {
    throw shapeError(op, `target ${formatShape(y.shape)} must have the input's shape ${formatShape(x.shape)}`);
  }
  const reduction = checkReduction(op, options.reduction ?? 'mean');
  const weights: (TensorInput | null)[] = [];
  for (const name of ['weight', 'posWeight'] as const) {
    const w = options[name];
    if (w === undefined || w === null) {
      weights.push(null);
      continue;
    }
    checkFloatInput(op, name, w);
    const b = (() => {
      try {
        return broadcastShapes(op, w.shape, x.shape);
      } catch {
        return null;
      }
    })();
    if (!b || b.length !== x.ndim || b.some((d, i) => d !== x.shape[i])) {
      throw shapeError(
        op,
        `${name} ${formatShape(w.shape)} does not broadcast to the input's shape ${formatShape(x.shape)}`,
      );
    }
    weights.push(w);
  }
  for (const t of [y, ...weights]) {
    if (t && t.dtype !== x.dtype)
      throw typeError(op, `input is ${x.dtype} but ${t === y ? 'target' : 'a weight'} is ${t.dtype}; cast one of them`);
  }
  return bceWithLogits(x, y, weights[0]!, weights[1]!, reduction);
}

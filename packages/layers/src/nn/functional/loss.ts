import {
  add,
  defineOp,
  grad,
  reshape as reshapeVariable,
  logSoftmax,
  mul,
  neg,
  sum,
  Variable,
  type ForwardContext,
} from '@torchlet/autograd';
import {
  cast,
  checkOptions,
  contiguousData,
  formatShape,
  rangeError,
  reshape,
  shapeError,
  Tensor,
  typeError,
} from '@torchlet/tensor';
import {
  checkFloatInput,
  checkReduction,
  dataOf,
  floatArray,
  isTensorLike,
  reduceLoss,
  type Reduction,
  type TensorInput,
} from './loss-common.js';

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
  checkOptions(op, options, ['weight', 'ignoreIndex', 'reduction', 'labelSmoothing']);
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
  return reduceLoss(neg(sum(terms, classDim)), reduction);
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
  checkOptions(op, options, ['weight', 'ignoreIndex', 'reduction']);
  if (isTensorLike(target) && target.dtype !== 'int32')
    throw typeError(op, `target must hold int32 class indices, got ${target.dtype} ${formatShape(target.shape)}`);
  return nllLossOp(input, classPlan(op, input, target, { ...options, labelSmoothing: 0 }, false));
}

import { add, defineOp, grad, mean, mul, pow, reshape, sub, Variable, type ForwardContext } from '@torchlet/autograd';
import {
  optionKeys,
  checkOptions,
  contiguousData,
  describeValue,
  formatShape,
  rangeError,
  shapeError,
  Tensor,
  typeError,
  floatArray,
} from '@torchlet/tensor';
import { batchNorm, type NormalizedSaved } from './batch-norm.js';
import { type TensorInput } from './conv-options.js';

/**
 * Layer, group and instance normalisation are one computation: the input, flat, is `rows` runs of
 * `m` values, each normalised by its own mean and biased variance; then an elementwise scale and
 * shift whose entry for flat index i is `floor(i / inner) % period` (per channel: inner = L,
 * period = C; per element of the normalised shape: inner = 1, period = m).
 */
interface RowsPlan {
  rows: number;
  m: number;
  inner: number;
  period: number;
  eps: number;
  /** The shape of weight and bias, hence of their gradients. */
  affineShape: readonly number[];
  /** The first input axis weight and bias run along (layer norm: the first normalised axis; else 1). */
  affineAxis: number;
  /** When given, forward leaves each row's mean and biased variance here (instance norm's running stats). */
  stats: { mean: Float64Array; variance: Float64Array } | null;
}

const normalizeRowsOp = defineOp({
  name: 'normalizeRows',
  forward(
    ctx: ForwardContext<NormalizedSaved & { plan: RowsPlan }>,
    input: Tensor,
    weight: Tensor | null,
    bias: Tensor | null,
    plan: RowsPlan,
  ): Tensor {
    const { rows, m, inner, period, eps, stats } = plan;
    const x = contiguousData(input);
    const w = weight ? contiguousData(weight) : null;
    const b = bias ? contiguousData(bias) : null;
    const out = floatArray(input.dtype, x.length);
    const mean = new Float64Array(rows);
    const invstd = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      const start = r * m;
      // Two passes (mean, then squared deviations): a one-pass E[x²] − E[x]² cancels for means near 1e4.
      let s = 0;
      for (let i = start; i < start + m; i++) s += x[i]!;
      const mu = s / m;
      let sq = 0;
      for (let i = start; i < start + m; i++) {
        const d = x[i]! - mu;
        sq += d * d;
      }
      const is = 1 / Math.sqrt(sq / m + eps);
      mean[r] = mu;
      invstd[r] = is;
      if (stats) {
        stats.mean[r] = mu;
        stats.variance[r] = sq / m;
      }
      for (let i = start; i < start + m; i++) {
        const k = Math.floor(i / inner) % period;
        out[i] = (x[i]! - mu) * is * (w ? w[k]! : 1) + (b ? b[k]! : 0);
      }
    }
    ctx.save({ input, weight, mean, invstd, plan });
    return new Tensor(out, input.shape);
  },
  backward(ctx, gradOutput: Tensor): [Tensor | null, Tensor | null, Tensor | null] {
    const { input, weight, mean, invstd, plan } = ctx.saved;
    const { rows, m, inner, period, affineShape } = plan;
    const [needInput, needWeight, needBias] = ctx.needsInputGrad;
    const x = contiguousData(input);
    const g = contiguousData(gradOutput);
    const w = weight ? contiguousData(weight) : null;
    const gradInput = needInput ? floatArray(input.dtype, x.length) : null;
    const gradWeight = new Float64Array(period);
    const gradBias = new Float64Array(period);
    for (let r = 0; r < rows; r++) {
      const start = r * m;
      const mu = mean[r]!;
      const is = invstd[r]!;
      // With ĝ = g·γ: dx = invstd/m · (m·ĝ − Σĝ − x̂·Σ(ĝ·x̂)); the row's statistics depend on every input.
      let sumG = 0;
      let sumGX = 0;
      for (let i = start; i < start + m; i++) {
        const k = Math.floor(i / inner) % period;
        const xhat = (x[i]! - mu) * is;
        const gi = g[i]!;
        gradWeight[k] = gradWeight[k]! + gi * xhat;
        gradBias[k] = gradBias[k]! + gi;
        const gh = gi * (w ? w[k]! : 1);
        sumG += gh;
        sumGX += gh * xhat;
      }
      if (!gradInput) continue;
      for (let i = start; i < start + m; i++) {
        const k = Math.floor(i / inner) % period;
        const xhat = (x[i]! - mu) * is;
        gradInput[i] = (is / m) * (m * g[i]! * (w ? w[k]! : 1) - sumG - xhat * sumGX);
      }
    }
    const like = (values: Float64Array) => {
      const out = floatArray(input.dtype, values.length);
      out.set(values);
      return new Tensor(out, affineShape);
    };
    return [
      gradInput && new Tensor(gradInput, input.shape),
      needWeight ? like(gradWeight) : null,
      needBias ? like(gradBias) : null,
    ];
  },
  differentiableBackward(ctx, gradOutput): (Variable | null)[] {
    // Under createGraph the normalisation is differentiated as its composition of differentiable ops.
    const [input, weight, bias, { rows, m, eps, affineShape, affineAxis }] = ctx.inputs;
    const centred = sub(reshape(input, [rows, m]), mean(reshape(input, [rows, m]), 1, true));
    const xhat = mul(centred, pow(add(mean(mul(centred, centred), 1, true), eps), -0.5));
    const along = input.shape.map((d, i) => (i >= affineAxis && i < affineAxis + affineShape.length ? d : 1));
    let y = reshape(xhat, input.shape);
    if (weight) y = mul(y, reshape(weight, along));
    if (bias) y = add(y, reshape(bias, along));
    const operands = [input, weight, bias];
    const wanted = operands.filter((v, i): v is Variable => v !== null && ctx.needsInputGrad[i] === true);
    const grads = grad(y, wanted, { gradOutputs: gradOutput, createGraph: true, allowUnused: true });
    return operands.map((v) => (v !== null && wanted.includes(v) ? grads[wanted.indexOf(v)]! : null));
  },
});

function checkInput(op: string, input: unknown, minRank: number, layout: string): Tensor | Variable {
  if (!(input instanceof Tensor) && !(input instanceof Variable))
    throw typeError(op, `input must be a Tensor or Variable, got ${describeValue(input)}`);
  if (input.dtype === 'int32')
    throw typeError(op, `input must be float32 or float64, got int32 ${formatShape(input.shape)}`);
  if (input.ndim < minRank) throw shapeError(op, `input must be ${layout}, got ${formatShape(input.shape)}`);
  return input;
}

/** weight / bias: null, or a tensor of exactly `shape` and the input's dtype. */
function checkAffine(op: string, name: string, t: unknown, shape: readonly number[], dtype: string): void {
  if (t === null || t === undefined) return;
  if (!(t instanceof Tensor) && !(t instanceof Variable))
    throw typeError(op, `${name} must be a Tensor or Variable, got ${describeValue(t)}`);
  if (t.ndim !== shape.length || t.shape.some((d, k) => d !== shape[k]))
    throw shapeError(op, `${name} must be ${formatShape(shape)}, got ${formatShape(t.shape)}`);
  if (t.dtype !== dtype)
    throw typeError(op, `input is ${dtype} but ${name} is ${t.dtype}; cast one of them so both match`);
}

function checkEps(op: string, eps: unknown): number {
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps))
    throw rangeError(op, `eps must be a finite number >= 0, got eps=${String(eps)}`);
  return eps;
}

export interface AffineNormOptions {
  /** Scale, or null for 1. */
  weight?: TensorInput | null;
  /** Shift, or null for 0. */
  bias?: TensorInput | null;
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
}

const AFFINE_KEYS = optionKeys<AffineNormOptions>({ weight: true, bias: true, eps: true });

/**
 * `normalizedShape` (a size or sizes) as an array; a 0 in it is allowed, as PyTorch: nothing to
 * normalise, an empty output. `describe` renders a bad value in the error.
 * @throws TypeError unless it is a non-negative integer or a non-empty array of them
 */
export function checkNormalizedShape(
  op: string,
  normalizedShape: unknown,
  describe: (value: unknown) => string,
): readonly number[] {
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
  if (!Array.isArray(shape) || shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 0))
    throw typeError(
      op,
      `normalizedShape must be a non-negative integer or a non-empty array of them, got ${describe(normalizedShape)}`,
    );
  return shape as readonly number[];
}

/**
 * Layer normalisation, as `torch.nn.functional.layer_norm`: each sample is normalised over its last
 * `normalizedShape.length` axes by their mean and biased variance, then scaled and shifted elementwise.
 *
 * @param input          `[..., ...normalizedShape]`
 * @param normalizedShape the trailing axes to normalise over (a number for one axis)
 * @param options        `weight` and `bias` of `normalizedShape` (or null), `eps` (default 1e-5)
 * @returns the input's shape
 * @throws ShapeError if the input's trailing axes are not `normalizedShape`, or weight/bias have another shape
 * @example layerNorm(x, [16]) // x [N, L, 16] → [N, L, 16], each row of 16 with mean 0, variance ≈ 1
 */
export function layerNorm(
  input: TensorInput,
  normalizedShape: number | readonly number[],
  options: AffineNormOptions = {},
): Variable {
  const op = 'layerNorm';
  const shape = checkNormalizedShape(op, normalizedShape, describeValue);
  const x = checkInput(op, input, shape.length, `[..., ${shape.join(', ')}]`);
  const o = checkOptions(op, options, AFFINE_KEYS);
  const tail = x.shape.slice(x.ndim - shape.length);
  if (tail.some((d, k) => d !== shape[k]))
    throw shapeError(op, `input ${formatShape(x.shape)} does not end in normalizedShape ${formatShape(shape)}`);
  checkAffine(op, 'weight', o.weight, shape, x.dtype);
  checkAffine(op, 'bias', o.bias, shape, x.dtype);
  const m = shape.reduce((p, d) => p * d, 1);
  const eps = checkEps(op, o.eps ?? 1e-5);
  return normalizeRowsOp(x, o.weight ?? null, o.bias ?? null, {
    rows: x.shape.slice(0, x.ndim - shape.length).reduce((p, d) => p * d, 1),
    m,
    inner: 1,
    period: m,
    eps,
    affineShape: shape,
    affineAxis: x.ndim - shape.length,
    stats: null,
  });
}

/**
 * Group normalisation, as `torch.nn.functional.group_norm`: the channels of each sample are split
 * into `numGroups` groups, each normalised over its channels and positions together, then scaled
 * and shifted per channel.
 *
 * @param input     `[N, C, ...]`, C divisible by `numGroups`
 * @param numGroups groups per sample
 * @param options   `weight` and `bias` `[C]` (or null), `eps` (default 1e-5)
 * @returns the input's shape
 * @throws ShapeError if C is not divisible by numGroups or weight/bias are not `[C]`
 */
export function groupNorm(input: TensorInput, numGroups: number, options: AffineNormOptions = {}): Variable {
  const op = 'groupNorm';
  const x = checkInput(op, input, 2, '[N, C, ...]');
  const o = checkOptions(op, options, AFFINE_KEYS);
  if (typeof numGroups !== 'number' || !Number.isInteger(numGroups) || numGroups < 1)
    throw typeError(op, `numGroups must be a positive integer, got ${describeValue(numGroups)}`);
  const [n, c] = x.shape as [number, number];
  if (c % numGroups !== 0)
    throw shapeError(
      op,
      `input has ${c} channels, not divisible by numGroups=${numGroups}; input is ${formatShape(x.shape)}`,
    );
  checkAffine(op, 'weight', o.weight, [c], x.dtype);
  checkAffine(op, 'bias', o.bias, [c], x.dtype);
  const eps = checkEps(op, o.eps ?? 1e-5);
  const l = x.shape.slice(2).reduce((a, d) => a * d, 1);
  return normalizeRowsOp(x, o.weight ?? null, o.bias ?? null, {
    rows: n * numGroups,
    m: (c / numGroups) * l,
    inner: l,
    period: c,
    eps,
    affineShape: [c],
    affineAxis: 1,
    stats: null,
  });
}

export interface InstanceNormOptions extends AffineNormOptions {
  /** `[C]` plain Tensors, updated in place when `useInputStats`; required when it is false. */
  runningMean?: Tensor | null;
  runningVar?: Tensor | null;
  /** Normalise with each instance's own statistics (default true); false uses the running ones. */
  useInputStats?: boolean;
  /** Weight of the new batch in the running averages. Default 0.1. */
  momentum?: number;
}

const INSTANCE_KEYS = optionKeys<InstanceNormOptions>({
  weight: true,
  bias: true,
  eps: true,
  runningMean: true,
  runningVar: true,
  useInputStats: true,
  momentum: true,
});

/**
 * Instance normalisation, as `torch.nn.functional.instance_norm`: every `[n, c]` plane is
 * normalised by its own mean and biased variance, then scaled and shifted per channel. With
 * running statistics given, they move towards the batch average of the per-instance means and
 * *unbiased* variances; `useInputStats: false` normalises with the running ones instead (batch
 * norm in eval mode).
 *
 * @param input `[N, C, ...spatial]` (a 3-D input is `[N, C, L]`, never unbatched)
 * @returns the input's shape
 * @throws ShapeError for fewer than 3 axes or exactly one spatial value while using input statistics
 */
export function instanceNorm(input: TensorInput, options: InstanceNormOptions = {}): Variable {
  const op = 'instanceNorm';
  const x = checkInput(op, input, 3, '[N, C, ...spatial]');
  const o = checkOptions(op, options, INSTANCE_KEYS);
  const [n, c] = x.shape as [number, number];
  const useInputStats = o.useInputStats ?? true;
  if (typeof useInputStats !== 'boolean')
    throw typeError(op, `useInputStats must be a boolean, got ${describeValue(useInputStats)}`);
  const momentum = o.momentum ?? 0.1;
  if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1))
    throw rangeError(op, `momentum must be in [0, 1], got momentum=${String(momentum)}`);
  const eps = checkEps(op, o.eps ?? 1e-5);
  checkAffine(op, 'weight', o.weight, [c], x.dtype);
  checkAffine(op, 'bias', o.bias, [c], x.dtype);
  const runningMean = o.runningMean ?? null;
  const runningVar = o.runningVar ?? null;
  for (const [name, t] of [
    ['runningMean', runningMean],
    ['runningVar', runningVar],
  ] as const) {
    if (t !== null && !(t instanceof Tensor))
      throw typeError(op, `${name} must be a Tensor (a buffer, not a Variable) or null, got ${describeValue(t)}`);
    checkAffine(op, name, t, [c], x.dtype);
  }
  if ((runningMean === null) !== (runningVar === null))
    throw typeError(op, 'runningMean and runningVar must both be given or both be null');
  if (!useInputStats) {
    if (!runningMean) throw typeError(op, 'runningMean and runningVar are required when useInputStats is false');
    return batchNorm(x, runningMean, runningVar, { weight: o.weight, bias: o.bias, training: false, eps });
  }
  const l = x.shape.slice(2).reduce((a, d) => a * d, 1);
  // No spatial value at all is an empty output, as PyTorch; one value has no variance.
  if (l === 1)
    throw shapeError(op, `using input statistics needs more than 1 spatial value, got input ${formatShape(x.shape)}`);
  const stats = runningMean ? { mean: new Float64Array(n * c), variance: new Float64Array(n * c) } : null;
  const y = normalizeRowsOp(x, o.weight ?? null, o.bias ?? null, {
    rows: n * c,
    m: l,
    inner: l,
    period: c,
    eps,
    affineShape: [c],
    affineAxis: 1,
    stats,
  });
  // An empty input leaves the running statistics untouched, as PyTorch.
  if (stats && x.size > 0) updateRunningStats(stats, runningMean!, runningVar!, n, c, l, momentum);
  return y;
}

/** `r ← (1 − momentum)·r + momentum·(batch average of the instances' mean / unbiased variance)`, as PyTorch. */
function updateRunningStats(
  stats: { mean: Float64Array; variance: Float64Array },
  runningMean: Tensor,
  runningVar: Tensor,
  n: number,
  c: number,
  l: number,
  momentum: number,
): void {
  for (let ch = 0; ch < c; ch++) {
    let mu = 0;
    let v = 0;
    for (let i = 0; i < n; i++) {
      mu += stats.mean[i * c + ch]!;
      v += (stats.variance[i * c + ch]! * l) / (l - 1);
    }
    const at = runningMean.offset + ch * runningMean.strides[0]!;
    runningMean.data[at] = (1 - momentum) * runningMean.data[at]! + (momentum * mu) / n;
    const vat = runningVar.offset + ch * runningVar.strides[0]!;
    runningVar.data[vat] = (1 - momentum) * runningVar.data[vat]! + (momentum * v) / n;
  }
}

import { add, defineOp, grad, mean, mul, pow, reshape, sub, Variable, type ForwardContext } from '@torchlet/autograd';
import { bumpVersion, contiguousData, formatShape, rangeError, shapeError, Tensor, typeError } from '@torchlet/tensor';
import { checkOptions, optionKeys } from '@torchlet/tensor';

type TensorInput = Tensor | Variable;

export interface BatchNormOptions {
  /** Scale γ, `[C]`, or null for 1. */
  weight?: TensorInput | null;
  /** Shift β, `[C]`, or null for 0. */
  bias?: TensorInput | null;
  /** Normalise with the batch's statistics (and update the running ones); else use the running ones. Default false. */
  training?: boolean;
  /** Weight of the new batch in the running averages: `r = (1 − momentum)·r + momentum·batch`. Default 0.1. */
  momentum?: number;
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
}

interface BatchNormPlan {
  runningMean: Tensor | null;
  runningVar: Tensor | null;
  training: boolean;
  momentum: number;
  eps: number;
}

/** The input read as `[N, C, L]`, L the product of the axes after the channels. */
function layout(shape: readonly number[]): [number, number, number] {
  let l = 1;
  for (let k = 2; k < shape.length; k++) l *= shape[k]!;
  return [shape[0]!, shape[1]!, l];
}

/** What a normalising op keeps for its backward: the input, the weight, and each group's mean and 1/std. */
export interface NormalizedSaved {
  input: Tensor;
  weight: Tensor | null;
  mean: Float64Array;
  invstd: Float64Array;
}

/**
 * One op for the whole normalisation: statistics, normalise, scale and shift in a pass or two per
 * channel, and the closed-form backward (`γ·invstd/m · (m·g − Σg − x̂·Σg·x̂)` in training) instead
 * of the graph of a dozen elementwise ops the composition would record.
 */
const batchNormOp = defineOp({
  name: 'batchNorm',
  forward(
    ctx: ForwardContext<NormalizedSaved & { training: boolean }>,
    input: Tensor,
    weight: Tensor | null,
    bias: Tensor | null,
    plan: BatchNormPlan,
  ): Tensor {
    const [n, c, l] = layout(input.shape);
    const x = contiguousData(input);
    const w = weight ? contiguousData(weight) : null;
    const b = bias ? contiguousData(bias) : null;
    const count = n * l;
    const mean = new Float64Array(c);
    const invstd = new Float64Array(c);
    const { runningMean, runningVar, training, momentum, eps } = plan;
    if (training) {
      // An empty batch leaves the running statistics as they are (PyTorch returns early).
      const rm = runningMean && count > 0 ? runningMean.data : null;
      const rv = runningVar && count > 0 ? runningVar.data : null;
      for (let ch = 0; ch < c; ch++) {
        // Two passes (mean, then squared deviations): no cancellation for large means.
        let s = 0;
        for (let i = 0; i < n; i++) for (let at = (i * c + ch) * l, end = at + l; at < end; at++) s += x[at]!;
        const mu = s / count;
        let sq = 0;
        for (let i = 0; i < n; i++) {
          for (let at = (i * c + ch) * l, end = at + l; at < end; at++) {
            const d = x[at]! - mu;
            sq += d * d;
          }
        }
        const variance = sq / count;
        mean[ch] = mu;
        invstd[ch] = 1 / Math.sqrt(variance + eps);
        // Running variance takes the unbiased estimate; the normalisation above the biased one (as PyTorch).
        if (rm) rm[runningMean!.offset + ch] = (1 - momentum) * rm[runningMean!.offset + ch]! + momentum * mu;
        if (rv)
          rv[runningVar!.offset + ch] = (1 - momentum) * rv[runningVar!.offset + ch]! + momentum * (sq / (count - 1));
      }
      if (runningMean && rm) bumpVersion(runningMean);
      if (runningVar && rv) bumpVersion(runningVar);
    } else {
      const rm = contiguousData(runningMean!);
      const rv = contiguousData(runningVar!);
      for (let ch = 0; ch < c; ch++) {
        mean[ch] = rm[ch]!;
        invstd[ch] = 1 / Math.sqrt(rv[ch]! + eps);
      }
    }
    const out = x instanceof Float64Array ? new Float64Array(x.length) : new Float32Array(x.length);
    for (let ch = 0; ch < c; ch++) {
      const scale = invstd[ch]! * (w ? w[ch]! : 1);
      const shift = (b ? b[ch]! : 0) - mean[ch]! * scale;
      for (let i = 0; i < n; i++)
        for (let at = (i * c + ch) * l, end = at + l; at < end; at++) out[at] = x[at]! * scale + shift;
    }
    ctx.save({ input, weight, mean, invstd, training });
    return new Tensor(out, input.shape);
  },
  backward(ctx, gradOutput: Tensor): [Tensor | null, Tensor | null, Tensor | null] {
    const { input, weight, mean, invstd, training } = ctx.saved;
    const [n, c, l] = layout(input.shape);
    const x = contiguousData(input);
    const g = contiguousData(gradOutput);
    const w = weight ? contiguousData(weight) : null;
    const count = n * l;
    const [needInput, needWeight, needBias] = ctx.needsInputGrad;
    const gradInput = needInput
      ? x instanceof Float64Array
        ? new Float64Array(x.length)
        : new Float32Array(x.length)
      : null;
    const sumG = new Float64Array(c);
    const sumGX = new Float64Array(c);
    for (let ch = 0; ch < c; ch++) {
      const mu = mean[ch]!;
      const is = invstd[ch]!;
      let sg = 0;
      let sgx = 0;
      for (let i = 0; i < n; i++) {
        for (let at = (i * c + ch) * l, end = at + l; at < end; at++) {
          sg += g[at]!;
          sgx += g[at]! * (x[at]! - mu) * is;
        }
      }
      sumG[ch] = sg;
      sumGX[ch] = sgx;
      if (!gradInput) continue;
      const gamma = w ? w[ch]! : 1;
      if (training) {
        // The batch statistics depend on every input, hence the two correction terms.
        const k = (gamma * is) / count;
        for (let i = 0; i < n; i++) {
          for (let at = (i * c + ch) * l, end = at + l; at < end; at++) {
            gradInput[at] = k * (count * g[at]! - sg - (x[at]! - mu) * is * sgx);
          }
        }
      } else {
        const k = gamma * is;
        for (let i = 0; i < n; i++)
          for (let at = (i * c + ch) * l, end = at + l; at < end; at++) gradInput[at] = k * g[at]!;
      }
    }
    const like = (values: Float64Array) => {
      const out = x instanceof Float64Array ? new Float64Array(c) : new Float32Array(c);
      out.set(values);
      return new Tensor(out, [c]);
    };
    return [
      gradInput && new Tensor(gradInput, input.shape),
      needWeight ? like(sumGX) : null,
      needBias ? like(sumG) : null,
    ];
  },
  differentiableBackward(ctx, gradOutput): (Variable | null)[] {
    // Under createGraph the normalisation is differentiated as its composition of differentiable ops.
    const [input, weight, bias, plan] = ctx.inputs;
    const { mean: savedMean, invstd: savedInvstd, training } = ctx.saved;
    const c = input.shape[1]!;
    const perChannel = input.shape.map((d, i) => (i === 1 ? d : 1));
    const axes = input.shape.map((_, i) => i).filter((i) => i !== 1);
    let xhat: Variable;
    if (training) {
      const centred = sub(input, mean(input, axes, true));
      xhat = mul(centred, pow(add(mean(mul(centred, centred), axes, true), plan.eps), -0.5));
    } else {
      const constant = (values: Float64Array) =>
        reshape(
          new Variable(new Tensor(input.dtype === 'float32' ? Float32Array.from(values) : values, [c])),
          perChannel,
        );
      xhat = mul(sub(input, constant(savedMean)), constant(savedInvstd));
    }
    let y = weight ? mul(xhat, reshape(weight, perChannel)) : xhat;
    if (bias) y = add(y, reshape(bias, perChannel));
    const wanted = [input, weight, bias].filter((v, i): v is Variable => v !== null && ctx.needsInputGrad[i] === true);
    const grads = grad(y, wanted, { gradOutputs: gradOutput, createGraph: true, allowUnused: true });
    return [input, weight, bias].map((v) => (v !== null && wanted.includes(v) ? grads[wanted.indexOf(v)]! : null));
  },
});

function checkChannelTensor(op: string, name: string, t: unknown, c: number, dtype: string): void {
  if (t === null || t === undefined) return;
  if (!(t instanceof Tensor) && !(t instanceof Variable))
    throw typeError(op, `${name} must be a Tensor or Variable, got ${typeof t}`);
  if (t.ndim !== 1 || t.shape[0] !== c)
    throw shapeError(op, `${name} must be [${c}] (one per channel), got ${formatShape(t.shape)}`);
  if (t.dtype !== dtype)
    throw typeError(op, `input is ${dtype} but ${name} is ${t.dtype}; cast one of them so both match`);
}

/**
 * Batch normalisation over the channel axis, as `torch.nn.functional.batch_norm`:
 * `y = (x − mean) / √(var + eps) · weight + bias`, per channel. In training the batch's mean and
 * biased variance are used, and `runningMean` / `runningVar` (plain Tensors, updated in place)
 * move towards the batch mean and *unbiased* variance; otherwise the running statistics are used.
 *
 * @param input       `[N, C]`, `[N, C, L]` or `[N, C, H, W]` (any `[N, C, ...]`)
 * @param runningMean `[C]` or null (required when not training)
 * @param runningVar  `[C]` or null (required when not training)
 * @returns the input's shape
 * @throws ShapeError if a per-channel tensor is not `[C]`, or training sees one value per channel
 */
export function batchNorm(
  input: TensorInput,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  options: BatchNormOptions = {},
): Variable {
  const op = 'batchNorm';
  if (!(input instanceof Tensor) && !(input instanceof Variable))
    throw typeError(op, `input must be a Tensor or Variable, got ${input === null ? 'null' : typeof input}`);
  checkOptions(
    op,
    options,
    optionKeys<BatchNormOptions>({ weight: true, bias: true, training: true, momentum: true, eps: true }),
  );
  if (input.ndim < 2) throw shapeError(op, `input must be [N, C, ...], got ${formatShape(input.shape)}`);
  if (input.dtype === 'int32')
    throw typeError(op, `input must be float32 or float64, got int32 ${formatShape(input.shape)}`);
  const [n, c, l] = layout(input.shape);
  const training = options.training ?? false;
  const momentum = options.momentum ?? 0.1;
  const eps = options.eps ?? 1e-5;
  if (typeof training !== 'boolean') throw typeError(op, `training must be a boolean, got ${String(training)}`);
  if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1))
    throw rangeError(op, `momentum must be in [0, 1], got momentum=${String(momentum)}`);
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps))
    throw rangeError(op, `eps must be a finite number >= 0, got eps=${String(eps)}`);
  for (const [name, t] of [
    ['runningMean', runningMean],
    ['runningVar', runningVar],
  ] as const) {
    if (t !== null && t !== undefined && !(t instanceof Tensor))
      throw typeError(op, `${name} must be a Tensor (a buffer, not a Variable) or null`);
    checkChannelTensor(op, name, t, c, input.dtype);
    if (t && training && !t.isContiguous()) throw typeError(op, `${name} must be contiguous to be updated in place`);
  }
  if ((runningMean == null) !== (runningVar == null))
    throw typeError(op, 'runningMean and runningVar must both be given or both be null');
  if (!training && !runningMean) throw typeError(op, 'runningMean and runningVar are required when not training');
  checkChannelTensor(op, 'weight', options.weight, c, input.dtype);
  checkChannelTensor(op, 'bias', options.bias, c, input.dtype);
  // Exactly one value per channel has no variance; none at all is an empty output, as PyTorch.
  if (training && n * l === 1)
    throw shapeError(op, `training needs more than 1 value per channel, got input ${formatShape(input.shape)}`);
  const plan: BatchNormPlan = {
    runningMean: runningMean ?? null,
    runningVar: runningVar ?? null,
    training,
    momentum,
    eps,
  };
  return batchNormOp(input, options.weight ?? null, options.bias ?? null, plan);
}

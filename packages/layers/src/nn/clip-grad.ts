import { Variable } from '@torchlet/autograd';
import {
  checkOptions,
  clamp,
  contiguousData,
  copy_,
  describeValue,
  mul,
  rangeError,
  Tensor,
  typeError,
} from '@torchlet/tensor';

export interface ClipGradNormOptions {
  /** Which p-norm: a positive number, or `Infinity` for the largest |g|. Default 2. */
  normType?: number;
  /** Throw when the total norm is NaN or ±inf instead of scaling by it. Default false. */
  errorIfNonfinite?: boolean;
}

/** A gradient-clipping helper's parameters: the Variables that have a gradient (others are skipped, as in PyTorch). */
function withGrads(op: string, parameters: Iterable<Variable> | Variable): Variable[] {
  const list = parameters instanceof Variable ? [parameters] : parameters;
  if (list === null || typeof list !== 'object' || typeof (list as Iterable<Variable>)[Symbol.iterator] !== 'function')
    throw typeError(op, `parameters must be a Variable or an iterable of Variables, got ${describeValue(parameters)}`);
  const out: Variable[] = [];
  let i = 0;
  for (const p of list) {
    if (!(p instanceof Variable))
      throw typeError(op, `parameters[${i}] must be a Variable (a Parameter), got ${describeValue(p)}`);
    if (p.grad !== null) out.push(p);
    i++;
  }
  return out;
}

/** Writes `value` over `p.grad` in place (bumping its version); a broadcast view is replaced instead. */
function setGrad(p: Variable, value: Tensor): void {
  const grad = p.grad!;
  const expanded = grad.strides.some((s, k) => s === 0 && grad.shape[k]! > 1);
  if (expanded) p.grad = value;
  else copy_(grad, value);
}

/** The p-norm of a list of values (p = Infinity: the largest |v|), accumulated in float64. */
function pNorm(values: Iterable<number>, p: number): number {
  let acc = 0;
  if (p === Infinity) {
    for (const v of values) {
      const a = Math.abs(v);
      // NaN must win, as torch.max propagates it.
      if (a > acc || Number.isNaN(a)) acc = a;
    }
    return acc;
  }
  for (const v of values) acc += Math.abs(v) ** p;
  return p === 1 ? acc : p === 2 ? Math.sqrt(acc) : acc ** (1 / p);
}

/**
 * Scales the gradients of `parameters` in place so that their total norm is at most `maxNorm`,
 * as `torch.nn.utils.clip_grad_norm_`: the total is the `normType`-norm of the per-parameter norms
 * (the norm of all gradients as one vector), and every gradient is multiplied by
 * `min(1, maxNorm / (total + 1e-6))`. Parameters without a gradient are skipped.
 * Differs from PyTorch: `normType` 0 and −inf are not accepted.
 *
 * @param parameters a Parameter/Variable or an iterable of them (e.g. `model.parameters()`)
 * @param maxNorm    the largest total norm allowed, ≥ 0
 * @returns the total norm before clipping, a 0-d tensor in the first gradient's dtype (float32 0 when no parameter has a gradient)
 * @throws RangeError for a negative or non-finite maxNorm or a normType that is not positive;
 *   Error if `errorIfNonfinite` and the total norm is NaN or infinite; TypeError for an unknown option
 * @example const total = clipGradNorm_(model.parameters(), 1.0).item(); // after backward, before optimizer.step()
 */
export function clipGradNorm_(
  parameters: Iterable<Variable> | Variable,
  maxNorm: number,
  options: ClipGradNormOptions = {},
): Tensor {
  const op = 'clipGradNorm_';
  const o = checkOptions(op, options, ['normType', 'errorIfNonfinite']);
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0) || !Number.isFinite(maxNorm))
    throw rangeError(op, `maxNorm must be a finite number >= 0, got ${describeValue(maxNorm)}`);
  const normType = o.normType ?? 2;
  if (typeof normType !== 'number' || !(normType > 0))
    throw rangeError(op, `normType must be a positive number or Infinity, got ${describeValue(normType)}`);
  const errorIfNonfinite = o.errorIfNonfinite ?? false;
  if (typeof errorIfNonfinite !== 'boolean')
    throw typeError(op, `errorIfNonfinite must be a boolean, got ${describeValue(errorIfNonfinite)}`);
  const params = withGrads(op, parameters);
  if (params.length === 0) return new Tensor(new Float32Array(1), []);
  const norms = params.map((p) => pNorm(contiguousData(p.grad!), normType));
  const total = pNorm(norms, normType);
  if (errorIfNonfinite && !Number.isFinite(total)) {
    throw new Error(
      `${op}: the total norm of order ${normType} for gradients from parameters is ${total}, so it cannot be clipped; ` +
        'set errorIfNonfinite: false to scale the gradients by the non-finite norm anyway',
    );
  }
  // As PyTorch: always multiplied (by 1 when the total is small); a NaN total makes every gradient
  // NaN (Math.min keeps NaN, as torch.clamp does).
  const coef = Math.min(maxNorm / (total + 1e-6), 1);
  for (const p of params) setGrad(p, mul(p.grad!, coef));
  const dtype = params[0]!.grad!.dtype;
  const out = dtype === 'float64' ? new Float64Array(1) : new Float32Array(1);
  out[0] = total;
  return new Tensor(out, []);
}

/**
 * Clamps every gradient of `parameters` into `[−clipValue, clipValue]` in place, as
 * `torch.nn.utils.clip_grad_value_`. Parameters without a gradient are skipped.
 *
 * @param parameters a Parameter/Variable or an iterable of them
 * @param clipValue  ≥ 0
 * @throws RangeError for a negative or NaN clipValue
 * @example clipGradValue_(model.parameters(), 0.5);
 */
export function clipGradValue_(parameters: Iterable<Variable> | Variable, clipValue: number): void {
  const op = 'clipGradValue_';
  if (typeof clipValue !== 'number' || !(clipValue >= 0))
    throw rangeError(op, `clipValue must be a number >= 0, got ${describeValue(clipValue)}`);
  for (const p of withGrads(op, parameters)) setGrad(p, clamp(p.grad!, -clipValue, clipValue));
}

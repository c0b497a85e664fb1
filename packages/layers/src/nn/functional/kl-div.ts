import { div, exp, log, mean, mul, sub, sum, where, type Variable } from '@torchlet/autograd';
import { checkOptions, eq, typeError } from '@torchlet/tensor';
import { checkInputAndTarget, checkReduction, dataOf, type TensorInput } from './loss-common.js';

export interface KlDivOptions {
  /** `'batchmean'` (sum / N) is the true KL divergence; `'mean'` divides by every element. Default `'mean'`. */
  reduction?: 'none' | 'mean' | 'sum' | 'batchmean';
  /** The target holds log-probabilities rather than probabilities. Default false. */
  logTarget?: boolean;
}

/**
 * Kullback–Leibler divergence, as `torch.nn.functional.kl_div`: the input holds log-probabilities
 * `log q`, the target probabilities `p` (or `log p` with `logTarget`); per element
 * `p·(log p − log q)`, with `0·log 0 = 0`. `'batchmean'` divides the sum by N (the input's first
 * axis), `'mean'` by the element count (as PyTorch, which warns that it is not the KL divergence).
 * Composed of differentiable ops, so twice differentiable. As in PyTorch, the target's gradient
 * where `p = 0` is NaN (d(p log p)/dp is −∞ there).
 * Differs from PyTorch: the shapes must match (PyTorch broadcasts).
 *
 * @param input  any shape, log-probabilities (e.g. `logSoftmax(logits, 1)`)
 * @param target same shape as `input` (may require grad)
 * @returns `[]`, or the input's shape with `reduction: 'none'`
 * @throws RangeError for a bad reduction; ShapeError if the shapes differ; TypeError for a non-boolean logTarget
 * @example klDiv(logSoftmax(student, 1), softmax(teacher, 1), { reduction: 'batchmean' }) // [N, C] → []
 */
export function klDiv(input: TensorInput, target: TensorInput, options: KlDivOptions = {}): Variable {
  const op = 'klDiv';
  const o = checkOptions(op, options, ['reduction', 'logTarget']);
  const [x, y] = checkInputAndTarget(op, input, target);
  const reduction = checkReduction(op, o.reduction ?? 'mean', ['none', 'mean', 'sum', 'batchmean'] as const);
  const logTarget = o.logTarget ?? false;
  if (typeof logTarget !== 'boolean') throw typeError(op, `logTarget must be a boolean, got ${typeof logTarget}`);
  // xlogy(p, p) − p·log q, as PyTorch: where p = 0 the first term is 0 (its unused branch is NaN).
  const losses = logTarget ? mul(exp(y), sub(y, x)) : sub(where(eq(dataOf(y), 0), 0, mul(y, log(y))), mul(y, x));
  if (reduction === 'none') return losses;
  if (reduction === 'mean') return mean(losses);
  if (reduction === 'batchmean' && x.ndim > 0) return div(sum(losses), x.shape[0]!);
  return sum(losses);
}

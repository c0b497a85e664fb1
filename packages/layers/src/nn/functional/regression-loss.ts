import { abs, mul, sub, where, type Variable } from '@torchlet/autograd';
import { checkOptions, lt, rangeError, typeError } from '@torchlet/tensor';
import { checkInputAndTarget, checkReduction, reduceLoss, type Reduction, type TensorInput } from './loss-common.js';

export interface MseLossOptions {
  /** Default `'mean'`. */
  reduction?: Reduction;
}

export interface L1LossOptions {
  /** Default `'mean'`. */
  reduction?: Reduction;
}

export interface SmoothL1LossOptions {
  /** Default `'mean'`. */
  reduction?: Reduction;
  /** Where the loss turns from quadratic to linear, ≥ 0; 0 is the L1 loss. Default 1. */
  beta?: number;
}

export interface HuberLossOptions {
  /** Default `'mean'`. */
  reduction?: Reduction;
  /** Where the loss turns from quadratic to linear, > 0. Default 1. */
  delta?: number;
}

// The regression losses are compositions of differentiable ops, so they are twice differentiable
// for free; their kinks (|d| = β) take the branch PyTorch's kernels take (the linear one).

/**
 * Mean squared error, as `torch.nn.functional.mse_loss`: `(input − target)²`, reduced.
 * Differs from PyTorch: the shapes must match (PyTorch broadcasts with a warning).
 *
 * @param input  any shape
 * @param target same shape as `input` (may require grad)
 * @returns `[]`, or the input's shape with `reduction: 'none'`
 * @throws ShapeError if the shapes differ; TypeError for mixed dtypes or an unknown option
 */
export function mseLoss(input: TensorInput, target: TensorInput, options: MseLossOptions = {}): Variable {
  const op = 'mseLoss';
  const o = checkOptions(op, options, ['reduction']);
  const [x, y] = checkInputAndTarget(op, input, target);
  const reduction = checkReduction(op, o.reduction ?? 'mean');
  const diff = sub(x, y);
  return reduceLoss(mul(diff, diff), reduction);
}

/**
 * Mean absolute error, as `torch.nn.functional.l1_loss`: `|input − target|`, reduced. The gradient
 * at `input = target` is 0, as PyTorch's (sign(0) = 0).
 * Differs from PyTorch: the shapes must match (PyTorch broadcasts with a warning).
 *
 * @param input  any shape
 * @param target same shape as `input` (may require grad)
 * @returns `[]`, or the input's shape with `reduction: 'none'`
 * @throws ShapeError if the shapes differ; TypeError for mixed dtypes or an unknown option
 * @example l1Loss(prediction, target, { reduction: 'sum' }) // [N, D], [N, D] → []
 */
export function l1Loss(input: TensorInput, target: TensorInput, options: L1LossOptions = {}): Variable {
  const op = 'l1Loss';
  const o = checkOptions(op, options, ['reduction']);
  const [x, y] = checkInputAndTarget(op, input, target);
  const reduction = checkReduction(op, o.reduction ?? 'mean');
  return reduceLoss(abs(sub(x, y)), reduction);
}

/**
 * Smooth L1 loss, as `torch.nn.functional.smooth_l1_loss`: with `d = |input − target|`,
 * `0.5·d²/β` where `d < β`, else `d − 0.5·β`; `β = 0` is the L1 loss.
 * Differs from PyTorch: the shapes must match (PyTorch broadcasts with a warning).
 *
 * @param input  any shape
 * @param target same shape as `input` (may require grad)
 * @returns `[]`, or the input's shape with `reduction: 'none'`
 * @throws RangeError for a negative or non-finite beta; ShapeError if the shapes differ
 * @example smoothL1Loss(boxes, targetBoxes, { beta: 1 / 9 }) // [N, 4], [N, 4] → []
 */
export function smoothL1Loss(input: TensorInput, target: TensorInput, options: SmoothL1LossOptions = {}): Variable {
  const op = 'smoothL1Loss';
  const o = checkOptions(op, options, ['reduction', 'beta']);
  const [x, y] = checkInputAndTarget(op, input, target);
  const reduction = checkReduction(op, o.reduction ?? 'mean');
  return reduceLoss(smoothL1Terms(x, y, checkThreshold(op, 'beta', o.beta ?? 1, false)), reduction);
}

/** Per element, with d = |x − y|: `0.5·d²/β` where d < β, else `d − 0.5·β`; `β = 0`: d. */
function smoothL1Terms(x: TensorInput, y: TensorInput, beta: number): Variable {
  const diff = sub(x, y);
  const d = abs(diff);
  // β = 0 would put 0·∞ into the unused quadratic branch's gradient: it is the L1 loss.
  if (beta === 0) return d;
  return where(lt(d.data, beta), mul(mul(diff, diff), 0.5 / beta), sub(d, 0.5 * beta));
}

/**
 * Huber loss, as `torch.nn.functional.huber_loss`: with `d = |input − target|`, `0.5·d²` where
 * `d < δ`, else `δ·(d − 0.5·δ)` — the smooth L1 loss times δ (with β = δ).
 * Differs from PyTorch: the shapes must match (PyTorch broadcasts with a warning).
 *
 * @param input  any shape
 * @param target same shape as `input` (may require grad)
 * @returns `[]`, or the input's shape with `reduction: 'none'`
 * @throws RangeError for a delta that is not a positive finite number; ShapeError if the shapes differ
 * @example huberLoss(prediction, target, { delta: 0.5 }) // [N], [N] → []
 */
export function huberLoss(input: TensorInput, target: TensorInput, options: HuberLossOptions = {}): Variable {
  const op = 'huberLoss';
  const o = checkOptions(op, options, ['reduction', 'delta']);
  const [x, y] = checkInputAndTarget(op, input, target);
  const reduction = checkReduction(op, o.reduction ?? 'mean');
  const delta = checkThreshold(op, 'delta', o.delta ?? 1, true);
  return reduceLoss(mul(smoothL1Terms(x, y, delta), delta), reduction);
}

function checkThreshold(op: string, name: string, value: unknown, positive: boolean): number {
  if (typeof value !== 'number') throw typeError(op, `${name} must be a number, got ${typeof value}`);
  if (!Number.isFinite(value) || value < 0 || (positive && value === 0)) {
    throw rangeError(
      op,
      `${name} must be a ${positive ? 'positive' : 'non-negative'} finite number, got ${name}=${value}`,
    );
  }
  return value;
}

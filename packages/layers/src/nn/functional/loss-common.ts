import { mean, sum, Variable } from '@torchlet/autograd';
import { formatShape, rangeError, shapeError, Tensor, typeError, type TypedArray } from '@torchlet/tensor';

/** What every loss takes for its input and target: a plain Tensor (a constant) or a Variable. */
export type TensorInput = Tensor | Variable;

/** How per-element losses are combined: kept (`'none'`), summed, or averaged (default). */
export type Reduction = 'none' | 'mean' | 'sum';

export const isTensorLike = (t: unknown): t is TensorInput => t instanceof Tensor || t instanceof Variable;
export const dataOf = (t: TensorInput): Tensor => (t instanceof Variable ? t.data : t);

/** A zeroed float buffer of `like`'s precision. */
export function floatArray(like: TypedArray, length: number): Float32Array | Float64Array {
  return like instanceof Float64Array ? new Float64Array(length) : new Float32Array(length);
}

/** `reduction`, checked against `allowed` (klDiv adds `'batchmean'`). */
export function checkReduction<R extends string = Reduction>(
  op: string,
  reduction: unknown,
  allowed: readonly R[] = ['none', 'mean', 'sum'] as R[],
): R {
  if (!allowed.includes(reduction as R)) {
    const names = allowed.map((r) => `'${r}'`);
    throw rangeError(
      op,
      `reduction must be ${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}, got ${JSON.stringify(reduction)}`,
    );
  }
  return reduction as R;
}

/** A float Tensor or Variable; anything else is a TypeError naming the argument. */
export function checkFloatInput(op: string, name: string, t: unknown): TensorInput {
  if (!isTensorLike(t))
    throw typeError(
      op,
      `${name} must be a Tensor or Variable, got ${t === null ? 'null' : Array.isArray(t) ? 'an array' : typeof t}`,
    );
  if (t.dtype === 'int32') throw typeError(op, `${name} must be float32 or float64, got int32 ${formatShape(t.shape)}`);
  return t;
}

/**
 * Input and target of an elementwise loss: both float, of one dtype and one shape.
 * Differs from PyTorch: the shapes must match (PyTorch broadcasts them with a warning).
 */
export function checkInputAndTarget(op: string, input: unknown, target: unknown): [TensorInput, TensorInput] {
  const x = checkFloatInput(op, 'input', input);
  const y = checkFloatInput(op, 'target', target);
  if (x.shape.length !== y.shape.length || x.shape.some((d, i) => d !== y.shape[i])) {
    throw shapeError(op, `input ${formatShape(x.shape)} and target ${formatShape(y.shape)} must have the same shape`);
  }
  if (x.dtype !== y.dtype) throw typeError(op, `input is ${x.dtype} but target is ${y.dtype}; cast one of them`);
  return [x, y];
}

/** Applies `reduction` to per-element losses (a Variable of any shape). */
export function reduceLoss(losses: Variable, reduction: Reduction): Variable {
  if (reduction === 'none') return losses;
  return reduction === 'sum' ? sum(losses) : mean(losses);
}

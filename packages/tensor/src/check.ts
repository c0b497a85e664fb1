import { rangeError, shapeError, typeError } from './errors.js';
import { formatShape, type Shape } from './shape.js';
import { Tensor } from './tensor.js';

/** `axis` may be negative (counting from the end), as in PyTorch; returns it in `[0, ndim)`. */
export function normalizeAxis(op: string, axis: number, ndim: number, argName = 'dim'): number {
  if (!Number.isInteger(axis)) throw typeError(op, `${argName} must be an integer, got ${axis}`);
  const lo = ndim === 0 ? -1 : -ndim;
  const hi = ndim === 0 ? 0 : ndim - 1;
  if (axis < lo || axis > hi) {
    throw rangeError(op, `${argName}=${axis} is out of range for a tensor of rank ${ndim} (expected ${lo}..${hi})`);
  }
  return axis < 0 ? axis + Math.max(ndim, 1) : axis;
}

/** Normalises a list of axes, rejecting repeats. */
export function normalizeAxes(op: string, axes: readonly number[], ndim: number, argName = 'dim'): number[] {
  const seen = new Set<number>();
  return axes.map((a) => {
    const n = normalizeAxis(op, a, ndim, argName);
    if (seen.has(n)) throw rangeError(op, `${argName} repeats axis ${a} in [${axes.join(', ')}]`);
    seen.add(n);
    return n;
  });
}

/**
 * The most elements one tensor may hold: 2^31 − 1, what every engine's typed arrays and the kernels'
 * int32 index arithmetic allow. A larger request is a RangeError naming the argument, not an
 * engine error from deep inside an allocation.
 */
export const MAX_ELEMENTS = 2 ** 31 - 1;

/** `size` elements must fit in one tensor; `what` names where the count came from. */
export function checkSize(op: string, size: number, what: string): number {
  if (!(size <= MAX_ELEMENTS))
    throw rangeError(op, `${what} holds ${size} elements, more than the ${MAX_ELEMENTS} a tensor can hold`);
  return size;
}

/** A shape argument: an array of non-negative integers whose product fits in a tensor. */
export function checkShape(op: string, shape: unknown, argName = 'shape'): number[] {
  if (!Array.isArray(shape)) throw typeError(op, `${argName} must be an array of sizes, got ${String(shape)}`);
  let size = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d)) {
      throw typeError(op, `${argName} must hold integers, got ${formatShape(shape as number[])}`);
    }
    if (d < 0) throw rangeError(op, `${argName} must hold sizes >= 0, got ${formatShape(shape as number[])}`);
    size *= d;
  }
  checkSize(op, size, `${argName} ${formatShape(shape as number[])}`);
  return shape as number[];
}

/** An options argument: an object, or undefined for all defaults (null, numbers, strings are TypeErrors). */
export function checkOptions<T extends object>(op: string, options: T | undefined, argName = 'options'): T {
  if (options === undefined) return {} as T;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw typeError(op, `${argName} must be an object, got ${describeValue(options)}`);
  }
  return options;
}

export function checkInt(op: string, value: unknown, argName: string, min = -Infinity): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw typeError(op, `${argName} must be an integer, got ${String(value)}`);
  }
  if (value < min) throw rangeError(op, `${argName} must be >= ${min}, got ${value}`);
  return value;
}

export function checkRank(op: string, argName: string, shape: Shape, ranks: readonly number[]): void {
  if (!ranks.includes(shape.length)) {
    const want = ranks.length === 1 ? `${ranks[0]}-D` : `${ranks.join('-D or ')}-D`;
    throw shapeError(op, `${argName} must be ${want}, got ${formatShape(shape)}`);
  }
}

/** How an unexpected argument reads in an error: `number 3`, `an array`, `Float32Array`, `null`. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? ((v as object).constructor?.name ?? 'object') : `${typeof v} ${String(v)}`;
}

/** `value` must be a Tensor (a plain array or number is a TypeError naming the argument). */
export function checkTensor(op: string, value: unknown, argName = 'x'): Tensor {
  if (!(value instanceof Tensor)) throw typeError(op, `${argName} must be a Tensor, got ${describeValue(value)}`);
  return value;
}

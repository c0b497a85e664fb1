import { rangeError, shapeError } from './errors.js';

export type Shape = readonly number[];

/**
 * The most elements one tensor may hold: 2^31 − 1, what every engine's typed arrays and the kernels'
 * int32 index arithmetic allow. A larger request is a RangeError naming the argument, not an
 * engine error from deep inside an allocation.
 */
export const MAX_ELEMENTS = 2 ** 31 - 1;

/**
 * `size` elements must fit in one tensor; `what` names where the count came from (a function when
 * the name costs work to build, e.g. a formatted shape: hot paths call this on every tensor made).
 */
export function checkSize(op: string, size: number, what: string | (() => string)): number {
  if (!(size <= MAX_ELEMENTS)) {
    const named = typeof what === 'function' ? what() : what;
    throw rangeError(op, `${named} holds ${size} elements, more than the ${MAX_ELEMENTS} a tensor can hold`);
  }
  return size;
}

/** `[2, 3, 4]` → `"[2, 3, 4]"`, the spelling every error message uses. */
export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** Number of elements: the product of the sizes (1 for a scalar `[]`). */
export function sizeOf(shape: Shape): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/** Row-major strides of a contiguous tensor of `shape`. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = stride;
    stride *= shape[i]!;
  }
  return strides;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * numpy broadcasting: shapes are aligned at the right; each pair of sizes must be equal or one of them 1.
 * @throws ShapeError naming both shapes and the first axis that disagrees.
 */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const ndim = Math.max(a.length, b.length);
  const out = new Array<number>(ndim);
  for (let i = 0; i < ndim; i++) {
    const da = a[a.length - ndim + i] ?? 1;
    const db = b[b.length - ndim + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw shapeError(
        op,
        `shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast (axis ${i - ndim}: ${da} vs ${db})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  checkSize(op, sizeOf(out), () => `the broadcast of ${formatShape(a)} and ${formatShape(b)} to ${formatShape(out)}`);
  return out;
}

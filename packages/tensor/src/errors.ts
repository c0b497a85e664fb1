/**
 * Errors name the op, the argument and the numbers: `op: what is wrong; the facts`.
 * Shapes disagree → ShapeError; a value is out of range → RangeError; the wrong kind → TypeError.
 */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

/** `new ShapeError('op: message')`. */
export function shapeError(op: string, message: string): ShapeError {
  return new ShapeError(`${op}: ${message}`);
}

/** `new RangeError('op: message')`. */
export function rangeError(op: string, message: string): RangeError {
  return new RangeError(`${op}: ${message}`);
}

/** `new TypeError('op: message')`. */
export function typeError(op: string, message: string): TypeError {
  return new TypeError(`${op}: ${message}`);
}

import { rangeError, shapeError, typeError } from './errors.js';
import { checkSize, formatShape, type Shape } from './shape.js';
import { Tensor } from './tensor.js';

// Defined in shape.ts, which bounds broadcast shapes with them and so cannot import this file;
// exported from here too, with the other argument checks.
export { checkSize, MAX_ELEMENTS } from './shape.js';

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
  checkSize(op, size, () => `${argName} ${formatShape(shape as number[])}`);
  return shape as number[];
}

/**
 * An options argument: an object, or undefined for all defaults (null, numbers, strings are TypeErrors).
 * With `known`, a key outside it is a TypeError, as PyTorch's "unexpected keyword argument", that
 * suggests the camelCase spelling of a snake_case key and the nearest known name for a typo:
 * `conv2d: unknown option 'padding_mode'; did you mean 'paddingMode'? (known: stride, padding, ...)`.
 */
export function checkOptions<T extends object>(
  op: string,
  options: T | undefined,
  known?: readonly string[],
  argName = 'options',
): T {
  if (options === undefined) return {} as T;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw typeError(op, `${argName} must be an object, got ${describeValue(options)}`);
  }
  if (known !== undefined) {
    for (const key of Object.keys(options)) {
      if (!known.includes(key)) throw typeError(op, unknownKeyMessage(key, known, argName));
    }
  }
  return options;
}

/**
 * The option names of `T`, written once as `{ name: true, ... }` so that the compiler checks the
 * list against the interface (none missing, none misspelt): what `checkOptions` takes as `known`.
 * @example const POOL_KEYS = optionKeys<PoolOptions>({ stride: true, padding: true, dilation: true, ceilMode: true });
 */
export function optionKeys<T extends object>(keys: { [K in keyof T]-?: true }): readonly string[] {
  return Object.keys(keys);
}

function unknownKeyMessage(key: string, known: readonly string[], argName: string): string {
  const what = argName === 'options' ? `option '${key}'` : `key '${key}' in ${argName}`;
  const list = known.length === 0 ? 'it takes none' : `known: ${known.join(', ')}`;
  const guess = suggestKey(key, known);
  return `unknown ${what}${guess === null ? '' : `; did you mean '${guess}'?`} (${list})`;
}

/** The known key a user most likely meant: the camelCase of a snake_case key, else the nearest by edit distance. */
function suggestKey(key: string, known: readonly string[]): string | null {
  const camel = key.toLowerCase().replace(/[_-]+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const folded = (k: string) => k.toLowerCase().replace(/[_-]/g, '');
  const exact = known.find((k) => k === camel || folded(k) === folded(key));
  if (exact !== undefined) return exact;
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(folded(key), folded(k));
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  // A third of the name may be wrong (`paddding`, `lr_decy`); beyond that a guess misleads more than it helps.
  return best !== null && bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? best : null;
}

/** Levenshtein distance (insertions, deletions, substitutions), over two rows. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitute = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitute));
    }
    previous = current;
  }
  return previous[b.length]!;
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

/*
 * How values read in error messages, in one place:
 * - describeValue: what kind of thing an unexpected argument is (`number 3`, `an array`, `Float32Array`);
 * - describeOption: an option in the user's own spelling (`[2, 0]`, `'same'`, `2`);
 * - formatSize: spatial sizes as the messages write them (`4x4`).
 */

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

/** How an option reads in an error: the user's spelling `[2, 0]`, `'same'`, `2`. */
export function describeOption(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(describeOption).join(', ')}]`;
  if (typeof value === 'string') return `'${value}'`;
  return String(value);
}

/** `[4, 4]` → `4x4`, how padded sizes and kernels read in messages. */
export function formatSize(sizes: readonly number[]): string {
  return sizes.join('x');
}

/**
 * A number or a per-axis tuple → one integer per spatial axis, each `>= min`: how every conv and
 * pool option (kernelSize, stride, padding, dilation, ...) is read.
 * @throws TypeError for non-integers or a tuple of the wrong length; RangeError below `min`
 * @example spatialTuple('conv2d', 'stride', 2, 2, 1) // [2, 2]
 */
export function spatialTuple(op: string, name: string, value: unknown, dims: number, min: number): number[] {
  const values = perAxisList(value, dims);
  if (values === null || values.some((v) => typeof v !== 'number' || !Number.isInteger(v))) {
    const want = dims === 1 ? 'an integer' : `an integer or ${dims} integers`;
    throw typeError(op, `${name} must be ${want}, got ${name}=${describeOption(value)}`);
  }
  if (values.some((v) => (v as number) < min)) {
    const what = min === 1 ? 'positive' : min === 0 ? '>= 0' : `>= ${min}`;
    throw rangeError(op, `${name} must be ${what}, got ${name}=${describeOption(value)}`);
  }
  return values.slice() as number[];
}

/**
 * A number or a per-axis tuple → one finite factor > 0 per spatial axis: how a scale (interpolate's
 * `scaleFactor`) is read, `spatialTuple`'s twin for values that need not be integers.
 * @throws TypeError for non-finite values or a tuple of the wrong length; RangeError for a factor <= 0
 * @example spatialFactors('interpolate', 'scaleFactor', 1.5, 2) // [1.5, 1.5]
 */
export function spatialFactors(op: string, name: string, value: unknown, dims: number): number[] {
  const values = perAxisList(value, dims);
  if (values === null || values.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    const want = dims === 1 ? 'a finite number' : `a finite number or ${dims} finite numbers`;
    throw typeError(op, `${name} must be ${want}, got ${name}=${describeOption(value)}`);
  }
  if (values.some((v) => !((v as number) > 0))) {
    throw rangeError(op, `${name} must be positive, got ${name}=${describeOption(value)}`);
  }
  return values.slice() as number[];
}

/** A number repeated `dims` times, or an array of length `dims` as it is; null for anything else. */
function perAxisList(value: unknown, dims: number): unknown[] | null {
  const values: unknown = typeof value === 'number' ? new Array<number>(dims).fill(value) : value;
  return Array.isArray(values) && values.length === dims ? values : null;
}

/** A value holding its values in a `data` Tensor: a Variable, seen from this package (which cannot import it). */
export interface HasTensorData {
  readonly data: Tensor;
}

/**
 * For ops whose result carries no gradient (argmax, argmin): a Tensor, or a Variable read through
 * its `data`, as PyTorch's `argmax` takes a tensor that requires grad.
 */
export function checkTensorOrData(op: string, value: unknown, argName = 'x'): Tensor {
  if (value instanceof Tensor) return value;
  const data = value !== null && typeof value === 'object' ? (value as Partial<HasTensorData>).data : undefined;
  if (data instanceof Tensor) return data;
  throw typeError(op, `${argName} must be a Tensor or Variable, got ${describeValue(value)}`);
}

import { checkInt, checkOptions, checkShape, checkSize, checkTensor, describeValue, optionKeys } from './check.js';
import { arrayFor, dtypeOf, isDType, type DType, type TypedArray } from './dtype.js';
import { rangeError, shapeError, typeError } from './errors.js';
import { Generator, defaultGenerator } from './random.js';
import { formatShape, sizeOf, type Shape } from './shape.js';
import { Tensor, type NestedArray } from './tensor.js';

export interface CreateOptions {
  /** Default `'float32'`. */
  dtype?: DType;
}

export interface RandomOptions extends CreateOptions {
  /** Default: the generator `manualSeed` seeds. */
  generator?: Generator;
}

const CREATE_KEYS = optionKeys<CreateOptions>({ dtype: true });
const RANDOM_KEYS = optionKeys<RandomOptions>({ dtype: true, generator: true });
const TENSOR_KEYS = optionKeys<CreateOptions & { shape?: Shape }>({ dtype: true, shape: true });

function checkDType(op: string, dtype: unknown): DType {
  if (dtype === undefined) return 'float32';
  if (!isDType(dtype)) throw typeError(op, `dtype must be 'float32', 'float64' or 'int32', got ${String(dtype)}`);
  return dtype;
}

function castArray(data: TypedArray, dtype: DType): TypedArray {
  if (dtypeOf(data) === dtype) return data;
  const out = arrayFor(dtype, data.length);
  if (dtype === 'int32') for (let i = 0; i < data.length; i++) out[i] = Math.trunc(data[i]!);
  else out.set(data);
  return out;
}

/**
 * A tensor from nested arrays (`[[1, 2], [3, 4]]`), a flat number array or a typed array.
 * A typed array is used as storage without a copy when its dtype matches.
 *
 * @param options.shape  required for flat input meant as n-d; must hold exactly `data.length` elements
 * @param options.dtype  default: the typed array's dtype, else `'float32'`.
 *   Differs from PyTorch: integer lists give float32 unless `dtype: 'int32'`.
 * @throws ShapeError for ragged nested arrays or a shape whose size differs from the data's
 */
export function tensor(data: NestedArray | TypedArray, options: CreateOptions & { shape?: Shape } = {}): Tensor {
  const op = 'tensor';
  options = checkOptions(op, options, TENSOR_KEYS);
  const isTyped = ArrayBuffer.isView(data);
  const dtype = options.dtype === undefined && isTyped ? dtypeOf(data as TypedArray) : checkDType(op, options.dtype);
  let flat: TypedArray;
  let shape: number[];
  if (isTyped) {
    flat = castArray(data as TypedArray, dtype);
    shape = [flat.length];
  } else {
    const inferred = inferShape(data as NestedArray);
    flat = arrayFor(dtype, sizeOf(inferred));
    let pos = 0;
    const fill = (v: NestedArray, depth: number, path: string) => {
      if (depth === inferred.length) {
        if (typeof v !== 'number')
          throw typeError(
            op,
            `element at ${path || 'root'} must be a number, got ${Array.isArray(v) ? 'an array' : String(v)}`,
          );
        flat[pos++] = dtype === 'int32' ? Math.trunc(v) : v;
        return;
      }
      if (!Array.isArray(v) || v.length !== inferred[depth]) {
        throw shapeError(
          op,
          `ragged nested array: entry ${path || 'root'} has ${Array.isArray(v) ? v.length : 'no'} items, expected ${inferred[depth]}`,
        );
      }
      v.forEach((item, i) => fill(item, depth + 1, `${path}[${i}]`));
    };
    fill(data as NestedArray, 0, '');
    shape = inferred;
  }
  if (options.shape !== undefined) {
    const want = checkShape(op, options.shape);
    if (sizeOf(want) !== flat.length) {
      throw shapeError(
        op,
        `shape ${formatShape(want)} holds ${sizeOf(want)} elements, but the data has ${flat.length}`,
      );
    }
    shape = want.slice();
  }
  return new Tensor(flat, shape);
}

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let v: NestedArray = data;
  while (Array.isArray(v)) {
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0]!;
  }
  return shape;
}

function filled(op: string, shape: Shape, value: number, options: CreateOptions): Tensor {
  const dims = checkShape(op, shape);
  options = checkOptions(op, options, CREATE_KEYS);
  const dtype = checkDType(op, options.dtype);
  if (typeof value !== 'number') throw typeError(op, `value must be a number, got ${String(value)}`);
  const data = arrayFor(dtype, sizeOf(dims));
  if (value !== 0) data.fill(value);
  return new Tensor(data, dims);
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: Shape, value: number, options: CreateOptions = {}): Tensor {
  return filled('full', shape, value, options);
}

/** `shape` filled with zeros. */
export function zeros(shape: Shape, options: CreateOptions = {}): Tensor {
  return filled('zeros', shape, 0, options);
}

/** `shape` filled with ones. */
export function ones(shape: Shape, options: CreateOptions = {}): Tensor {
  return filled('ones', shape, 1, options);
}

/** Zeros with `t`'s shape and (unless given) dtype. */
export function zerosLike(t: Tensor, options: CreateOptions = {}): Tensor {
  checkTensor('zerosLike', t, 't');
  options = checkOptions('zerosLike', options, CREATE_KEYS);
  return filled('zerosLike', t.shape, 0, { dtype: options.dtype ?? t.dtype });
}

/** Ones with `t`'s shape and (unless given) dtype. */
export function onesLike(t: Tensor, options: CreateOptions = {}): Tensor {
  checkTensor('onesLike', t, 't');
  options = checkOptions('onesLike', options, CREATE_KEYS);
  return filled('onesLike', t.shape, 1, { dtype: options.dtype ?? t.dtype });
}

/** A 0-d tensor holding `value`. */
export function scalar(value: number, options: CreateOptions = {}): Tensor {
  return filled('scalar', [], value, options);
}

/**
 * `[start, start + step, ...]` up to but excluding `end`, as `torch.arange`. `arange(5)` is `[0..4]`.
 * @returns `[ceil((end − start) / step)]`
 */
export function arange(start: number, end?: number, step = 1, options: CreateOptions = {}): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  for (const [name, v] of [
    ['start', start],
    ['end', end],
    ['step', step],
  ] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw typeError('arange', `${name} must be a finite number, got ${String(v)}`);
  }
  if (step === 0) throw rangeError('arange', 'step must be non-zero');
  if ((end - start) / step < 0)
    throw rangeError('arange', `step=${step} moves away from end (start=${start}, end=${end})`);
  options = checkOptions('arange', options, CREATE_KEYS);
  const n = checkSize('arange', Math.ceil((end - start) / step), `the range [${start}, ${end}) with step=${step}`);
  const data = arrayFor(checkDType('arange', options.dtype), n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return new Tensor(data, [n]);
}

/** `steps` evenly spaced values from `start` to `end` inclusive. @returns `[steps]` */
export function linspace(start: number, end: number, steps: number, options: CreateOptions = {}): Tensor {
  for (const [name, v] of [
    ['start', start],
    ['end', end],
  ] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw typeError('linspace', `${name} must be a finite number, got ${String(v)}`);
  }
  checkInt('linspace', steps, 'steps', 0);
  checkSize('linspace', steps, `steps=${steps}`);
  options = checkOptions('linspace', options, CREATE_KEYS);
  const data = arrayFor(checkDType('linspace', options.dtype), steps);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  // Fill from both ends, as torch does, so the last value is exactly `end`.
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) data[i] = i < half ? start + i * step : end - (steps - 1 - i) * step;
  if (steps === 1) data[0] = start; // a single point is `start`, as torch.linspace
  return new Tensor(data, [steps]);
}

/** The `n × m` identity (ones on the diagonal). @returns `[n, m]` */
export function eye(n: number, m = n, options: CreateOptions = {}): Tensor {
  checkInt('eye', n, 'n', 0);
  checkInt('eye', m, 'm', 0);
  checkSize('eye', n * m, `n × m = ${n} × ${m}`);
  options = checkOptions('eye', options, CREATE_KEYS);
  const data = arrayFor(checkDType('eye', options.dtype), n * m);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return new Tensor(data, [n, m]);
}

function randomFill(op: string, shape: Shape, options: RandomOptions, draw: (g: Generator) => number): Tensor {
  const dims = checkShape(op, shape);
  options = checkOptions(op, options, RANDOM_KEYS);
  const dtype = checkDType(op, options.dtype);
  if (options.generator !== undefined && !(options.generator instanceof Generator)) {
    throw typeError(op, `generator must be a Generator, got ${describeValue(options.generator)}`);
  }
  const g = options.generator ?? defaultGenerator();
  const data = arrayFor(dtype, sizeOf(dims));
  for (let i = 0; i < data.length; i++) data[i] = draw(g);
  return new Tensor(data, dims);
}

/** Uniform in [0, 1). */
export function rand(shape: Shape, options: RandomOptions = {}): Tensor {
  options = checkOptions('rand', options, RANDOM_KEYS);
  if (options.dtype === 'int32') throw typeError('rand', "dtype must be floating point, got 'int32'");
  return randomFill('rand', shape, options, (g) => g.next());
}

/** Standard normal. */
export function randn(shape: Shape, options: RandomOptions = {}): Tensor {
  options = checkOptions('randn', options, RANDOM_KEYS);
  if (options.dtype === 'int32') throw typeError('randn', "dtype must be floating point, got 'int32'");
  return randomFill('randn', shape, options, (g) => g.nextNormal());
}

/** Uniform in [low, high). */
export function uniform(shape: Shape, low: number, high: number, options: RandomOptions = {}): Tensor {
  options = checkOptions('uniform', options, RANDOM_KEYS);
  if (options.dtype === 'int32') throw typeError('uniform', "dtype must be floating point, got 'int32'; use randint");
  for (const [name, v] of [
    ['low', low],
    ['high', high],
  ] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw typeError('uniform', `${name} must be a finite number, got ${String(v)}`);
  }
  if (!(low <= high)) throw rangeError('uniform', `low must be <= high, got low=${low}, high=${high}`);
  return randomFill('uniform', shape, options, (g) => low + (high - low) * g.next());
}

/**
 * The integers each dtype holds exactly: int32's range, and for floats the integers below the
 * mantissa's reach (float32 2^24, float64 2^53), past which neighbours round together.
 */
const EXACT_INTEGERS: Record<DType, readonly [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  float32: [-(2 ** 24), 2 ** 24],
  float64: [-(2 ** 53), 2 ** 53],
};

/**
 * Integers uniform in [low, high), dtype int32 unless given.
 * @throws RangeError if `low` or `high - 1` is outside what the dtype holds exactly (as PyTorch's
 *   "from/to - 1 is out of bounds for int"): int32 [-2^31, 2^31 - 1], float32 ±2^24, float64 ±2^53.
 *   Differs from PyTorch: float32 past 2^24 is an error, not a warning.
 */
export function randint(low: number, high: number, shape: Shape, options: RandomOptions = {}): Tensor {
  checkInt('randint', low, 'low');
  checkInt('randint', high, 'high');
  if (high <= low) throw rangeError('randint', `high must be > low, got low=${low}, high=${high}`);
  const dtype = checkDType('randint', checkOptions('randint', options, RANDOM_KEYS).dtype ?? 'int32');
  const [min, max] = EXACT_INTEGERS[dtype];
  if (low < min || low > max) throw rangeError('randint', `low=${low} is out of bounds for ${dtype} (${min}..${max})`);
  // Compared as high > max + 1: past 2^53, high - 1 may round back to high.
  if (high > max + 1 || high - 1 < min)
    throw rangeError('randint', `high - 1 = ${high - 1} is out of bounds for ${dtype} (${min}..${max}); high=${high}`);
  return randomFill('randint', shape, { ...options, dtype }, (g) => g.nextInt(low, high));
}

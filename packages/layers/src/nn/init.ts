import { Variable } from '@torchlet/autograd';
import {
  checkOptions,
  optionKeys,
  bumpVersion,
  checkShape,
  defaultGenerator,
  formatShape,
  Generator,
  rangeError,
  shapeError,
  Tensor,
  typeError,
} from '@torchlet/tensor';

/**
 * Weight initialisation, as `torch.nn.init`: every function fills a tensor (or a Parameter's data)
 * in place, with PyTorch's formulas, drawing from a seeded `Generator` (the default one unless
 * `generator` is given), and returns what it was passed.
 */

/** What the init functions fill: a Tensor, or a Variable / Parameter (its `data` is filled). */
export type InitTarget = Tensor | Variable;

export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'convTranspose1d'
  | 'convTranspose2d'
  | 'convTranspose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leakyRelu'
  | 'selu';

export type FanMode = 'fanIn' | 'fanOut';

export interface GeneratorOption {
  /** Default: the generator `manualSeed` seeds. */
  generator?: Generator;
}

export interface KaimingOptions extends GeneratorOption {
  /** Negative slope of the leaky ReLU that follows (only used with `'leakyRelu'`). Default 0. */
  a?: number;
  /** `'fanIn'` (default) keeps the forward variance, `'fanOut'` the backward one. */
  mode?: FanMode;
  /** Default `'leakyRelu'` (with a = 0 that is ReLU's gain √2), as PyTorch. */
  nonlinearity?: Nonlinearity;
}

export interface XavierOptions extends GeneratorOption {
  /** Scale factor. Default 1. */
  gain?: number;
}

const LINEAR_GAIN = new Set([
  'linear',
  'conv1d',
  'conv2d',
  'conv3d',
  'convTranspose1d',
  'convTranspose2d',
  'convTranspose3d',
  'sigmoid',
]);
const NONLINEARITIES = [...LINEAR_GAIN, 'tanh', 'relu', 'leakyRelu', 'selu'];

function tensorOf(op: string, target: unknown): Tensor {
  if (target instanceof Tensor) return target;
  if (target instanceof Variable) return target.data;
  throw typeError(op, `tensor must be a Tensor or a Parameter, got ${target === null ? 'null' : typeof target}`);
}

/**
 * fanIn and fanOut of a weight, as PyTorch: `shape[1] · receptive field` and `shape[0] · receptive
 * field`, the receptive field being the product of `shape[2:]` (1 for a Linear weight `[out, in]`).
 * @param shape at least 2-D: `[Cout, Cin, ...kernel]` or `[out, in]`
 * @throws ShapeError for fewer than 2 dimensions
 * @example calculateFanInAndFanOut([6, 1, 5, 5]) // { fanIn: 25, fanOut: 150 }
 */
export function calculateFanInAndFanOut(shape: readonly number[]): { fanIn: number; fanOut: number } {
  checkShape('calculateFanInAndFanOut', shape);
  if (shape.length < 2) {
    throw shapeError(
      'calculateFanInAndFanOut',
      `fan in and fan out need a tensor of at least 2 dimensions, got ${formatShape(shape)}`,
    );
  }
  let receptiveField = 1;
  for (let i = 2; i < shape.length; i++) receptiveField *= shape[i]!;
  return { fanIn: shape[1]! * receptiveField, fanOut: shape[0]! * receptiveField };
}

/**
 * The recommended gain for a nonlinearity, as `torch.nn.init.calculate_gain`: 1 for linear, conv
 * and sigmoid, 5/3 for tanh, √2 for relu, √(2 / (1 + slope²)) for leakyRelu (slope `param`,
 * default 0.01), 3/4 for selu.
 * @throws RangeError for an unknown nonlinearity; TypeError for a non-numeric leakyRelu slope
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  const op = 'calculateGain';
  if (LINEAR_GAIN.has(nonlinearity)) return 1;
  switch (nonlinearity) {
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || !Number.isFinite(slope)) {
        throw typeError(op, `negative slope for leakyRelu must be a finite number, got ${String(param)}`);
      }
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw rangeError(
        op,
        `unsupported nonlinearity '${String(nonlinearity)}'; expected one of ${NONLINEARITIES.join(', ')}`,
      );
  }
}

/**
 * Calls `draw()` once per element of `t` in row-major order and writes the result into `t`'s
 * storage (views included, so a slice of a weight can be initialised alone).
 */
function fillInPlace(op: string, t: Tensor, draw: () => number): void {
  for (let k = 0; k < t.ndim; k++) {
    // Two elements sharing one storage slot (an expanded view) cannot both receive a draw.
    if (t.strides[k] === 0 && t.shape[k]! > 1) {
      throw typeError(
        op,
        `cannot fill an expanded view in place (shape ${formatShape(t.shape)}, strides ${formatShape(t.strides)}); call contiguous() first`,
      );
    }
  }
  const { data, shape, strides, size } = t;
  if (size === 0) return;
  bumpVersion(t);
  if (t.isContiguous()) {
    const end = t.offset + size;
    for (let i = t.offset; i < end; i++) data[i] = draw();
    return;
  }
  const ndim = shape.length;
  const counter = new Array<number>(ndim).fill(0);
  let at = t.offset;
  for (let n = 0; n < size; n++) {
    data[at] = draw();
    for (let k = ndim - 1; k >= 0; k--) {
      counter[k]!++;
      at += strides[k]!;
      if (counter[k]! < shape[k]!) break;
      at -= counter[k]! * strides[k]!;
      counter[k] = 0;
    }
  }
}

function checkFloat(op: string, t: Tensor): void {
  if (t.dtype === 'int32')
    throw typeError(op, `random initialisation needs a floating-point tensor, got int32 ${formatShape(t.shape)}`);
}

function checkFinite(op: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw typeError(op, `${name} must be a finite number, got ${String(value)}`);
  return value;
}

function generatorOf(op: string, options: GeneratorOption): Generator {
  const g = options.generator ?? defaultGenerator();
  if (!(g instanceof Generator)) throw typeError(op, 'generator must be a Generator');
  return g;
}

/** Fills the floating-point `t` with draws of `sampler(g)`, `g` the options' generator (or the default one). */
function fillRandom(op: string, t: Tensor, options: GeneratorOption, sampler: (g: Generator) => () => number): void {
  checkFloat(op, t);
  const g = generatorOf(op, checkOptions(op, options, ['generator']));
  fillInPlace(op, t, sampler(g));
}

/**
 * Fills with U(low, high).
 * @throws RangeError if `low > high`
 */
export function uniform_<T extends InitTarget>(tensor: T, low = 0, high = 1, options: GeneratorOption = {}): T {
  const op = 'uniform_';
  const t = tensorOf(op, tensor);
  checkFinite(op, 'low', low);
  checkFinite(op, 'high', high);
  if (low > high) throw rangeError(op, `low must be <= high, got low=${low}, high=${high}`);
  const width = high - low;
  fillRandom(op, t, options, (g) => () => low + width * g.next());
  return tensor;
}

/**
 * Fills with N(mean, std²).
 * @throws RangeError if `std < 0`
 */
export function normal_<T extends InitTarget>(tensor: T, mean = 0, std = 1, options: GeneratorOption = {}): T {
  const op = 'normal_';
  const t = tensorOf(op, tensor);
  checkFinite(op, 'mean', mean);
  checkFinite(op, 'std', std);
  if (std < 0) throw rangeError(op, `std must be >= 0, got std=${std}`);
  fillRandom(op, t, options, (g) => () => mean + std * g.nextNormal());
  return tensor;
}

/** Fills with `value`. */
export function constant_<T extends InitTarget>(tensor: T, value: number): T {
  const op = 'constant_';
  const t = tensorOf(op, tensor);
  checkFinite(op, 'value', value);
  const v = t.dtype === 'int32' ? Math.trunc(value) : value;
  fillInPlace(op, t, () => v);
  return tensor;
}

/** Fills with 0. */
export function zeros_<T extends InitTarget>(tensor: T): T {
  return constant_(tensor, 0);
}

/** Fills with 1. */
export function ones_<T extends InitTarget>(tensor: T): T {
  return constant_(tensor, 1);
}

function kaimingStd(op: string, t: Tensor, options: KaimingOptions): number {
  checkOptions(op, options, optionKeys<KaimingOptions>({ a: true, mode: true, nonlinearity: true, generator: true }));
  const a = options.a ?? 0;
  checkFinite(op, 'a', a);
  const mode = options.mode ?? 'fanIn';
  if (mode !== 'fanIn' && mode !== 'fanOut')
    throw rangeError(op, `mode must be 'fanIn' or 'fanOut', got '${String(mode)}'`);
  if (t.ndim < 2)
    throw shapeError(op, `fan in and fan out need a tensor of at least 2 dimensions, got ${formatShape(t.shape)}`);
  const { fanIn, fanOut } = calculateFanInAndFanOut(t.shape);
  const fan = mode === 'fanIn' ? fanIn : fanOut;
  const gain = calculateGain(options.nonlinearity ?? 'leakyRelu', a);
  return gain / Math.sqrt(fan);
}

/**
 * He initialisation, uniform: U(−bound, bound) with `bound = gain · √(3 / fan)`, as
 * `torch.nn.init.kaiming_uniform_`. A tensor with a zero-size axis is left as it is.
 * @param tensor at least 2-D, `[out, in, ...kernel]`
 * @throws ShapeError for fewer than 2 dimensions; RangeError for a bad `mode` or `nonlinearity`
 */
export function kaimingUniform_<T extends InitTarget>(tensor: T, options: KaimingOptions = {}): T {
  const op = 'kaimingUniform_';
  const t = tensorOf(op, tensor);
  checkFloat(op, t);
  if (t.size === 0) return tensor; // PyTorch warns and skips: the fan would divide by zero
  const bound = Math.sqrt(3) * kaimingStd(op, t, options);
  return uniform_(tensor, -bound, bound, { generator: generatorOf(op, options) });
}

/**
 * He initialisation, normal: N(0, std²) with `std = gain / √fan`, as `torch.nn.init.kaiming_normal_`.
 * @param tensor at least 2-D, `[out, in, ...kernel]`
 */
export function kaimingNormal_<T extends InitTarget>(tensor: T, options: KaimingOptions = {}): T {
  const op = 'kaimingNormal_';
  const t = tensorOf(op, tensor);
  checkFloat(op, t);
  if (t.size === 0) return tensor;
  const std = kaimingStd(op, t, options);
  return normal_(tensor, 0, std, { generator: generatorOf(op, options) });
}

function xavierStd(op: string, t: Tensor, options: XavierOptions): number {
  checkOptions(op, options, optionKeys<XavierOptions>({ gain: true, generator: true }));
  const gain = checkFinite(op, 'gain', options.gain ?? 1);
  if (t.ndim < 2)
    throw shapeError(op, `fan in and fan out need a tensor of at least 2 dimensions, got ${formatShape(t.shape)}`);
  const { fanIn, fanOut } = calculateFanInAndFanOut(t.shape);
  return gain * Math.sqrt(2 / (fanIn + fanOut));
}

/**
 * Glorot initialisation, uniform: U(−a, a) with `a = gain · √(6 / (fanIn + fanOut))`.
 * @param tensor at least 2-D
 */
export function xavierUniform_<T extends InitTarget>(tensor: T, options: XavierOptions = {}): T {
  const op = 'xavierUniform_';
  const t = tensorOf(op, tensor);
  checkFloat(op, t);
  const a = Math.sqrt(3) * xavierStd(op, t, options);
  if (t.size === 0) return tensor;
  return uniform_(tensor, -a, a, { generator: generatorOf(op, options) });
}

/**
 * Glorot initialisation, normal: N(0, std²) with `std = gain · √(2 / (fanIn + fanOut))`.
 * @param tensor at least 2-D
 */
export function xavierNormal_<T extends InitTarget>(tensor: T, options: XavierOptions = {}): T {
  const op = 'xavierNormal_';
  const t = tensorOf(op, tensor);
  checkFloat(op, t);
  const std = xavierStd(op, t, options);
  if (t.size === 0) return tensor;
  return normal_(tensor, 0, std, { generator: generatorOf(op, options) });
}

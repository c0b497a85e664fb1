import * as T from '@torchlet/tensor';
import type { CreateOptions, NestedArray, RandomOptions, Shape, TypedArray } from '@torchlet/tensor';
import { Variable, type VariableOptions } from './variable.js';

// The tensor package's creation functions, returning leaves: same arguments, plus `requiresGrad`
// (the only way to make a value that collects `.grad`), as `torch.randn(..., requires_grad=True)`.

const CREATE_KEYS = T.optionKeys<CreateOptions & VariableOptions>({ dtype: true, requiresGrad: true });
const TENSOR_KEYS = T.optionKeys<CreateOptions & { shape?: Shape } & VariableOptions>({
  dtype: true,
  shape: true,
  requiresGrad: true,
});
const RANDOM_KEYS = T.optionKeys<RandomOptions & VariableOptions>({ dtype: true, generator: true, requiresGrad: true });

/**
 * A leaf from nested arrays, a flat array or a typed array (see the tensor package's `tensor`).
 * @example tensor([[1, 2], [3, 4]], { dtype: 'float64', requiresGrad: true }).shape // [2, 2]
 */
export function tensor(
  data: NestedArray | TypedArray,
  options: CreateOptions & { shape?: Shape } & VariableOptions = {},
): Variable {
  const [tensorOptions, requiresGrad] = split('tensor', options, TENSOR_KEYS);
  return leaf('tensor', T.tensor(data, tensorOptions), requiresGrad);
}

/** A leaf of `shape` filled with `value`. */
export function full(shape: Shape, value: number, options: CreateOptions & VariableOptions = {}): Variable {
  const [tensorOptions, requiresGrad] = split('full', options, CREATE_KEYS);
  return leaf('full', T.full(shape, value, tensorOptions), requiresGrad);
}

/** A leaf of `shape` filled with zeros. */
export function zeros(shape: Shape, options: CreateOptions & VariableOptions = {}): Variable {
  const [tensorOptions, requiresGrad] = split('zeros', options, CREATE_KEYS);
  return leaf('zeros', T.zeros(shape, tensorOptions), requiresGrad);
}

/** A leaf of `shape` filled with ones. */
export function ones(shape: Shape, options: CreateOptions & VariableOptions = {}): Variable {
  const [tensorOptions, requiresGrad] = split('ones', options, CREATE_KEYS);
  return leaf('ones', T.ones(shape, tensorOptions), requiresGrad);
}

/** A leaf of `shape`, uniform in [0, 1), drawn from `options.generator` (default: the seeded default). */
export function rand(shape: Shape, options: RandomOptions & VariableOptions = {}): Variable {
  const [tensorOptions, requiresGrad] = split('rand', options, RANDOM_KEYS);
  return leaf('rand', T.rand(shape, tensorOptions), requiresGrad);
}

/**
 * A leaf of `shape`, standard normal, drawn from `options.generator`.
 * @example randn([2, 3], { dtype: 'float64', generator: new Generator(1), requiresGrad: true })
 */
export function randn(shape: Shape, options: RandomOptions & VariableOptions = {}): Variable {
  const [tensorOptions, requiresGrad] = split('randn', options, RANDOM_KEYS);
  return leaf('randn', T.randn(shape, tensorOptions), requiresGrad);
}

/** The tensor op's options and `requiresGrad`, after refusing keys neither takes. */
function split<O extends VariableOptions>(
  op: string,
  options: O,
  known: readonly string[],
): [Omit<O, 'requiresGrad'>, unknown] {
  const { requiresGrad, ...tensorOptions } = T.checkOptions(op, options, known);
  return [tensorOptions, requiresGrad];
}

function leaf(op: string, data: T.Tensor, requiresGrad: unknown = false): Variable {
  if (typeof requiresGrad !== 'boolean')
    throw T.typeError(op, `requiresGrad must be a boolean, got ${T.describeValue(requiresGrad)}`);
  return new Variable(data, { requiresGrad });
}

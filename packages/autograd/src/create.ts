import * as T from '@torchlet/tensor';
import type { CreateOptions, NestedArray, RandomOptions, Shape, TypedArray } from '@torchlet/tensor';
import { Variable, type VariableOptions } from './variable.js';

// The tensor package's creation functions, returning leaves: same arguments, plus `requiresGrad`
// (the only way to make a value that collects `.grad`), as `torch.randn(..., requires_grad=True)`.

/**
 * A leaf from nested arrays, a flat array or a typed array (see the tensor package's `tensor`).
 * @example tensor([[1, 2], [3, 4]], { dtype: 'float64', requiresGrad: true }).shape // [2, 2]
 */
export function tensor(
  data: NestedArray | TypedArray,
  options: CreateOptions & { shape?: Shape } & VariableOptions = {},
): Variable {
  return leaf('tensor', T.tensor(data, options), options);
}

/** A leaf of `shape` filled with `value`. */
export function full(shape: Shape, value: number, options: CreateOptions & VariableOptions = {}): Variable {
  return leaf('full', T.full(shape, value, options), options);
}

/** A leaf of `shape` filled with zeros. */
export function zeros(shape: Shape, options: CreateOptions & VariableOptions = {}): Variable {
  return leaf('zeros', T.zeros(shape, options), options);
}

/** A leaf of `shape` filled with ones. */
export function ones(shape: Shape, options: CreateOptions & VariableOptions = {}): Variable {
  return leaf('ones', T.ones(shape, options), options);
}

/** A leaf of `shape`, uniform in [0, 1), drawn from `options.generator` (default: the seeded default). */
export function rand(shape: Shape, options: RandomOptions & VariableOptions = {}): Variable {
  return leaf('rand', T.rand(shape, options), options);
}

/**
 * A leaf of `shape`, standard normal, drawn from `options.generator`.
 * @example randn([2, 3], { dtype: 'float64', generator: new Generator(1), requiresGrad: true })
 */
export function randn(shape: Shape, options: RandomOptions & VariableOptions = {}): Variable {
  return leaf('randn', T.randn(shape, options), options);
}

function leaf(op: string, data: T.Tensor, options: VariableOptions): Variable {
  // The tensor op has checked that options is an object.
  const requiresGrad = options.requiresGrad ?? false;
  if (typeof requiresGrad !== 'boolean')
    throw T.typeError(op, `requiresGrad must be a boolean, got ${T.describeValue(requiresGrad)}`);
  return new Variable(data, { requiresGrad });
}

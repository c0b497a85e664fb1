import { flatten, reshape, Variable } from '@torchlet/autograd';
import {
  checkOptions,
  optionKeys,
  checkInt,
  checkSize,
  formatShape,
  rangeError,
  shapeError,
  Tensor,
  typeError,
  zeros,
  type DType,
  type Generator,
} from '@torchlet/tensor';
import { linear } from '../functional/linear.js';
import { kaimingUniform_, uniform_ } from '../init.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

type TensorInput = Tensor | Variable;

export interface LinearOptions {
  /** Learn an additive bias. Default true. */
  bias?: boolean;
  /** Default 'float32'. */
  dtype?: DType;
  /** Where the initial weights come from. Default: the global generator (`manualSeed`). */
  generator?: Generator;
}

function checkFloatDType(op: string, dtype: unknown): DType {
  if (dtype !== 'float32' && dtype !== 'float64')
    throw typeError(op, `dtype must be 'float32' or 'float64', got ${String(dtype)}`);
  return dtype;
}

/**
 * Fully connected layer `y = x·Wᵀ + b`, as `torch.nn.Linear`.
 * `weight: [outFeatures, inFeatures]`, `bias: [outFeatures]` (or null).
 * @example new Linear(784, 10).forward(x) // x [N, 784] → [N, 10]
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    const op = 'Linear';
    this.inFeatures = checkInt(op, inFeatures, 'inFeatures', 0);
    this.outFeatures = checkInt(op, outFeatures, 'outFeatures', 0);
    checkSize(op, outFeatures * inFeatures, `weight [${outFeatures}, ${inFeatures}] (outFeatures × inFeatures)`);
    checkOptions(op, options, optionKeys<LinearOptions>({ bias: true, dtype: true, generator: true }));
    const dtype = checkFloatDType(op, options.dtype ?? 'float32');
    const bias = options.bias ?? true;
    if (typeof bias !== 'boolean') throw typeError(op, `bias must be a boolean, got ${String(bias)}`);
    this.weight = new Parameter(zeros([outFeatures, inFeatures], { dtype }));
    this.bias = bias ? new Parameter(zeros([outFeatures], { dtype })) : null;
    this.resetParameters(options.generator);
  }

  /**
   * PyTorch's default: kaiming-uniform with a = √5 on the weight, which is U(±1/√fanIn), and the
   * bias U(±1/√fanIn) as well, so a fresh layer keeps its outputs' scale near its inputs'.
   */
  resetParameters(generator?: Generator): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5), generator });
    if (this.bias && this.inFeatures > 0) {
      const bound = 1 / Math.sqrt(this.inFeatures);
      uniform_(this.bias, -bound, bound, { generator });
    }
  }

  /** `input [..., inFeatures]` → `[..., outFeatures]` */
  forward(input: TensorInput): Variable {
    return linear(input, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/**
 * Merges axes `startDim..endDim` into one, as `torch.nn.Flatten` (default: everything but the batch).
 * @example new Flatten().forward(x) // [N, 16, 5, 5] → [N, 400]
 */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;

  constructor(startDim = 1, endDim = -1) {
    super();
    this.startDim = checkInt('Flatten', startDim, 'startDim');
    this.endDim = checkInt('Flatten', endDim, 'endDim');
  }

  /** `[d0, ..., d_start, ..., d_end, ...]` → `[d0, ..., d_start·...·d_end, ...]` */
  forward(input: TensorInput): Variable {
    const ndim = input.ndim;
    const start = this.startDim < 0 ? this.startDim + ndim : this.startDim;
    const end = this.endDim < 0 ? this.endDim + ndim : this.endDim;
    if (start < 0 || start >= Math.max(ndim, 1) || end < 0 || end >= Math.max(ndim, 1)) {
      throw rangeError(
        'Flatten',
        `startDim=${this.startDim}, endDim=${this.endDim} are out of range for input ${formatShape(input.shape)}`,
      );
    }
    if (start > end)
      throw shapeError(
        'Flatten',
        `startDim=${this.startDim} comes after endDim=${this.endDim} for input ${formatShape(input.shape)}`,
      );
    return flatten(input, this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}

/** Returns its input unchanged, as `torch.nn.Identity` (a placeholder in a Sequential). */
export class Identity extends Module {
  /** any shape → the same */
  forward(input: TensorInput): Variable {
    return input instanceof Variable ? input : new Variable(input);
  }
}

/**
 * Splits axis `dim` into `unflattenedSize`, as `torch.nn.Unflatten` (the inverse of Flatten). One
 * entry of `unflattenedSize` may be −1, inferred from the axis length.
 * @example new Unflatten(1, [16, 5, 5]).forward(x) // [N, 400] → [N, 16, 5, 5]
 */
export class Unflatten extends Module {
  readonly dim: number;
  readonly unflattenedSize: readonly number[];

  constructor(dim: number, unflattenedSize: readonly number[]) {
    super();
    this.dim = checkInt('Unflatten', dim, 'dim');
    if (!Array.isArray(unflattenedSize) || unflattenedSize.length === 0)
      throw typeError(
        'Unflatten',
        `unflattenedSize must be a non-empty array of sizes, got ${String(unflattenedSize)}`,
      );
    let inferred = 0;
    for (const d of unflattenedSize) {
      if (typeof d !== 'number' || !Number.isInteger(d) || d < -1 || d === 0 || (d === -1 && ++inferred > 1)) {
        throw rangeError(
          'Unflatten',
          `unflattenedSize must hold positive sizes and at most one -1, got ${formatShape(unflattenedSize)}`,
        );
      }
    }
    this.unflattenedSize = [...unflattenedSize];
  }

  /** `[..., d_dim, ...]` → `[..., ...unflattenedSize, ...]`, the sizes' product equal to `d_dim` */
  forward(input: TensorInput): Variable {
    const ndim = input.ndim;
    const dim = this.dim < 0 ? this.dim + ndim : this.dim;
    if (dim < 0 || dim >= ndim)
      throw rangeError('Unflatten', `dim=${this.dim} is out of range for input ${formatShape(input.shape)}`);
    const length = input.shape[dim]!;
    const known = this.unflattenedSize.reduce((p, d) => (d === -1 ? p : p * d), 1);
    const sizes = this.unflattenedSize.map((d) => (d === -1 ? length / known : d));
    if (!sizes.every(Number.isInteger) || sizes.reduce((p, d) => p * d, 1) !== length) {
      throw shapeError(
        'Unflatten',
        `unflattenedSize ${formatShape(this.unflattenedSize)} does not split axis ${this.dim} of length ${length}; input is ${formatShape(input.shape)}`,
      );
    }
    return reshape(input, [...input.shape.slice(0, dim), ...sizes, ...input.shape.slice(dim + 1)]);
  }

  override extraRepr(): string {
    return `dim=${this.dim}, unflattenedSize=${formatShape(this.unflattenedSize)}`;
  }
}

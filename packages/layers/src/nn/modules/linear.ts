import { flatten, Variable } from '@torchlet/autograd';
import {
  checkInt,
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
    if (options === null || typeof options !== 'object') throw typeError(op, 'options must be an object');
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

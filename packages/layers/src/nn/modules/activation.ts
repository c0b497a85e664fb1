import {
  gelu,
  leakyRelu,
  logSoftmax,
  relu,
  sigmoid,
  softmax,
  tanh,
  type GeluOptions,
  type Variable,
} from '@torchlet/autograd';
import {
  optionKeys,
  checkInt,
  checkOptions,
  checkSize,
  full,
  rangeError,
  typeError,
  type DType,
  type Tensor,
} from '@torchlet/tensor';
import {
  elu,
  hardswish,
  mish,
  prelu,
  silu,
  softplus,
  type EluOptions,
  type SoftplusOptions,
} from '../functional/activation.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

type TensorInput = Tensor | Variable;

/** max(0, x), as `torch.nn.ReLU`. any shape → same shape */
export class ReLU extends Module {
  forward(input: TensorInput): Variable {
    return relu(input);
  }
}

/** x for x > 0, `negativeSlope`·x otherwise, as `torch.nn.LeakyReLU`. any shape → same shape */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;

  constructor(negativeSlope = 0.01) {
    super();
    if (typeof negativeSlope !== 'number' || !Number.isFinite(negativeSlope)) {
      throw typeError('LeakyReLU', `negativeSlope must be a finite number, got ${String(negativeSlope)}`);
    }
    this.negativeSlope = negativeSlope;
  }

  forward(input: TensorInput): Variable {
    return leakyRelu(input, this.negativeSlope);
  }

  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/** tanh, as `torch.nn.Tanh`. any shape → same shape */
export class Tanh extends Module {
  forward(input: TensorInput): Variable {
    return tanh(input);
  }
}

/** 1 / (1 + e^−x), as `torch.nn.Sigmoid`. any shape → same shape */
export class Sigmoid extends Module {
  forward(input: TensorInput): Variable {
    return sigmoid(input);
  }
}

/** x·Φ(x) (or its tanh approximation), as `torch.nn.GELU`. any shape → same shape */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';

  constructor(options: GeluOptions = {}) {
    super();
    const approximate = options.approximate ?? 'none';
    if (approximate !== 'none' && approximate !== 'tanh')
      throw rangeError('GELU', `approximate must be 'none' or 'tanh', got ${String(approximate)}`);
    this.approximate = approximate;
  }

  forward(input: TensorInput): Variable {
    return gelu(input, { approximate: this.approximate });
  }

  override extraRepr(): string {
    return this.approximate === 'none' ? '' : `approximate='${this.approximate}'`;
  }
}

/**
 * softmax along `dim`, as `torch.nn.Softmax`. any shape → same shape.
 * Differs from PyTorch: `dim` is required (PyTorch's implicit choice is deprecated).
 */
export class Softmax extends Module {
  readonly dim: number;

  constructor(dim: number) {
    super();
    this.dim = checkInt('Softmax', dim, 'dim');
  }

  forward(input: TensorInput): Variable {
    return softmax(input, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** log-softmax along `dim`, as `torch.nn.LogSoftmax` (`dim` required). any shape → same shape */
export class LogSoftmax extends Module {
  readonly dim: number;

  constructor(dim: number) {
    super();
    this.dim = checkInt('LogSoftmax', dim, 'dim');
  }

  forward(input: TensorInput): Variable {
    return logSoftmax(input, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** x for x > 0, `α·(eˣ − 1)` otherwise, as `torch.nn.ELU`. any shape → same shape */
export class ELU extends Module {
  readonly alpha: number;

  constructor(options: EluOptions = {}) {
    super();
    const alpha = checkOptions('ELU', options, ['alpha']).alpha ?? 1;
    if (typeof alpha !== 'number' || !Number.isFinite(alpha))
      throw typeError('ELU', `alpha must be a finite number, got ${String(alpha)}`);
    this.alpha = alpha;
  }

  forward(input: TensorInput): Variable {
    return elu(input, { alpha: this.alpha });
  }

  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/** `x·σ(x)` (swish), as `torch.nn.SiLU`. any shape → same shape */
export class SiLU extends Module {
  forward(input: TensorInput): Variable {
    return silu(input);
  }
}

/** `x·relu6(x + 3)/6`, as `torch.nn.Hardswish`. any shape → same shape */
export class Hardswish extends Module {
  forward(input: TensorInput): Variable {
    return hardswish(input);
  }
}

/** `x·tanh(softplus(x))`, as `torch.nn.Mish`. any shape → same shape */
export class Mish extends Module {
  forward(input: TensorInput): Variable {
    return mish(input);
  }
}

/** `log(1 + e^(β·x)) / β`, linear above `β·x > threshold`, as `torch.nn.Softplus`. any shape → same shape */
export class Softplus extends Module {
  readonly beta: number;
  readonly threshold: number;

  constructor(options: SoftplusOptions = {}) {
    super();
    const o = checkOptions('Softplus', options, ['beta', 'threshold']);
    this.beta = o.beta ?? 1;
    this.threshold = o.threshold ?? 20;
    // Checked here too, so a bad option fails at construction, not in the first forward.
    for (const [name, v] of [
      ['beta', this.beta],
      ['threshold', this.threshold],
    ] as const) {
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw typeError('Softplus', `${name} must be a finite number, got ${String(v)}`);
    }
    if (this.beta === 0) throw rangeError('Softplus', 'beta must not be 0 (the output divides by it), got beta=0');
  }

  forward(input: TensorInput): Variable {
    return softplus(input, { beta: this.beta, threshold: this.threshold });
  }

  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

export interface PReLUOptions {
  /** 1 (one slope shared by all channels) or the number of channels C. Default 1. */
  numParameters?: number;
  /** The initial slope. Default 0.25. */
  init?: number;
  /** Default 'float32'. */
  dtype?: DType;
}

/**
 * x for x > 0, `weight·x` otherwise, with a learned slope shared or per channel, as `torch.nn.PReLU`.
 * `weight: [numParameters]` (Module's `numParameters()` counts all parameters). `input [N, C, ...]` → same shape.
 */
export class PReLU extends Module {
  weight: Parameter;

  constructor(options: PReLUOptions = {}) {
    super();
    const o = checkOptions(
      'PReLU',
      options,
      optionKeys<PReLUOptions>({ numParameters: true, init: true, dtype: true }),
    );
    const numParameters = checkInt('PReLU', o.numParameters ?? 1, 'numParameters', 1);
    checkSize('PReLU', numParameters, `numParameters=${numParameters}`);
    const init = o.init ?? 0.25;
    if (typeof init !== 'number' || !Number.isFinite(init))
      throw typeError('PReLU', `init must be a finite number, got ${String(init)}`);
    const dtype = o.dtype ?? 'float32';
    if (dtype !== 'float32' && dtype !== 'float64')
      throw typeError('PReLU', `dtype must be 'float32' or 'float64', got ${String(dtype)}`);
    this.weight = new Parameter(full([numParameters], init, { dtype }));
  }

  forward(input: TensorInput): Variable {
    return prelu(input, this.weight);
  }

  override extraRepr(): string {
    return `numParameters=${this.weight.size}`;
  }
}

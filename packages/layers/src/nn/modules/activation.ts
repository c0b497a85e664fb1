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
import { checkInt, rangeError, typeError, type Tensor } from '@torchlet/tensor';
import { Module } from './module.js';

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

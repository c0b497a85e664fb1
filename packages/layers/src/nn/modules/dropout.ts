import type { Variable } from '@torchlet/autograd';
import { Generator, rangeError, typeError, type Tensor } from '@torchlet/tensor';
import { dropout } from '../functional/dropout.js';
import { Module } from './module.js';

type TensorInput = Tensor | Variable;

export interface DropoutModuleOptions {
  /** Where the masks come from. Default: the global generator (`manualSeed`). */
  generator?: Generator;
}

/**
 * Inverted dropout, as `torch.nn.Dropout`: in training mode zeroes each element with probability
 * `p` and scales the rest by 1/(1 − p); in eval mode the identity. any shape → same shape
 */
export class Dropout extends Module {
  readonly p: number;
  // Underscored so the module walk does not mistake it for state; it is not part of the state dict.
  private readonly _generator: Generator | undefined;

  constructor(p = 0.5, options: DropoutModuleOptions = {}) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1))
      throw rangeError('Dropout', `p must be in [0, 1], got p=${String(p)}`);
    if (options === null || typeof options !== 'object')
      throw typeError('Dropout', `options must be an object, got ${String(options)}`);
    if (options.generator !== undefined && !(options.generator instanceof Generator))
      throw typeError('Dropout', 'generator must be a Generator');
    this.p = p;
    this._generator = options.generator;
  }

  forward(input: TensorInput): Variable {
    return dropout(input, { p: this.p, training: this.training, generator: this._generator });
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

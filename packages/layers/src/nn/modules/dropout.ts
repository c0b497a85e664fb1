import type { Variable } from '@torchlet/autograd';
import { checkOptions, Generator, rangeError, typeError, type Tensor } from '@torchlet/tensor';
import { dropout, dropout1d, dropout2d, dropout3d } from '../functional/dropout.js';
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
  /** The functional op this module runs; the channel dropouts swap it. */
  protected readonly _run: typeof dropout = dropout;
  readonly p: number;
  // Underscored so the module walk does not mistake it for state; it is not part of the state dict.
  private readonly _generator: Generator | undefined;

  constructor(p = 0.5, options: DropoutModuleOptions = {}) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1))
      throw rangeError(this.constructor.name, `p must be in [0, 1], got p=${String(p)}`);
    checkOptions(this.constructor.name, options, ['generator']);
    if (options.generator !== undefined && !(options.generator instanceof Generator))
      throw typeError(this.constructor.name, 'generator must be a Generator');
    this.p = p;
    this._generator = options.generator;
  }

  forward(input: TensorInput): Variable {
    return this._run(input, { p: this.p, training: this.training, generator: this._generator });
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/**
 * Channel dropout, as `torch.nn.Dropout1d`: in training zeroes whole channels of `[N, C, L]` (or
 * `[C, L]`) with probability `p`, scaling the rest by 1/(1 − p); the identity in eval mode.
 */
export class Dropout1d extends Dropout {
  protected override readonly _run = dropout1d;
}

/** As Dropout1d over `[N, C, H, W]` or `[C, H, W]`, as `torch.nn.Dropout2d`. */
export class Dropout2d extends Dropout {
  protected override readonly _run = dropout2d;
}

/** As Dropout1d over `[N, C, D, H, W]` or `[C, D, H, W]`, as `torch.nn.Dropout3d`. */
export class Dropout3d extends Dropout {
  protected override readonly _run = dropout3d;
}

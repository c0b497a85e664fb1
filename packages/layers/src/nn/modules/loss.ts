import type { Variable } from '@torchlet/autograd';
import { checkOptions, Tensor, typeError } from '@torchlet/tensor';
import {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  type BceOptions,
  type BceWithLogitsOptions,
} from '../functional/binary-cross-entropy.js';
import { klDiv, type KlDivOptions } from '../functional/kl-div.js';
import { crossEntropy, nllLoss, type CrossEntropyOptions, type NllLossOptions } from '../functional/loss.js';
import { checkReduction, type TensorInput } from '../functional/loss-common.js';
import {
  huberLoss,
  l1Loss,
  mseLoss,
  smoothL1Loss,
  type HuberLossOptions,
  type L1LossOptions,
  type MseLossOptions,
  type SmoothL1LossOptions,
} from '../functional/regression-loss.js';
import { Module } from './module.js';

/** The loss modules' tensor options are constants: buffers (in the state dict), never Variables. */
type Constant<O> = { [K in keyof O]: O[K] extends TensorInput | null | undefined ? Tensor | null : O[K] };

/**
 * A loss as a module, as `torch.nn.*Loss`: its options are checked when it is built (unknown keys
 * and a bad reduction throw there), its forward is the functional loss with those options, and
 * its tensor options (class or element weights) are buffers.
 */
abstract class Loss<O extends { reduction?: string }> extends Module {
  readonly reduction: NonNullable<O['reduction']>;
  /** The functional options, tensor ones replaced by the buffers at forward. */
  private readonly _options: Constant<O>;

  constructor(
    keys: readonly (keyof O & string)[],
    options: Constant<O>,
    buffers: readonly (keyof O & string)[] = [],
    reductions: readonly NonNullable<O['reduction']>[] = ['none', 'mean', 'sum'] as NonNullable<O['reduction']>[],
  ) {
    super();
    const name = this.constructor.name;
    const o = checkOptions(name, options, keys);
    this.reduction = checkReduction(name, o.reduction ?? 'mean', reductions);
    for (const key of buffers) {
      const value = o[key] ?? null;
      if (value !== null && !(value instanceof Tensor))
        throw typeError(name, `${key} must be a Tensor (a constant buffer) or null, got ${typeof value}`);
      this.registerBuffer(key, value as Tensor | null);
    }
    this._options = { ...o, reduction: this.reduction };
  }

  /** The options the functional loss receives: the current buffers (loadStateDict may have replaced them). */
  protected get options(): O {
    const out: Record<string, unknown> = { ...this._options };
    for (const [key] of this.namedBuffers()) out[key] = (this as unknown as Record<string, Tensor | null>)[key];
    return out as O;
  }

  override extraRepr(): string {
    return this.reduction === 'mean' ? '' : `reduction='${this.reduction}'`;
  }
}

/** `|input − target|`, reduced, as `torch.nn.L1Loss`. `input`, `target`: any shape, equal → `[]` (or the shape with `'none'`) */
export class L1Loss extends Loss<L1LossOptions> {
  constructor(options: L1LossOptions = {}) {
    super(['reduction'], options);
  }
  forward(input: TensorInput, target: TensorInput): Variable {
    return l1Loss(input, target, this.options);
  }
}

/** `(input − target)²`, reduced, as `torch.nn.MSELoss`. `input`, `target`: any shape, equal → `[]` (or the shape with `'none'`) */
export class MSELoss extends Loss<MseLossOptions> {
  constructor(options: MseLossOptions = {}) {
    super(['reduction'], options);
  }
  forward(input: TensorInput, target: TensorInput): Variable {
    return mseLoss(input, target, this.options);
  }
}

/** Smooth L1 (`beta`, default 1), as `torch.nn.SmoothL1Loss`; see `functional.smoothL1Loss`. */
export class SmoothL1Loss extends Loss<SmoothL1LossOptions> {
  constructor(options: SmoothL1LossOptions = {}) {
    super(['reduction', 'beta'], options);
  }
  forward(input: TensorInput, target: TensorInput): Variable {
    return smoothL1Loss(input, target, this.options);
  }
}

/** Huber (`delta`, default 1), as `torch.nn.HuberLoss`; see `functional.huberLoss`. */
export class HuberLoss extends Loss<HuberLossOptions> {
  constructor(options: HuberLossOptions = {}) {
    super(['reduction', 'delta'], options);
  }
  forward(input: TensorInput, target: TensorInput): Variable {
    return huberLoss(input, target, this.options);
  }
}

/** Binary cross-entropy on probabilities, as `torch.nn.BCELoss`; `weight` is a buffer. See `functional.binaryCrossEntropy`. */
export class BCELoss extends Loss<BceOptions> {
  declare readonly weight: Tensor | null;
  constructor(options: Constant<BceOptions> = {}) {
    super(['weight', 'reduction'], options, ['weight']);
  }
  forward(input: TensorInput, target: TensorInput): Variable {
    return binaryCrossEntropy(input, target, this.options);
  }
}

/**
 * Binary cross-entropy on logits, as `torch.nn.BCEWithLogitsLoss`; `weight` and `posWeight` are
 * buffers. See `functional.binaryCrossEntropyWithLogits`.
 */
export class BCEWithLogitsLoss extends Loss<BceWithLogitsOptions> {
  declare readonly weight: Tensor | null;
  declare readonly posWeight: Tensor | null;
  constructor(options: Constant<BceWithLogitsOptions> = {}) {
    super(['weight', 'posWeight', 'reduction'], options, ['weight', 'posWeight']);
  }
  forward(input: TensorInput, target: TensorInput): Variable {
    return binaryCrossEntropyWithLogits(input, target, this.options);
  }
}

/** KL divergence (`reduction` may be `'batchmean'`, `logTarget`), as `torch.nn.KLDivLoss`. See `functional.klDiv`. */
export class KLDivLoss extends Loss<KlDivOptions> {
  constructor(options: KlDivOptions = {}) {
    super(['reduction', 'logTarget'], options, [], ['none', 'mean', 'sum', 'batchmean']);
  }
  forward(input: TensorInput, target: TensorInput): Variable {
    return klDiv(input, target, this.options);
  }
}

/**
 * Cross-entropy of logits `[N, C, ...]` against class indices (int32) or probabilities, as
 * `torch.nn.CrossEntropyLoss` (`weight` a buffer, `ignoreIndex`, `labelSmoothing`). See `functional.crossEntropy`.
 */
export class CrossEntropyLoss extends Loss<CrossEntropyOptions> {
  declare readonly weight: Tensor | null;
  constructor(options: Constant<CrossEntropyOptions> = {}) {
    super(['weight', 'ignoreIndex', 'reduction', 'labelSmoothing'], options, ['weight']);
  }
  forward(input: TensorInput, target: TensorInput | readonly number[]): Variable {
    return crossEntropy(input, target, this.options);
  }
}

/** Negative log-likelihood of class indices given log-probabilities, as `torch.nn.NLLLoss`. See `functional.nllLoss`. */
export class NLLLoss extends Loss<NllLossOptions> {
  declare readonly weight: Tensor | null;
  constructor(options: Constant<NllLossOptions> = {}) {
    super(['weight', 'ignoreIndex', 'reduction'], options, ['weight']);
  }
  forward(input: TensorInput, target: TensorInput | readonly number[]): Variable {
    return nllLoss(input, target, this.options);
  }
}

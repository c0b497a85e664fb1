import { Variable } from '@torchlet/autograd';
import { checkInt, checkOptions, rangeError, Tensor, typeError } from '@torchlet/tensor';
import { checkNumber, Optimizer, type BaseOptions } from './optimizer.js';

export interface ReduceLROnPlateauOptions {
  /** `'min'`: the metric should fall (a loss); `'max'`: rise (an accuracy). Default `'min'`. */
  mode?: 'min' | 'max';
  /** New rate = rate · factor, in [0, 1). Default 0.1. */
  factor?: number;
  /** Epochs without improvement tolerated; the next one reduces. Default 10. */
  patience?: number;
  /** How much better counts as better. Default 1e-4. */
  threshold?: number;
  /** `'rel'`: better than best·(1 ∓ threshold); `'abs'`: best ∓ threshold. Default `'rel'`. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs after a reduction during which bad epochs are not counted. Default 0. */
  cooldown?: number;
  /** Lowest rate, one for all groups or one per group. Default 0. */
  minLr?: number | readonly number[];
  /** A reduction smaller than this is skipped. Default 1e-8. */
  eps?: number;
}

/** ReduceLROnPlateau's state, JSON-able (`best` is null before the first metric, as ±Infinity is not JSON). */
export interface PlateauStateDict {
  lastEpoch: number;
  best: number | null;
  numBadEpochs: number;
  cooldownCounter: number;
}

const KEYS = ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps'] as const;

/**
 * Reduces the rates when a metric stops improving, as `torch.optim.lr_scheduler.ReduceLROnPlateau`:
 * call `step(metric)` once per epoch (after validation); after more than `patience` epochs without
 * improvement every group's rate becomes `max(lr · factor, minLr)`, unless that changes it by
 * less than `eps`; then `cooldown` epochs pass before bad epochs count again.
 * Differs from PyTorch: a NaN or infinite metric is a RangeError (PyTorch counts NaN as a bad epoch).
 * @example const plateau = new ReduceLROnPlateau(optimizer, { patience: 2 }); ... plateau.step(valLoss);
 */
export class ReduceLROnPlateau {
  readonly optimizer: Optimizer<BaseOptions>;
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLrs: number[];
  readonly eps: number;
  lastEpoch = 0;
  /** The best metric so far (±Infinity before the first). */
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;

  constructor(optimizer: Optimizer<BaseOptions>, options: ReduceLROnPlateauOptions = {}) {
    const op = 'ReduceLROnPlateau';
    if (!(optimizer instanceof Optimizer)) throw typeError(op, 'optimizer must be an Optimizer (SGD, Adam, ...)');
    this.optimizer = optimizer;
    const o = checkOptions(op, options, KEYS);
    this.mode = o.mode ?? 'min';
    if (this.mode !== 'min' && this.mode !== 'max')
      throw rangeError(op, `mode must be 'min' or 'max', got ${JSON.stringify(this.mode)}`);
    this.thresholdMode = o.thresholdMode ?? 'rel';
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs')
      throw rangeError(op, `thresholdMode must be 'rel' or 'abs', got ${JSON.stringify(this.thresholdMode)}`);
    this.factor = o.factor ?? 0.1;
    checkNumber(op, 'factor', this.factor, 0, 1);
    this.patience = checkInt(op, o.patience ?? 10, 'patience', 0);
    this.threshold = o.threshold ?? 1e-4;
    checkNumber(op, 'threshold', this.threshold, 0);
    this.cooldown = checkInt(op, o.cooldown ?? 0, 'cooldown', 0);
    this.eps = o.eps ?? 1e-8;
    checkNumber(op, 'eps', this.eps, 0);
    const groups = optimizer.paramGroups.length;
    const minLr = o.minLr ?? 0;
    if (Array.isArray(minLr) && minLr.length !== groups)
      throw rangeError(op, `minLr must hold one rate per parameter group (${groups}), got ${minLr.length}`);
    this.minLrs = Array.isArray(minLr) ? minLr.slice() : new Array<number>(groups).fill(minLr as number);
    this.minLrs.forEach((v, i) => checkNumber(op, Array.isArray(minLr) ? `minLr[${i}]` : 'minLr', v, 0));
    this.best = this.worst();
  }

  private worst(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  /** Whether `a` improves on `best` by the threshold (in max mode with a negative best, best·(1+t) lies below best, as in PyTorch). */
  private isBetter(a: number, best: number): boolean {
    const t = this.threshold;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - t) : a < best - t;
    return this.thresholdMode === 'rel' ? a > best * (t + 1) : a > best + t;
  }

  /**
   * Records one epoch's metric and reduces the rates if it has plateaued.
   * @param metric a number, or a one-element Tensor/Variable (a loss)
   * @throws TypeError for a non-number or a tensor of more than one element; RangeError for NaN or ±Infinity
   */
  step(metric: number | Tensor | Variable): void {
    const op = 'ReduceLROnPlateau.step';
    let current: number;
    if (typeof metric === 'number') current = metric;
    else if (metric instanceof Tensor || metric instanceof Variable) {
      if (metric.size !== 1)
        throw typeError(op, `metric must be a number or a one-element tensor, got shape [${metric.shape.join(', ')}]`);
      current = (metric instanceof Variable ? metric.data : metric).item();
    } else {
      throw typeError(op, `metric must be a number or a one-element tensor, got ${typeof metric}`);
    }
    // NaN never improves and would silently count as a bad epoch; say so instead.
    if (!Number.isFinite(current)) throw rangeError(op, `metric must be finite, got ${current}`);
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // bad epochs during cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const reduced = Math.max(g.lr * this.factor, this.minLrs[i]!);
        if (g.lr - reduced > this.eps) g.lr = reduced;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
  }

  /** Every group's current rate. */
  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  stateDict(): PlateauStateDict {
    return {
      lastEpoch: this.lastEpoch,
      best: Number.isFinite(this.best) ? this.best : null,
      numBadEpochs: this.numBadEpochs,
      cooldownCounter: this.cooldownCounter,
    };
  }

  /** Restores the counters saved by `stateDict()`; the options are the constructor's. */
  loadStateDict(state: PlateauStateDict): void {
    const op = 'ReduceLROnPlateau.loadStateDict';
    if (state === null || typeof state !== 'object') throw typeError(op, 'state must come from stateDict()');
    checkInt(op, state.lastEpoch, 'lastEpoch', 0);
    checkInt(op, state.numBadEpochs, 'numBadEpochs', 0);
    checkInt(op, state.cooldownCounter, 'cooldownCounter', 0);
    if (state.best !== null && (typeof state.best !== 'number' || !Number.isFinite(state.best)))
      throw typeError(op, `best must be a finite number or null, got ${String(state.best)}`);
    this.lastEpoch = state.lastEpoch;
    this.best = state.best ?? this.worst();
    this.numBadEpochs = state.numBadEpochs;
    this.cooldownCounter = state.cooldownCounter;
  }
}

import { checkInt, checkOptions, rangeError, typeError } from '@torchlet/tensor';
import { checkNumber, Optimizer, type BaseOptions } from './optimizer.js';

/** A scheduler's state: epoch counters and the rates, JSON-able. */
export interface SchedulerStateDict {
  lastEpoch: number;
  stepCount: number;
  baseLrs: number[];
  lastLr: number[];
}

/**
 * Base of learning-rate schedulers, as PyTorch 1.13's `_LRScheduler`: on construction it records
 * each group's starting rate (`initialLr`) and takes step 0; each `step()` (call once per epoch,
 * after `optimizer.step()`) advances `lastEpoch` and writes the new rate into every group.
 * Rates follow PyTorch's chainable (recursive) form, as PyTorch computes them.
 * Differs from PyTorch: no `lastEpoch` constructor argument; resume with `loadStateDict`.
 */
export abstract class LRScheduler {
  readonly optimizer: Optimizer<BaseOptions>;
  /** Each group's starting rate. */
  baseLrs: number[];
  /** Epochs stepped so far (0 after construction). */
  lastEpoch = -1;
  protected stepCount = 0;
  private lastLr: number[] = [];

  constructor(name: string, optimizer: Optimizer<BaseOptions>) {
    if (!(optimizer instanceof Optimizer)) throw typeError(name, 'optimizer must be an Optimizer (SGD, Adam, ...)');
    this.optimizer = optimizer;
    for (const group of optimizer.paramGroups) if (group.initialLr === undefined) group.initialLr = group.lr;
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr!);
  }

  /** Call at the end of the subclass constructor: PyTorch's initial step to epoch 0. */
  protected initialStep(): void {
    this.step();
  }

  /** The rates for `lastEpoch`, computed from the rates now in the groups. */
  protected abstract getLr(): number[];

  /** Advances one epoch and sets every group's `lr`. */
  step(): void {
    this.stepCount += 1;
    this.lastEpoch += 1;
    const lrs = this.getLr();
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = lrs[i]!));
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The rates the last `step()` set, one per group. */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  stateDict(): SchedulerStateDict {
    return {
      lastEpoch: this.lastEpoch,
      stepCount: this.stepCount,
      baseLrs: this.baseLrs.slice(),
      lastLr: this.lastLr.slice(),
    };
  }

  /**
   * Restores counters and rates saved by `stateDict()`. The groups' current `lr` live in the
   * optimizer's own state dict; load both to resume.
   */
  loadStateDict(state: SchedulerStateDict): void {
    const op = `${this.constructor.name}.loadStateDict`;
    if (state === null || typeof state !== 'object') throw typeError(op, 'state must come from stateDict()');
    checkInt(op, state.lastEpoch, 'lastEpoch', -1);
    checkInt(op, state.stepCount, 'stepCount', 0);
    for (const key of ['baseLrs', 'lastLr'] as const) {
      const list = state[key];
      if (
        !Array.isArray(list) ||
        list.length !== this.optimizer.paramGroups.length ||
        !list.every((v) => typeof v === 'number')
      ) {
        throw rangeError(op, `${key} must hold one number per parameter group (${this.optimizer.paramGroups.length})`);
      }
    }
    this.lastEpoch = state.lastEpoch;
    this.stepCount = state.stepCount;
    this.baseLrs = state.baseLrs.slice();
    this.lastLr = state.lastLr.slice();
  }
}

export interface StepLROptions {
  /** Epochs between decays. */
  stepSize: number;
  /** Multiplicative decay. Default 0.1. */
  gamma?: number;
}

/**
 * Multiplies each group's rate by `gamma` every `stepSize` epochs, as `torch.optim.lr_scheduler.StepLR`:
 * `lr = baseLr · gamma^floor(epoch / stepSize)`.
 */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: Optimizer<BaseOptions>, options: StepLROptions) {
    super('StepLR', optimizer);
    const o = checkOptions('StepLR', options, ['stepSize', 'gamma']);
    this.stepSize = checkInt('StepLR', o.stepSize, 'stepSize', 1);
    this.gamma = o.gamma ?? 0.1;
    checkNumber('StepLR', 'gamma', this.gamma, 0);
    this.initialStep();
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }
}

export interface CosineAnnealingLROptions {
  /** Half-period in epochs: the rate reaches `etaMin` at epoch tMax (then rises again). */
  tMax: number;
  /** Lowest rate. Default 0. */
  etaMin?: number;
}

/**
 * Cosine annealing without restarts, as `torch.optim.lr_scheduler.CosineAnnealingLR`:
 * `lr = etaMin + (baseLr − etaMin) · (1 + cos(π · epoch / tMax)) / 2`, computed recursively as
 * PyTorch does (periodic with period 2·tMax past tMax).
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;

  constructor(optimizer: Optimizer<BaseOptions>, options: CosineAnnealingLROptions) {
    super('CosineAnnealingLR', optimizer);
    const o = checkOptions('CosineAnnealingLR', options, ['tMax', 'etaMin']);
    this.tMax = checkInt('CosineAnnealingLR', o.tMax, 'tMax', 1);
    this.etaMin = o.etaMin ?? 0;
    checkNumber('CosineAnnealingLR', 'etaMin', this.etaMin, 0);
    this.initialStep();
  }

  protected getLr(): number[] {
    const { tMax, etaMin, lastEpoch } = this;
    const groups = this.optimizer.paramGroups;
    if (lastEpoch === 0) return groups.map((g) => g.lr);
    // Python's % is non-negative: (e − 1 − T) mod 2T == 0 marks the bottom of a period.
    const m = 2 * tMax;
    if ((((lastEpoch - 1 - tMax) % m) + m) % m === 0) {
      return groups.map((g, i) => g.lr + ((this.baseLrs[i]! - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    }
    return groups.map(
      (g) =>
        ((1 + Math.cos((Math.PI * lastEpoch) / tMax)) / (1 + Math.cos((Math.PI * (lastEpoch - 1)) / tMax))) *
          (g.lr - etaMin) +
        etaMin,
    );
  }
}

export interface MultiStepLROptions {
  /** Epochs at which to decay; a milestone listed k times decays by gamma^k there. */
  milestones: readonly number[];
  /** Multiplicative decay. Default 0.1. */
  gamma?: number;
}

/**
 * Multiplies each group's rate by `gamma` at every milestone, as `torch.optim.lr_scheduler.MultiStepLR`:
 * `lr = baseLr · gamma^(milestones ≤ epoch)`, milestones counted with repeats.
 * @example new MultiStepLR(optimizer, { milestones: [30, 80], gamma: 0.1 })
 */
export class MultiStepLR extends LRScheduler {
  readonly milestones: readonly number[];
  readonly gamma: number;

  constructor(optimizer: Optimizer<BaseOptions>, options: MultiStepLROptions) {
    super('MultiStepLR', optimizer);
    const o = checkOptions('MultiStepLR', options, ['milestones', 'gamma']);
    if (!Array.isArray(o.milestones))
      throw typeError('MultiStepLR', `milestones must be an array of epochs, got ${String(o.milestones)}`);
    o.milestones.forEach((m, i) => checkInt('MultiStepLR', m, `milestones[${i}]`, 0));
    this.milestones = o.milestones.slice();
    this.gamma = o.gamma ?? 0.1;
    checkNumber('MultiStepLR', 'gamma', this.gamma, 0);
    this.initialStep();
  }

  protected getLr(): number[] {
    const count = this.milestones.filter((m) => m === this.lastEpoch).length;
    const groups = this.optimizer.paramGroups;
    if (count === 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma ** count);
  }
}

export interface ExponentialLROptions {
  /** Multiplicative decay per epoch. */
  gamma: number;
}

/** Multiplies each group's rate by `gamma` every epoch, as `torch.optim.lr_scheduler.ExponentialLR`: `lr = baseLr · gamma^epoch`. */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;

  constructor(optimizer: Optimizer<BaseOptions>, options: ExponentialLROptions) {
    super('ExponentialLR', optimizer);
    const o = checkOptions('ExponentialLR', options, ['gamma']);
    checkNumber('ExponentialLR', 'gamma', o.gamma, 0);
    this.gamma = o.gamma;
    this.initialStep();
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }
}

export interface LinearLROptions {
  /** Factor on the rate at epoch 0, in (0, 1]. Default 1/3. */
  startFactor?: number;
  /** Factor reached at `totalIters` and kept after, in [0, 1]. Default 1. */
  endFactor?: number;
  /** Epochs over which the factor moves linearly. Default 5. */
  totalIters?: number;
}

/**
 * Scales each group's rate by a factor moving linearly from `startFactor` to `endFactor` over
 * `totalIters` epochs (a warm-up when start < end), as `torch.optim.lr_scheduler.LinearLR`:
 * `lr = baseLr · (start + (end − start) · min(epoch, totalIters) / totalIters)`, computed recursively as PyTorch does.
 * Differs from PyTorch: `startFactor` 0 is a RangeError (PyTorch 1.13 divides by zero at epoch 1).
 * @example new LinearLR(optimizer, { startFactor: 0.1, totalIters: 5 }) // 5-epoch warm-up
 */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  constructor(optimizer: Optimizer<BaseOptions>, options: LinearLROptions = {}) {
    super('LinearLR', optimizer);
    const o = checkOptions('LinearLR', options, ['startFactor', 'endFactor', 'totalIters']);
    this.startFactor = o.startFactor ?? 1 / 3;
    this.endFactor = o.endFactor ?? 1;
    this.totalIters = checkInt('LinearLR', o.totalIters ?? 5, 'totalIters', 1);
    checkNumber('LinearLR', 'startFactor', this.startFactor, 0);
    if (this.startFactor === 0 || this.startFactor > 1)
      throw rangeError('LinearLR', `startFactor must be in (0, 1], got ${this.startFactor}`);
    checkNumber('LinearLR', 'endFactor', this.endFactor, 0);
    if (this.endFactor > 1) throw rangeError('LinearLR', `endFactor must be in [0, 1], got ${this.endFactor}`);
    this.initialStep();
  }

  protected getLr(): number[] {
    const { startFactor, endFactor, totalIters, lastEpoch } = this;
    const groups = this.optimizer.paramGroups;
    if (lastEpoch === 0) return groups.map((g) => g.lr * startFactor);
    if (lastEpoch > totalIters) return groups.map((g) => g.lr);
    const ratio =
      1 + (endFactor - startFactor) / (totalIters * startFactor + (lastEpoch - 1) * (endFactor - startFactor));
    return groups.map((g) => g.lr * ratio);
  }
}

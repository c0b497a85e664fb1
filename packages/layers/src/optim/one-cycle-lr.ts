import { checkInt, checkOptions, rangeError, typeError } from '@torchlet/tensor';
import { LRScheduler } from './lr-scheduler.js';
import { checkBoolean, checkNumber, Optimizer, type BaseOptions, type ParamGroup } from './optimizer.js';

export interface OneCycleLROptions {
  /** The peak rate, one for all groups or one per group. */
  maxLr: number | readonly number[];
  /** Steps in the cycle; or give `epochs` and `stepsPerEpoch`. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent raising the rate. Default 0.3. */
  pctStart?: number;
  /** Default `'cos'`. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (SGD/RMSprop `momentum`, Adam's beta1) inversely to the rate. Default true. */
  cycleMomentum?: boolean;
  /** Momentum at the peak rate, one or per group. Default 0.85. */
  baseMomentum?: number | readonly number[];
  /** Momentum at the start and end, one or per group. Default 0.95. */
  maxMomentum?: number | readonly number[];
  /** The starting rate is `maxLr / divFactor`. Default 25. */
  divFactor?: number;
  /** The final rate is the starting rate / `finalDivFactor`. Default 1e4. */
  finalDivFactor?: number;
  /** Three phases (up, down to the start, down to the minimum) as in the paper, not fastai's two. Default false. */
  threePhase?: boolean;
}

const KEYS = [
  'maxLr',
  'totalSteps',
  'epochs',
  'stepsPerEpoch',
  'pctStart',
  'annealStrategy',
  'cycleMomentum',
  'baseMomentum',
  'maxMomentum',
  'divFactor',
  'finalDivFactor',
  'threePhase',
] as const;

/** One phase of the cycle: from step `start` to step `end` (fractional), the rate and momentum move between two ends. */
interface Phase {
  end: number;
  lr: [from: 'initial' | 'max' | 'min', to: 'initial' | 'max' | 'min'];
  momentum: [from: 'base' | 'max', to: 'base' | 'max'];
}

/**
 * The 1cycle policy (Smith & Topin), as `torch.optim.lr_scheduler.OneCycleLR`: the rate rises from
 * `maxLr / divFactor` to `maxLr` over `pctStart` of the cycle, then anneals to
 * `maxLr / divFactor / finalDivFactor`; momentum moves the opposite way. Call `step()` after every
 * batch; `totalSteps` calls are allowed. Setting up sets each group's rate (and momentum, switching
 * it on for an SGD built with momentum 0) to the cycle's start.
 * @example new OneCycleLR(optimizer, { maxLr: 0.1, epochs: 10, stepsPerEpoch: loader.length })
 */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  readonly annealStrategy: 'cos' | 'linear';
  readonly cycleMomentum: boolean;
  private readonly phases: Phase[];
  /** Per group: the rate ends and momentum ends. */
  private readonly ends: { initial: number; max: number; min: number; base: number; maxMomentum: number }[];
  /** Adam-style optimizers cycle `betas[0]`; SGD-style ones `momentum`. */
  private readonly useBeta1: boolean;

  constructor(optimizer: Optimizer<BaseOptions>, options: OneCycleLROptions) {
    super('OneCycleLR', optimizer);
    const op = 'OneCycleLR';
    const o = checkOptions(op, options, KEYS);
    if (o.totalSteps !== undefined) {
      this.totalSteps = checkInt(op, o.totalSteps, 'totalSteps', 1);
    } else if (o.epochs !== undefined || o.stepsPerEpoch !== undefined) {
      this.totalSteps = checkInt(op, o.epochs, 'epochs', 1) * checkInt(op, o.stepsPerEpoch, 'stepsPerEpoch', 1);
    } else {
      throw typeError(op, 'give totalSteps, or epochs and stepsPerEpoch');
    }
    const pctStart = o.pctStart ?? 0.3;
    checkNumber(op, 'pctStart', pctStart, 0);
    if (pctStart > 1) throw rangeError(op, `pctStart must be in [0, 1], got ${pctStart}`);
    const strategy = o.annealStrategy ?? 'cos';
    if (strategy !== 'cos' && strategy !== 'linear')
      throw rangeError(op, `annealStrategy must be 'cos' or 'linear', got ${JSON.stringify(strategy)}`);
    this.annealStrategy = strategy;
    this.cycleMomentum = o.cycleMomentum ?? true;
    checkBoolean(op, 'cycleMomentum', this.cycleMomentum);
    const threePhase = o.threePhase ?? false;
    checkBoolean(op, 'threePhase', threePhase);
    const divFactor = o.divFactor ?? 25;
    const finalDivFactor = o.finalDivFactor ?? 1e4;
    checkNumber(op, 'divFactor', divFactor, 0);
    checkNumber(op, 'finalDivFactor', finalDivFactor, 0);

    const up = pctStart * this.totalSteps - 1;
    const last = this.totalSteps - 1;
    this.phases = threePhase
      ? [
          { end: up, lr: ['initial', 'max'], momentum: ['max', 'base'] },
          { end: 2 * pctStart * this.totalSteps - 2, lr: ['max', 'initial'], momentum: ['base', 'max'] },
          { end: last, lr: ['initial', 'min'], momentum: ['max', 'max'] },
        ]
      : [
          { end: up, lr: ['initial', 'max'], momentum: ['max', 'base'] },
          { end: last, lr: ['max', 'min'], momentum: ['base', 'max'] },
        ];

    const groups = optimizer.paramGroups;
    const maxLrs = perGroup(op, 'maxLr', o.maxLr, groups.length);
    this.useBeta1 = 'betas' in optimizer.defaults;
    if (this.cycleMomentum && !this.useBeta1 && !('momentum' in optimizer.defaults)) {
      throw typeError(
        op,
        `cycleMomentum needs an optimizer with momentum or betas; ${optimizer.constructor.name} has neither (pass cycleMomentum: false)`,
      );
    }
    const maxMomentums = perGroup(op, 'maxMomentum', o.maxMomentum ?? 0.95, groups.length);
    const baseMomentums = perGroup(op, 'baseMomentum', o.baseMomentum ?? 0.85, groups.length);
    this.ends = groups.map((g, i) => {
      const initial = maxLrs[i]! / divFactor;
      g.initialLr = initial;
      return {
        initial,
        max: maxLrs[i]!,
        min: initial / finalDivFactor,
        base: baseMomentums[i]!,
        maxMomentum: maxMomentums[i]!,
      };
    });
    this.baseLrs = this.ends.map((e) => e.initial);
    if (this.cycleMomentum) groups.forEach((g, i) => this.setMomentum(g, this.ends[i]!.maxMomentum));
    this.initialStep();
  }

  /** @throws RangeError past `totalSteps` calls, before anything changes */
  override step(): void {
    if (this.lastEpoch + 1 > this.totalSteps) {
      throw rangeError(
        'OneCycleLR',
        `tried to step ${this.lastEpoch + 2} times; the cycle has totalSteps=${this.totalSteps} steps`,
      );
    }
    super.step();
  }

  protected getLr(): number[] {
    const step = this.lastEpoch;
    return this.optimizer.paramGroups.map((g, i) => {
      const ends = this.ends[i]!;
      let start = 0;
      for (const [k, phase] of this.phases.entries()) {
        if (step <= phase.end || k === this.phases.length - 1) {
          const pct = (step - start) / (phase.end - start);
          if (this.cycleMomentum) {
            const [from, to] = phase.momentum.map((m) => (m === 'base' ? ends.base : ends.maxMomentum)) as [
              number,
              number,
            ];
            this.setMomentum(g, this.anneal(from, to, pct));
          }
          return this.anneal(ends[phase.lr[0]], ends[phase.lr[1]], pct);
        }
        start = phase.end;
      }
      throw new Error('unreachable: the last phase always matches');
    });
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'linear') return (end - start) * pct + start;
    return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
  }

  private setMomentum(group: ParamGroup<BaseOptions>, value: number): void {
    const g = group as ParamGroup<BaseOptions> & { momentum?: number; betas?: [number, number] };
    if (this.useBeta1) g.betas = [value, g.betas![1]];
    else g.momentum = value;
  }
}

function perGroup(op: string, name: string, value: unknown, groups: number): number[] {
  const list = Array.isArray(value) ? value : [value];
  if (Array.isArray(value) && value.length !== groups)
    throw rangeError(op, `${name} must hold one value per parameter group (${groups}), got ${value.length}`);
  list.forEach((v, i) => checkNumber(op, Array.isArray(value) ? `${name}[${i}]` : name, v, 0));
  return Array.isArray(value) ? (value as number[]) : new Array<number>(groups).fill(value as number);
}

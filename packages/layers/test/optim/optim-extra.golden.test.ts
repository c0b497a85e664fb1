import { describe, expect, it } from 'vitest';
import { Parameter } from '../../src/nn/modules/parameter.js';
import { Adam } from '../../src/optim/adam.js';
import { Adadelta } from '../../src/optim/adadelta.js';
import { Adagrad } from '../../src/optim/adagrad.js';
import { ExponentialLR, LinearLR, MultiStepLR, type LRScheduler } from '../../src/optim/lr-scheduler.js';
import { OneCycleLR } from '../../src/optim/one-cycle-lr.js';
import type { BaseOptions, Optimizer } from '../../src/optim/optimizer.js';
import { ReduceLROnPlateau } from '../../src/optim/reduce-lr-on-plateau.js';
import { RMSprop } from '../../src/optim/rmsprop.js';
import { SGD } from '../../src/optim/sgd.js';
import { fromFixture, loadFixture } from '../helpers/fixtures.js';
import { itHasCases } from '../helpers/golden-counts.js';
import { itMatchesOptimizerGolden, type OptimizerGoldenCase } from '../helpers/optimizer-golden.js';

type OptimizerName = 'SGD' | 'Adam' | 'RMSprop' | 'Adadelta' | 'Adagrad';
interface OptimCase extends OptimizerGoldenCase {
  optimizer: OptimizerName;
  options: Record<string, unknown>;
}
interface SchedulerCase {
  name: string;
  scheduler: 'MultiStepLR' | 'ExponentialLR' | 'LinearLR' | 'OneCycleLR' | 'ReduceLROnPlateau';
  options: Record<string, unknown>;
  optimizer: OptimizerName;
  optimizerOptions: Record<string, unknown>;
  baseLrs: number[];
  lrs: number[][];
  momentums?: number[][];
  metrics?: number[];
}
const fixture = loadFixture<{ cases: OptimCase[]; schedulers: SchedulerCase[] }>('optim_extra');

function makeOptimizer(name: OptimizerName, params: Parameter[] | { params: Parameter[]; lr: number }[], o: never) {
  switch (name) {
    case 'SGD':
      return new SGD(params, o);
    case 'Adam':
      return new Adam(params, o);
    case 'RMSprop':
      return new RMSprop(params, o);
    case 'Adadelta':
      return new Adadelta(params, o);
    case 'Adagrad':
      return new Adagrad(params, o);
  }
}

describe('RMSprop, Adadelta, Adagrad match PyTorch 1.13 over 5 steps', () => {
  itHasCases('optim_extra.json', fixture.cases, { RMSprop: 6, Adadelta: 4, Adagrad: 4 }, (c) => c.optimizer);
  for (const c of fixture.cases) {
    itMatchesOptimizerGolden(c, (params) => makeOptimizer(c.optimizer, params, c.options as never));
  }
});

function makeScheduler(c: SchedulerCase, opt: Optimizer<BaseOptions>): LRScheduler | ReduceLROnPlateau {
  const o = c.options as never;
  switch (c.scheduler) {
    case 'MultiStepLR':
      return new MultiStepLR(opt, o);
    case 'ExponentialLR':
      return new ExponentialLR(opt, o);
    case 'LinearLR':
      return new LinearLR(opt, o);
    case 'OneCycleLR':
      return new OneCycleLR(opt, o);
    case 'ReduceLROnPlateau':
      return new ReduceLROnPlateau(opt, o);
  }
}

function setUp(c: SchedulerCase) {
  const groups = c.baseLrs.map((lr) => ({ params: [new Parameter(fromFixture({ shape: [1], data: [0] }))], lr }));
  // SGD needs an lr in its defaults (each group overrides it).
  const o = { lr: c.baseLrs[0], ...c.optimizerOptions } as never;
  const opt = makeOptimizer(c.optimizer, groups, o) as Optimizer<BaseOptions>;
  return { opt, sched: makeScheduler(c, opt) };
}

const momentumOf = (g: object) =>
  'betas' in g ? (g.betas as number[])[0]! : 'momentum' in g ? (g.momentum as number) : 0;

const close = (got: number, want: number) => Math.abs(got - want) <= 1e-15 + 1e-13 * Math.abs(want);

describe('schedulers match PyTorch 1.13 over many steps', () => {
  itHasCases(
    'optim_extra.json (schedulers)',
    fixture.schedulers,
    { MultiStepLR: 3, ExponentialLR: 2, LinearLR: 4, OneCycleLR: 5, ReduceLROnPlateau: 6 },
    (c) => c.scheduler,
  );
  for (const c of fixture.schedulers) {
    it(c.name, () => {
      const { opt, sched } = setUp(c);
      c.lrs.forEach((want, e) => {
        const got = opt.paramGroups.map((g) => g.lr);
        want.forEach((w, i) =>
          expect(close(got[i]!, w), `epoch ${e} group ${i}: got ${got[i]}, expected ${w}`).toBe(true),
        );
        expect(sched.getLastLr()).toEqual(got);
        if (c.momentums) {
          c.momentums[e]!.forEach((w, i) => {
            const m = momentumOf(opt.paramGroups[i]!);
            expect(close(m, w), `epoch ${e} group ${i} momentum: got ${m}, expected ${w}`).toBe(true);
          });
        }
        if (e === c.lrs.length - 1) return;
        if (sched instanceof ReduceLROnPlateau) sched.step(c.metrics![e]!);
        else sched.step();
      });
      // OneCycleLR allows exactly totalSteps steps, as PyTorch.
      if (sched instanceof OneCycleLR) expect(() => sched.step()).toThrow(/tried to step .* totalSteps=/);
    });
    it(`${c.name} — resumed from a JSON state dict halfway`, () => {
      const half = Math.floor(c.lrs.length / 2);
      const first = setUp(c);
      for (let e = 0; e < half; e++) {
        if (first.sched instanceof ReduceLROnPlateau) first.sched.step(c.metrics![e]!);
        else first.sched.step();
      }
      const optimState = JSON.parse(JSON.stringify(first.opt.stateDict()));
      const schedState = JSON.parse(JSON.stringify(first.sched.stateDict()));
      const second = setUp(c);
      second.opt.loadStateDict(optimState);
      second.sched.loadStateDict(schedState as never);
      for (let e = half; e < c.lrs.length; e++) {
        const got = second.opt.paramGroups.map((g) => g.lr);
        c.lrs[e]!.forEach((w, i) => expect(close(got[i]!, w), `epoch ${e} group ${i}`).toBe(true));
        if (e === c.lrs.length - 1) break;
        if (second.sched instanceof ReduceLROnPlateau) second.sched.step(c.metrics![e]!);
        else second.sched.step();
      }
    });
  }
});

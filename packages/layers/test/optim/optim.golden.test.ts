import { describe, expect, it } from 'vitest';
import { Parameter } from '../../src/nn/modules/parameter.js';
import { Adam, AdamW } from '../../src/optim/adam.js';
import { CosineAnnealingLR, StepLR } from '../../src/optim/lr-scheduler.js';
import { SGD } from '../../src/optim/sgd.js';
import { fromFixture, loadFixture } from '../helpers/fixtures.js';
import { itHasCases } from '../helpers/golden-counts.js';
import { itMatchesOptimizerGolden, type OptimizerGoldenCase } from '../helpers/optimizer-golden.js';

interface OptimCase extends OptimizerGoldenCase {
  optimizer: 'SGD' | 'Adam' | 'AdamW';
  options: Record<string, unknown>;
}
interface SchedulerCase {
  name: string;
  scheduler: 'StepLR' | 'CosineAnnealingLR';
  options: Record<string, number>;
  baseLr: number;
  lrs: number[];
}
const fixture = loadFixture<{ cases: OptimCase[]; schedulers: SchedulerCase[] }>('optim');

function make(c: OptimCase, params: Parameter[]) {
  const o = c.options as never;
  return c.optimizer === 'SGD'
    ? new SGD(params, o)
    : c.optimizer === 'Adam'
      ? new Adam(params, o)
      : new AdamW(params, o);
}

describe('optimizers match PyTorch 1.13 over 5 steps', () => {
  itHasCases('optim.json', fixture.cases, { SGD: 8, Adam: 6, AdamW: 4 }, (c) => c.optimizer);
  for (const c of fixture.cases) itMatchesOptimizerGolden(c, (params) => make(c, params));
});

describe('schedulers match PyTorch 1.13 over 12 epochs', () => {
  itHasCases('optim.json (schedulers)', fixture.schedulers, { StepLR: 3, CosineAnnealingLR: 4 }, (c) => c.scheduler);
  for (const c of fixture.schedulers) {
    it(c.name, () => {
      const opt = new SGD([new Parameter(fromFixture({ shape: [1], data: [0] }))], { lr: c.baseLr });
      const sched =
        c.scheduler === 'StepLR' ? new StepLR(opt, c.options as never) : new CosineAnnealingLR(opt, c.options as never);
      c.lrs.forEach((want, e) => {
        const got = opt.paramGroups[0]!.lr;
        // Same recursion as PyTorch; only Math.cos and libm's cos may differ in the last bit.
        expect(Math.abs(got - want) <= 1e-15 + 1e-13 * Math.abs(want), `epoch ${e}: got ${got}, expected ${want}`).toBe(
          true,
        );
        expect(sched.getLastLr()).toEqual([got]);
        sched.step();
      });
    });
  }
});

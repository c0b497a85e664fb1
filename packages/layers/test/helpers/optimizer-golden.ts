import { it } from 'vitest';
import { Parameter } from '../../src/nn/modules/parameter.js';
import type { BaseOptions, Optimizer } from '../../src/optim/optimizer.js';
import { expectClose, fromFixture, type FixtureTensor } from './fixtures.js';

/** One optimizer run recorded from PyTorch: its parameters, five steps of gradients, the parameters after each. */
export interface OptimizerGoldenCase {
  name: string;
  params: FixtureTensor[];
  grads: FixtureTensor[][];
  after: FixtureTensor[][];
}

/**
 * Two tests of an optimizer against its PyTorch run `c`: every step's parameters, and the same run
 * resumed after step 2 from a state dict that went through JSON. `make` builds the optimizer.
 */
export function itMatchesOptimizerGolden(
  c: OptimizerGoldenCase,
  make: (params: Parameter[]) => Optimizer<BaseOptions>,
): void {
  it(c.name, () => {
    const params = c.params.map((p) => new Parameter(fromFixture(p)));
    const opt = make(params);
    c.grads.forEach((grads, s) => {
      params.forEach((p, k) => (p.grad = fromFixture(grads[k]!)));
      opt.step();
      params.forEach((p, k) => expectClose(p.data, c.after[s]![k]!, 1e-9, 1e-12, `step ${s} param ${k}`));
    });
  });
  it(`${c.name} — resumed from a JSON state dict after step 2`, () => {
    const params = c.params.map((p) => new Parameter(fromFixture(p)));
    const first = make(params);
    for (let s = 0; s < 2; s++) {
      params.forEach((p, k) => (p.grad = fromFixture(c.grads[s]![k]!)));
      first.step();
    }
    const saved = JSON.parse(JSON.stringify(first.stateDict()));
    const copies = params.map(
      (p) => new Parameter(fromFixture({ shape: [...p.shape], data: Array.from(p.data.toTypedArray()) })),
    );
    const second = make(copies);
    second.loadStateDict(saved);
    for (let s = 2; s < 5; s++) {
      copies.forEach((p, k) => (p.grad = fromFixture(c.grads[s]![k]!)));
      second.step();
    }
    copies.forEach((p, k) => expectClose(p.data, c.after[4]![k]!, 1e-9, 1e-12, `param ${k}`));
  });
}

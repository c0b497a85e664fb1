import fc from 'fast-check';
import { randn, Variable } from '@torchlet/autograd';
import { Generator } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh } from '../../../src/nn/modules/activation.js';
import { Dropout } from '../../../src/nn/modules/dropout.js';
import { Flatten, Linear } from '../../../src/nn/modules/linear.js';
import { BatchNorm1d, BatchNorm2d } from '../../../src/nn/modules/norm.js';
import { Sequential } from '../../../src/nn/modules/sequential.js';
import type { Layer } from '../../../src/nn/modules/module.js';
import { Parameter } from '../../../src/nn/modules/parameter.js';
import { arbSizeOrZero, gradcheckOrEmpty } from '../../helpers/zero-size.js';

/**
 * gradcheck of a module's forward with respect to its input and every parameter: gradcheck
 * passes fresh leaves, which are put in the parameters' fields for the call, then put back. Over
 * an empty batch, the gradients' shapes instead (a parameter's gradient is then all zeros).
 */
function checkModule(m: Layer, x: Variable): void {
  const slots: [Record<string, unknown>, string, Parameter][] = [];
  for (const owner of m.modules()) {
    for (const [key, value] of Object.entries(owner))
      if (value instanceof Parameter) slots.push([owner as unknown as Record<string, unknown>, key, value]);
  }
  try {
    gradcheckOrEmpty(
      (x, ...leaves) => {
        slots.forEach(([owner, key], i) => (owner[key] = leaves[i]));
        return m.forward(x!);
      },
      [x, ...slots.map(([, , p]) => new Variable(p.data, { requiresGrad: true }))],
    );
  } finally {
    for (const [owner, key, p] of slots) owner[key] = p;
  }
}

describe('every layer passes gradcheck (float64; an empty batch too)', () => {
  it('Linear, activations, Flatten, Sequential', () => {
    fc.assert(
      fc.property(
        arbSizeOrZero(3),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer(),
        (n, inF, outF, seed) => {
          const g = new Generator(seed);
          const x = randn([n, inF], { dtype: 'float64', generator: g, requiresGrad: true });
          for (const act of [
            new ReLU(),
            new LeakyReLU(0.2),
            new Tanh(),
            new Sigmoid(),
            new GELU(),
            new GELU({ approximate: 'tanh' }),
            new Softmax(1),
            new LogSoftmax(1),
          ]) {
            checkModule(new Sequential(new Linear(inF, outF, { dtype: 'float64', generator: g }), act), x);
          }
          const img = randn([n, 2, 2], { dtype: 'float64', generator: g, requiresGrad: true });
          checkModule(new Sequential(new Flatten(), new Linear(4, outF, { dtype: 'float64', generator: g })), img);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('BatchNorm1d / BatchNorm2d in training and eval mode', () => {
    fc.assert(
      fc.property(
        fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 2, max: 3 }) }, { weight: 1, arbitrary: fc.constant(0) }),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer(),
        (n, c, twoD, training, seed) => {
          const g = new Generator(seed);
          const bn = twoD ? new BatchNorm2d(c, { dtype: 'float64' }) : new BatchNorm1d(c, { dtype: 'float64' });
          bn.weight!.data.data.set(randn([c], { dtype: 'float64', generator: g }).data.data);
          bn.train(training);
          const x = randn(twoD ? [n, c, 2, 2] : [n, c, 3], { dtype: 'float64', generator: g, requiresGrad: true });
          const stats = () => [bn.runningMean!, bn.runningVar!].map((t) => Array.from(t.toTypedArray()));
          const before = stats();
          checkModule(bn, x);
          // An empty batch leaves the running statistics as they were (PyTorch returns early).
          if (n === 0) expect(stats()).toEqual(before);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('Dropout (the mask replayed from the same seed for every evaluation)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.double({ min: 0, max: 0.9, noNaN: true }), arbSizeOrZero(3), (seed, p, n) => {
        const x = randn([n, 4], { dtype: 'float64', generator: new Generator(seed), requiresGrad: true });
        gradcheckOrEmpty((x) => new Dropout(p, { generator: new Generator(seed) }).forward(x!), [x]);
      }),
      { numRuns: 20 },
    );
  });
});

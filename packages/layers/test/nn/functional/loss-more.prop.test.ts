import fc from 'fast-check';
import { gradgradcheck, randn, Variable } from '@torchlet/autograd';
import { functional as F } from '@torchlet/layers';
import { add, Generator, mul, rand, type Tensor } from '@torchlet/tensor';
import { describe, it } from 'vitest';
import { arbSizeOrZero, expectEmptyLoss, gradcheckOrEmpty } from '../../helpers/zero-size.js';

// Central differences in float64 for the first and second derivatives of the new losses, in the
// input and the target, over random shapes, reductions and options. (binaryCrossEntropyWithLogits:
// loss.prop.test.ts and gradgrad-ops.prop.test.ts.)
const opts = { eps: 1e-6, atol: 1e-5, rtol: 1e-3 };
// An axis of 0 now and then: PyTorch's 'mean' over nothing is NaN, 'sum' 0, 'batchmean' 0 / N.
const arbShape = fc.array(arbSizeOrZero(4), { minLength: 0, maxLength: 3 });
const arbReduction = fc.constantFrom<'none' | 'mean' | 'sum'>('none', 'mean', 'sum');

/** Uniform in [lo, hi), float64. */
const uniform = (shape: number[], g: Generator, lo: number, hi: number): Tensor =>
  add(mul(rand(shape, { dtype: 'float64', generator: g }), hi - lo), lo);
const leaf = (t: Tensor) => new Variable(t, { requiresGrad: true });

/**
 * Both checks on fn at [x, t]: the gradient and the gradient of the gradient; over no elements,
 * the loss's value and the gradients' shapes instead.
 */
function checkTwice(fn: (...v: Variable[]) => Variable, inputs: Variable[], reduction: string): void {
  if (gradcheckOrEmpty(fn, inputs, opts)) return expectEmptyLoss(fn(...inputs), reduction, inputs[0]!.shape);
  gradgradcheck(fn, inputs, opts);
}

describe('loss first and second derivatives match central differences (float64)', () => {
  it('l1Loss, smoothL1Loss (beta ≥ 0) and huberLoss (delta > 0), in input and target', () => {
    fc.assert(
      fc.property(
        arbShape,
        fc.integer(),
        arbReduction,
        fc.constantFrom(0, 0.3, 1, 2.5),
        (shape, seed, reduction, threshold) => {
          const g = new Generator(seed);
          const x = leaf(randn(shape, { dtype: 'float64', generator: g }).data);
          const t = leaf(randn(shape, { dtype: 'float64', generator: g }).data);
          checkTwice((x, t) => F.l1Loss(x, t, { reduction }), [x, t], reduction);
          checkTwice((x, t) => F.smoothL1Loss(x, t, { reduction, beta: threshold }), [x, t], reduction);
          if (threshold > 0)
            checkTwice((x, t) => F.huberLoss(x, t, { reduction, delta: threshold }), [x, t], reduction);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('binaryCrossEntropy, in input and target, with and without a weight', () => {
    fc.assert(
      fc.property(arbShape, fc.integer(), arbReduction, fc.boolean(), (shape, seed, reduction, weighted) => {
        const g = new Generator(seed);
        const x = leaf(uniform(shape, g, 0.05, 0.95));
        const t = leaf(uniform(shape, g, 0, 1));
        const weight = weighted ? uniform(shape.slice(-1), g, 0.5, 2) : null;
        checkTwice((x, t) => F.binaryCrossEntropy(x, t, { reduction, weight }), [x, t], reduction);
      }),
      { numRuns: 20 },
    );
  });

  it('klDiv, every reduction, probabilities or log-probabilities as the target', () => {
    fc.assert(
      fc.property(
        arbShape,
        fc.integer(),
        fc.constantFrom<'none' | 'mean' | 'sum' | 'batchmean'>('none', 'mean', 'sum', 'batchmean'),
        fc.boolean(),
        (shape, seed, reduction, logTarget) => {
          const g = new Generator(seed);
          const x = leaf(randn(shape, { dtype: 'float64', generator: g }).data);
          const t = leaf(
            logTarget ? randn(shape, { dtype: 'float64', generator: g }).data : uniform(shape, g, 0.05, 1),
          );
          checkTwice((x, t) => F.klDiv(x, t, { reduction, logTarget }), [x, t], reduction);
        },
      ),
      { numRuns: 20 },
    );
  });
});

import fc from 'fast-check';
import { randn, type Variable } from '@torchlet/autograd';
import { Generator } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { groupNorm, instanceNorm, layerNorm } from '../../../src/nn/functional/norm.js';
import { arbSizeOrZero, gradcheckOrEmpty } from '../../helpers/zero-size.js';

const opts = { eps: 1e-6, atol: 1e-5, rtol: 1e-3 };
const leaf = (shape: number[], g: Generator) => randn(shape, { dtype: 'float64', generator: g, requiresGrad: true });

/** gradcheck, or over an empty input (batch 0, no spatial value) the output's and gradients' shapes. */
function check(fn: (...v: Variable[]) => Variable, inputs: Variable[]): void {
  expect(fn(...inputs).shape).toEqual(inputs[0]!.shape);
  gradcheckOrEmpty(fn, inputs, opts);
}

describe('normalisation gradients match central differences (float64; empty batches too)', () => {
  it('layerNorm over 1-3 trailing axes, with or without weight and bias', () => {
    fc.assert(
      fc.property(
        fc.array(arbSizeOrZero(3), { minLength: 1, maxLength: 2 }),
        // an empty normalised axis too: PyTorch returns an empty output
        fc.array(
          fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 2, max: 3 }) }, { weight: 1, arbitrary: fc.constant(0) }),
          { minLength: 1, maxLength: 2 },
        ),
        fc.boolean(),
        fc.integer(),
        (lead, normalized, affine, seed) => {
          const g = new Generator(seed);
          const x = leaf([...lead, ...normalized], g);
          if (!affine) return check((x) => layerNorm(x!, normalized), [x]);
          const w = leaf(normalized, g);
          const b = leaf(normalized, g);
          check((x, w, b) => layerNorm(x!, normalized, { weight: w, bias: b, eps: 1e-3 }), [x, w, b]);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('groupNorm with any group count dividing C (an empty batch or spatial axis too)', () => {
    fc.assert(
      fc.property(
        arbSizeOrZero(),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 2 }),
        fc.array(arbSizeOrZero(3, 8), { minLength: 0, maxLength: 2 }), // an empty spatial axis too
        fc.integer(),
        (n, groups, perGroup, spatial, seed) => {
          const c = groups * perGroup;
          if (perGroup * spatial.reduce((p, d) => p * d, 1) < 2) spatial = [...spatial, 2];
          const g = new Generator(seed);
          const x = leaf([n, c, ...spatial], g);
          const w = leaf([c], g);
          const b = leaf([c], g);
          check((x, w, b) => groupNorm(x!, groups, { weight: w, bias: b }), [x, w, b]);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('instanceNorm with input statistics, 1-3 spatial axes (an empty one too, as PyTorch allows)', () => {
    fc.assert(
      fc.property(
        arbSizeOrZero(),
        fc.integer({ min: 1, max: 3 }),
        fc.array(
          fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 2, max: 3 }) }, { weight: 1, arbitrary: fc.constant(0) }),
          { minLength: 1, maxLength: 3 },
        ),
        fc.integer(),
        (n, c, spatial, seed) => {
          const g = new Generator(seed);
          const x = leaf([n, c, ...spatial], g);
          const w = leaf([c], g);
          const b = leaf([c], g);
          check((x, w, b) => instanceNorm(x!, { weight: w, bias: b }), [x, w, b]);
        },
      ),
      { numRuns: 30 },
    );
  });
});

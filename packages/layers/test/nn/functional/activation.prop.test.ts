import fc from 'fast-check';
import { gradcheck, randn } from '@torchlet/autograd';
import { Generator } from '@torchlet/tensor';
import { describe, it } from 'vitest';
import { elu, hardswish, mish, prelu, silu, softplus } from '../../../src/nn/functional/activation.js';

const opts = { eps: 1e-6, atol: 1e-5, rtol: 1e-3 };
const arbShape = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 });
/** Central differences straddling a kink disagree with any one-sided derivative: keep inputs off them. */
const awayFrom = (kinks: number[]) => (v: number) => kinks.some((k) => Math.abs(v - k) < 1e-3);

function offKinks(shape: number[], seed: number, scale: number, kinks: number[]) {
  const x = randn(shape, { dtype: 'float64', generator: new Generator(seed), requiresGrad: true });
  const d = x.data.data;
  const near = awayFrom(kinks);
  for (let i = 0; i < d.length; i++) {
    d[i] = d[i]! * scale;
    if (near(d[i]!)) d[i] = d[i]! + 0.01;
  }
  return x;
}

describe('activation gradients match central differences (float64)', () => {
  it('elu, any alpha', () => {
    fc.assert(
      fc.property(arbShape, fc.integer(), fc.double({ min: -2, max: 3, noNaN: true }), (shape, seed, alpha) => {
        gradcheck((x) => elu(x, { alpha }), [offKinks(shape, seed, 2, [0])], opts);
      }),
      { numRuns: 30 },
    );
  });

  it('silu, hardswish and mish', () => {
    fc.assert(
      fc.property(arbShape, fc.integer(), (shape, seed) => {
        gradcheck((x) => silu(x), [offKinks(shape, seed, 3, [])], opts);
        gradcheck((x) => hardswish(x), [offKinks(shape, seed, 3, [-3, 3])], opts);
        gradcheck((x) => mish(x), [offKinks(shape, seed, 3, [])], opts);
      }),
      { numRuns: 30 },
    );
  });

  it('softplus, any beta and threshold', () => {
    fc.assert(
      fc.property(
        arbShape,
        fc.integer(),
        fc.constantFrom(1, 2, 0.5, -1),
        fc.constantFrom(20, 3, 1),
        (shape, seed, beta, threshold) => {
          const x = offKinks(shape, seed, 3, [threshold / beta]);
          gradcheck((x) => softplus(x, { beta, threshold }), [x], opts);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('prelu, one shared slope or one per channel, input and weight', () => {
    fc.assert(
      fc.property(arbShape, fc.integer(), fc.boolean(), (shape, seed, perChannel) => {
        const withChannels = shape.length >= 2 ? shape : [shape[0]!, 2];
        const x = offKinks(withChannels, seed, 2, [0]);
        const w = randn([perChannel ? withChannels[1]! : 1], {
          dtype: 'float64',
          generator: new Generator(seed + 1),
          requiresGrad: true,
        });
        gradcheck((x, w) => prelu(x, w), [x, w], opts);
      }),
      { numRuns: 30 },
    );
  });
});

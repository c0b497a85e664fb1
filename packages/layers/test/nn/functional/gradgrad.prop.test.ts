import { describe, it } from 'vitest';
import fc from 'fast-check';
import { gradgradcheck, mul, sum, tanh, Variable } from '@torchlet/autograd';
import { arbConvCase } from '@torchlet/autograd/testing';
import { Generator, randn, type Shape } from '@torchlet/tensor';
import { functional as F } from '@torchlet/layers';

// Second derivatives of the layers ops (their differentiable backwards), float64, central
// differences, over random shapes and options. A tanh after the op makes the second derivative in
// the input non-zero for ops that are linear in it.
const leaf = (shape: Shape, g: Generator) =>
  new Variable(randn(shape, { dtype: 'float64', generator: g }), { requiresGrad: true });
const CONV = { 1: F.conv1d, 2: F.conv2d, 3: F.conv3d } as const;
const CONV_T = { 1: F.convTranspose1d, 2: F.convTranspose2d } as const;

describe('gradgradcheck: layers ops', () => {
  it('linear', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer(), (inF, outF, seed) => {
        const g = new Generator(seed);
        gradgradcheck((x, w, b) => tanh(F.linear(x, w, b)), [leaf([2, inF], g), leaf([outF, inF], g), leaf([outF], g)]);
      }),
      { numRuns: 8 },
    );
  });

  for (const dims of [1, 2, 3] as const) {
    it(`conv${dims}d: stride, padding, dilation, groups, bias`, () => {
      fc.assert(
        fc.property(arbConvCase({ dims }), fc.integer(), (c, seed) => {
          const g = new Generator(seed);
          const x = leaf(c.inputShape, g);
          const w = leaf(c.weightShape, g);
          const args = c.biasShape ? [x, w, leaf(c.biasShape, g)] : [x, w];
          gradgradcheck((x, w, b) => tanh(CONV[dims](x, w, b ?? null, c.options)), args);
        }),
        { numRuns: dims === 3 ? 3 : 6 },
      );
    });
  }

  for (const dims of [1, 2] as const) {
    it(`convTranspose${dims}d`, () => {
      fc.assert(
        fc.property(arbConvCase({ dims, transposed: true }), fc.integer(), (c, seed) => {
          const g = new Generator(seed);
          const args = [leaf(c.inputShape, g), leaf(c.weightShape, g)];
          gradgradcheck((x, w) => tanh(CONV_T[dims](x, w, null, c.options)), args);
        }),
        { numRuns: 5 },
      );
    });
  }

  it('padding modes go through pad and its adjoint', () => {
    const g = new Generator(3);
    for (const paddingMode of ['reflect', 'replicate', 'circular'] as const) {
      gradgradcheck(
        (x, w) => tanh(F.conv2d(x, w, null, { padding: 1, paddingMode })),
        [leaf([1, 2, 4, 4], g), leaf([2, 2, 3, 3], g)],
      );
    }
  });

  it('a gradient penalty through a conv: d/dw of |∂L/∂x|² matches central differences', () => {
    const g = new Generator(9);
    gradgradcheck(
      (x, w) =>
        sum(mul(F.conv2d(x, w, null, { stride: 2, padding: 1 }), F.conv2d(x, w, null, { stride: 2, padding: 1 }))),
      [leaf([1, 1, 5, 5], g), leaf([2, 1, 3, 3], g)],
    );
  });
});

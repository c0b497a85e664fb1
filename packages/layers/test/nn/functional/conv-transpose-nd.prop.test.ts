import { arbConvCase } from '@torchlet/layers/testing';
import { gradgradcheck, randn, tanh, type Variable } from '@torchlet/autograd';
import { Generator, type Shape } from '@torchlet/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { functional as F } from '@torchlet/layers';
import { referenceConvTransposeNd } from '../../helpers/reference-conv-nd.js';
import { expectAllClose } from '../../helpers/reference-conv.js';
import { gradcheckOrEmpty } from '../../helpers/zero-size.js';

// convTransposeNd over 1 to 5 spatial axes: against the scatter definition, then first and second
// derivatives by central differences in float64.

const leaf = (shape: Shape, g: Generator): Variable =>
  randn(shape, { dtype: 'float64', generator: g, requiresGrad: true });

describe('convTransposeNd', () => {
  for (const dims of [1, 2, 3, 4, 5]) {
    it(`${dims}-D: matches the scatter definition (groups, stride, dilation, padding, outputPadding, batch 0)`, () => {
      fc.assert(
        fc.property(arbConvCase({ dims, transposed: true, emptyBatch: true }), fc.integer(), (c, seed) => {
          const g = new Generator(seed);
          const x = randn(c.inputShape, { dtype: 'float64', generator: g });
          const w = randn(c.weightShape, { dtype: 'float64', generator: g });
          const b = c.biasShape ? randn(c.biasShape, { dtype: 'float64', generator: g }) : null;
          const y = F.convTransposeNd(x, w, b, c.options);
          expect(y.shape).toEqual(c.outputShape);
          const o = { ...c.options, outputPadding: c.options.outputPadding! };
          expectAllClose(y.data, referenceConvTransposeNd(x.data, w.data, b ? b.data : null, o));
        }),
        { numRuns: dims > 3 ? 25 : 40 },
      );
    });

    it(`${dims}-D: gradients (gradcheck) and second derivatives (gradgradcheck) match central differences (batch 0 too)`, () => {
      fc.assert(
        fc.property(arbConvCase({ dims, transposed: true, emptyBatch: true }), fc.integer(), (c, seed) => {
          const g = new Generator(seed);
          const inputs = [leaf(c.inputShape, g), leaf(c.weightShape, g)];
          if (c.biasShape) inputs.push(leaf(c.biasShape, g));
          // batch 0: gradients of the inputs' shapes, the weight's all zeros; nothing for gradgradcheck to compare
          if (gradcheckOrEmpty((x, w, b) => F.convTransposeNd(x!, w!, b ?? null, c.options), inputs)) return;
          gradgradcheck((x, w, b) => tanh(F.convTransposeNd(x!, w!, b ?? null, c.options)), inputs);
        }),
        { numRuns: dims > 3 ? 2 : 4 },
      );
    });
  }

  it('convTranspose3d is convTransposeNd with the rank fixed: same bits', () => {
    fc.assert(
      fc.property(arbConvCase({ dims: 3, transposed: true }), fc.integer(), (c, seed) => {
        const g = new Generator(seed);
        const x = randn(c.inputShape, { generator: g });
        const w = randn(c.weightShape, { generator: g });
        expect(Array.from(F.convTranspose3d(x, w, null, c.options).data.toTypedArray())).toEqual(
          Array.from(F.convTransposeNd(x, w, null, c.options).data.toTypedArray()),
        );
      }),
      { numRuns: 15 },
    );
  });
});

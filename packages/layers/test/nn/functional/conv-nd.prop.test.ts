import { arbConvCase, type ConvCase } from '@torchlet/layers/testing';
import { gradgradcheck, randn, tanh, type Variable } from '@torchlet/autograd';
import { Generator, pad, type Shape, type Tensor } from '@torchlet/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { functional as F } from '@torchlet/layers';
import { referenceConvNd } from '../../helpers/reference-conv-nd.js';
import { expectAllClose } from '../../helpers/reference-conv.js';
import { gradcheckOrEmpty } from '../../helpers/zero-size.js';

// convNd over 1 to 5 spatial axes: against the direct-loop definition (every option and padding
// mode), then first and second derivatives by central differences in float64.

function referenceOf(c: ConvCase, x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  const mode = c.options.paddingMode ?? 'zeros';
  const none = c.options.padding.map(() => 0);
  if (mode === 'zeros')
    return referenceConvNd(x, w, b, { ...c.options, padBefore: c.options.padding, padAfter: c.options.padding });
  const widths = [
    [0, 0] as [number, number],
    [0, 0] as [number, number],
    ...c.options.padding.map((p) => [p, p] as [number, number]),
  ];
  return referenceConvNd(pad(x, widths, { mode }), w, b, { ...c.options, padBefore: none, padAfter: none });
}

const leaf = (shape: Shape, g: Generator): Variable =>
  randn(shape, { dtype: 'float64', generator: g, requiresGrad: true });

describe('convNd', () => {
  for (const dims of [1, 2, 3, 4, 5]) {
    it(`${dims}-D: matches the direct-loop definition (groups, stride, dilation, padding modes, batch 0)`, () => {
      fc.assert(
        fc.property(arbConvCase({ dims, paddingModes: true, emptyBatch: true }), fc.integer(), (c, seed) => {
          const g = new Generator(seed);
          const x = randn(c.inputShape, { dtype: 'float64', generator: g });
          const w = randn(c.weightShape, { dtype: 'float64', generator: g });
          const b = c.biasShape ? randn(c.biasShape, { dtype: 'float64', generator: g }) : null;
          const y = F.convNd(x, w, b, c.options);
          expect(y.shape).toEqual(c.outputShape);
          expectAllClose(y.data, referenceOf(c, x.data, w.data, b ? b.data : null));
        }),
        { numRuns: dims > 3 ? 25 : 40 },
      );
    });

    it(`${dims}-D: input, weight and bias gradients match central differences (float64; batch 0 too)`, () => {
      fc.assert(
        fc.property(arbConvCase({ dims, paddingModes: true, emptyBatch: true }), fc.integer(), (c, seed) => {
          const g = new Generator(seed);
          const inputs = [leaf(c.inputShape, g), leaf(c.weightShape, g)];
          if (c.biasShape) inputs.push(leaf(c.biasShape, g));
          const y = F.convNd(inputs[0]!, inputs[1]!, inputs[2] ?? null, c.options);
          expect(y.shape).toEqual(c.outputShape);
          expectAllClose(y.data, referenceOf(c, inputs[0]!.data, inputs[1]!.data, inputs[2]?.data ?? null));
          gradcheckOrEmpty((x, w, b) => F.convNd(x!, w!, b ?? null, c.options), inputs);
        }),
        { numRuns: dims > 3 ? 6 : 10 },
      );
    });

    it(`${dims}-D: second derivatives match central differences (gradgradcheck, float64)`, () => {
      fc.assert(
        fc.property(arbConvCase({ dims }), fc.integer(), (c, seed) => {
          const g = new Generator(seed);
          const inputs = [leaf(c.inputShape, g), leaf(c.weightShape, g)];
          if (c.biasShape) inputs.push(leaf(c.biasShape, g));
          // tanh: conv is linear in each argument, so its second derivative alone would be zero.
          gradgradcheck((x, w, b) => tanh(F.convNd(x!, w!, b ?? null, c.options)), inputs);
        }),
        { numRuns: dims > 3 ? 2 : 4 },
      );
    });
  }

  it("padding 'same' keeps every axis of a 4-D input, the odd element after (even dilated kernels)", () => {
    const g = new Generator(5);
    const x = randn([2, 3, 4, 5, 3, 4], { dtype: 'float64', generator: g });
    const w = randn([2, 3, 2, 3, 4, 1], { dtype: 'float64', generator: g });
    const y = F.convNd(x, w, null, { padding: 'same', dilation: [1, 2, 1, 3] });
    expect(y.shape).toEqual([2, 2, 4, 5, 3, 4]);
    const want = referenceConvNd(x.data, w.data, null, {
      stride: [1, 1, 1, 1],
      padBefore: [0, 2, 1, 0],
      padAfter: [1, 2, 2, 0],
      dilation: [1, 2, 1, 3],
      groups: 1,
    });
    expectAllClose(y.data, want);
  });

  it('conv1d/2d/3d are convNd with the rank fixed: same bits', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 2, 3), fc.integer(), (dims, seed) => {
        const c = fc.sample(arbConvCase({ dims, paddingModes: true }), { seed, numRuns: 1 })[0]!;
        const g = new Generator(seed);
        const x = randn(c.inputShape, { generator: g });
        const w = randn(c.weightShape, { generator: g });
        const op = [F.conv1d, F.conv2d, F.conv3d][dims - 1]!;
        expect(Array.from(F.convNd(x, w, null, c.options).data.toTypedArray())).toEqual(
          Array.from(op(x, w, null, c.options).data.toTypedArray()),
        );
      }),
      { numRuns: 20 },
    );
  });
});

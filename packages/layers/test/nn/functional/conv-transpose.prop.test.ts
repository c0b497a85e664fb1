import { arbConvCase } from '@torchlet/layers/testing';
import { randn, type Variable } from '@torchlet/autograd';
import * as T from '@torchlet/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conv1d, conv2d, convTranspose1d, convTranspose2d } from '../../../src/nn/functional/index.js';
import { referenceConvTranspose } from '../../helpers/reference-conv.js';
import { gradcheckOrEmpty } from '../../helpers/zero-size.js';

const TRANSPOSED = { 1: convTranspose1d, 2: convTranspose2d } as const;
const CONV = { 1: conv1d, 2: conv2d } as const;

function dot(a: T.Tensor, b: T.Tensor): number {
  const x = a.toTypedArray();
  const y = b.toTypedArray();
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}

describe('convTranspose properties (float64)', () => {
  for (const dims of [1, 2] as const) {
    it(`convTranspose${dims}d matches the scatter-loop reference`, () => {
      fc.assert(
        fc.property(arbConvCase({ dims, transposed: true, emptyBatch: true }), fc.integer(), (c, seed) => {
          const g = new T.Generator(seed);
          const x = T.randn(c.inputShape, { dtype: 'float64', generator: g });
          const w = T.randn(c.weightShape, { dtype: 'float64', generator: g });
          const b = c.biasShape ? T.randn(c.biasShape, { dtype: 'float64', generator: g }) : null;
          const y = TRANSPOSED[dims](x, w, b, c.options);
          const ref = referenceConvTranspose(x, w, b, { ...c.options, outputPadding: c.options.outputPadding! });
          expect(y.shape).toEqual(c.outputShape);
          const a = y.data.toTypedArray();
          const r = ref.toTypedArray();
          for (let i = 0; i < a.length; i++)
            expect(Math.abs(a[i]! - r[i]!)).toBeLessThanOrEqual(1e-10 * (1 + Math.abs(r[i]!)));
        }),
        { numRuns: 60 },
      );
    });

    it(`convTranspose${dims}d is the adjoint of conv${dims}d: <conv(x), y> = <x, convTranspose(y)>`, () => {
      fc.assert(
        fc.property(arbConvCase({ dims }), fc.integer(), (c, seed) => {
          const g = new T.Generator(seed);
          const x = T.randn(c.inputShape, { dtype: 'float64', generator: g });
          const w = T.randn(c.weightShape, { dtype: 'float64', generator: g });
          const cx = CONV[dims](x, w, null, c.options);
          const y = T.randn(cx.shape, { dtype: 'float64', generator: g });
          // The transposed conv's output must be x's size: outputPadding picks it among the candidates.
          const outputPadding = c.inputShape.slice(2).map((l, i) => {
            const s = c.options.stride[i]!;
            const span = c.options.dilation[i]! * (c.weightShape[2 + i]! - 1) + 1;
            return (l + 2 * c.options.padding[i]! - span) % s;
          });
          const ty = TRANSPOSED[dims](y, w, null, { ...c.options, outputPadding });
          expect(ty.shape).toEqual(c.inputShape);
          const lhs = dot(cx.data, y);
          const rhs = dot(x, ty.data);
          expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(lhs)));
        }),
        { numRuns: 60 },
      );
    });

    it(`convTranspose${dims}d backward matches central differences (batch 0 too)`, () => {
      fc.assert(
        fc.property(arbConvCase({ dims, transposed: true, emptyBatch: true }), fc.integer(), (c, seed) => {
          const g = new T.Generator(seed);
          const x = randn(c.inputShape, { dtype: 'float64', generator: g, requiresGrad: true });
          const w = randn(c.weightShape, { dtype: 'float64', generator: g, requiresGrad: true });
          const inputs: Variable[] = [x, w];
          if (c.biasShape) inputs.push(randn(c.biasShape, { dtype: 'float64', generator: g, requiresGrad: true }));
          // the forward too: a size bug that the backward mirrors passes a gradcheck
          const y = TRANSPOSED[dims](x, w, inputs[2] ?? null, c.options);
          expect(y.shape).toEqual(c.outputShape);
          const ref = referenceConvTranspose(x.data, w.data, inputs[2]?.data ?? null, {
            ...c.options,
            outputPadding: c.options.outputPadding!,
          }).toTypedArray();
          y.data
            .toTypedArray()
            .forEach((v, i) => expect(Math.abs(v - ref[i]!)).toBeLessThanOrEqual(1e-10 * (1 + Math.abs(ref[i]!))));
          // batch 0: gradients of the inputs' shapes, the weight's all zeros (gradcheck would compare nothing)
          gradcheckOrEmpty((xi, wi, bi) => TRANSPOSED[dims](xi!, wi!, bi ?? null, c.options), inputs);
        }),
        { numRuns: 25 },
      );
    });
  }
});

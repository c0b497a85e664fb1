import { arbConvCase, type ConvCase } from '@torchlet/layers/testing';
import { Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, type Layer } from '@torchlet/layers';
import { Generator, randn } from '@torchlet/tensor';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { expectOnnxMatches } from '../helpers/onnx-runtime.js';

const CONV = { 1: Conv1d, 2: Conv2d, 3: Conv3d } as const;
const CONV_TRANSPOSE = { 1: ConvTranspose1d, 2: ConvTranspose2d } as const;

/** The layer a case describes, with weights drawn from `seed`. */
function layerFor(c: ConvCase, transposed: boolean, seed: number): Layer {
  const dims = c.inputShape.length - 2;
  const cIn = c.inputShape[1]!;
  const cOut = c.outputShape[1]!;
  const kernel = c.weightShape.slice(2);
  const options = { ...c.options, bias: c.biasShape !== null, generator: new Generator(seed) };
  if (transposed) return new CONV_TRANSPOSE[dims as 1 | 2](cIn, cOut, kernel, options);
  return new CONV[dims as 1 | 2 | 3](cIn, cOut, kernel, options);
}

/**
 * Strided, dilated, padded and grouped convolutions of random geometry, exported and run in ONNX
 * Runtime: its output must match Torchlet's (the shape included) to 1e-4.
 */
describe('exported convolutions match ONNX Runtime', () => {
  for (const dims of [1, 2, 3] as const) {
    it(`Conv${dims}d, random stride/padding/dilation/groups`, async () => {
      await fc.assert(
        fc.asyncProperty(arbConvCase({ dims }), fc.integer(), async (c, seed) => {
          const layer = layerFor(c, false, seed);
          await expectOnnxMatches(layer, c.inputShape, randn(c.inputShape, { generator: new Generator(seed + 1) }));
        }),
        { numRuns: 25 },
      );
    });
  }
  for (const dims of [1, 2] as const) {
    it(`ConvTranspose${dims}d, random stride/padding/outputPadding/dilation/groups`, async () => {
      await fc.assert(
        fc.asyncProperty(arbConvCase({ dims, transposed: true }), fc.integer(), async (c, seed) => {
          const layer = layerFor(c, true, seed);
          await expectOnnxMatches(layer, c.inputShape, randn(c.inputShape, { generator: new Generator(seed + 1) }));
        }),
        { numRuns: 25 },
      );
    });
  }
});

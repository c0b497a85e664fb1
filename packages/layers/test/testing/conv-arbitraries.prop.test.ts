import * as T from '@torchlet/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbConvAxis, arbConvCase } from '@torchlet/layers/testing';

/** PyTorch's output size of one axis, from the torch.nn.Conv / ConvTranspose docs. */
function outputSize(
  size: number,
  k: number,
  stride: number,
  padding: number,
  dilation: number,
  outputPadding: number | null,
): number {
  if (outputPadding === null) return Math.floor((size + 2 * padding - dilation * (k - 1) - 1) / stride) + 1;
  return (size - 1) * stride - 2 * padding + dilation * (k - 1) + outputPadding + 1;
}

describe('arbConvCase', () => {
  for (const dims of [1, 2, 3, 4] as const) {
    for (const transposed of [false, true]) {
      it(`dims=${dims} transposed=${transposed}: valid PyTorch shapes, output ≥ 1, small`, () => {
        fc.assert(
          fc.property(arbConvCase({ dims, transposed }), (c) => {
            const { inputShape, weightShape, biasShape, options, outputShape } = c;
            const { groups } = options;
            expect(inputShape.length).toBe(dims + 2);
            expect(weightShape.length).toBe(dims + 2);
            const cIn = inputShape[1]!;
            expect(cIn % groups).toBe(0);
            // conv: weight [Cout, Cin/groups, ...k]; transposed: [Cin, Cout/groups, ...k]
            const cOut = transposed ? weightShape[1]! * groups : weightShape[0]!;
            if (transposed) expect(weightShape[0]).toBe(cIn);
            else {
              expect(weightShape[1]! * groups).toBe(cIn);
              expect(cOut % groups).toBe(0);
            }
            expect(biasShape === null || (biasShape.length === 1 && biasShape[0] === cOut)).toBe(true);
            for (const key of ['stride', 'padding', 'dilation'] as const) expect(options[key].length).toBe(dims);
            expect(options.outputPadding === undefined).toBe(!transposed);
            expect(outputShape.slice(0, 2)).toEqual([inputShape[0], cOut]);
            for (let i = 0; i < dims; i++) {
              const stride = options.stride[i]!;
              const dilation = options.dilation[i]!;
              const op = transposed ? options.outputPadding![i]! : null;
              if (op !== null) expect(op).toBeLessThan(Math.max(stride, dilation));
              const size = outputSize(
                inputShape[2 + i]!,
                weightShape[2 + i]!,
                stride,
                options.padding[i]!,
                dilation,
                op,
              );
              expect(size).toBe(outputShape[2 + i]);
              expect(size).toBeGreaterThanOrEqual(1);
            }
            expect(T.sizeOf(inputShape) + T.sizeOf(weightShape) + T.sizeOf(outputShape)).toBeLessThanOrEqual(
              dims >= 4 ? 1500 : 600,
            );
          }),
          { numRuns: 200 },
        );
      });
    }
  }

  it('draws the edge cases: every padding mode (within its limits), batch 0, 4 groups, depthwise, stride 3 and stride > kernel > 1', () => {
    for (const dims of [1, 2, 3] as const) {
      const cases = fc.sample(arbConvCase({ dims, paddingModes: true, emptyBatch: true }), {
        numRuns: 400,
        seed: dims,
      });
      const seen = new Set<string>();
      for (const { inputShape, weightShape, options } of cases) {
        const mode = options.paddingMode!;
        seen.add(mode);
        const sizes = inputShape.slice(2);
        if (mode === 'reflect') expect(options.padding.every((p, i) => p < sizes[i]!)).toBe(true);
        if (mode === 'circular') expect(options.padding.every((p, i) => p <= sizes[i]!)).toBe(true);
        if (inputShape[0] === 0) seen.add('batch 0');
        if (options.groups === 4) seen.add('groups 4');
        if (options.groups > 1 && weightShape[1] === 1) seen.add('depthwise');
        const kernel = weightShape.slice(2);
        if (options.stride.some((st, i) => st === 3 && kernel[i]! > 1)) seen.add('stride 3, kernel > 1');
        if (options.stride.some((st, i) => st > kernel[i]! && kernel[i]! > 1)) seen.add('stride > kernel > 1');
      }
      expect([...seen].sort()).toEqual(
        [
          'zeros',
          'reflect',
          'replicate',
          'circular',
          'batch 0',
          'groups 4',
          'depthwise',
          'stride 3, kernel > 1',
          'stride > kernel > 1',
        ].sort(),
      );
    }
    expect(() => arbConvCase({ dims: 2, transposed: true, paddingModes: true })).toThrow(RangeError);
  });

  it('rejects dims that are not positive integers (4-D and up draw convNd cases)', () => {
    expect(() => arbConvCase({ dims: 1.5 })).toThrow(RangeError);
    expect(() => arbConvCase({ dims: 0 })).toThrow('arbConvCase: dims must be a positive integer, got 0');
  });
});

describe('arbConvAxis', () => {
  it('draws within its ranges, with an output at least minOutput long', () => {
    fc.assert(
      fc.property(
        arbConvAxis({ size: [2, 9], kernel: [1, 4], padding: [0, 1], symmetric: true, minOutput: 2 }),
        (a) => {
          expect(a.size).toBeGreaterThanOrEqual(2);
          expect(a.size).toBeLessThanOrEqual(9);
          expect(a.kernel).toBeLessThanOrEqual(4);
          expect(a.before).toBe(a.after);
          expect(a.before).toBeLessThanOrEqual(1);
          expect(outputSize(a.size, a.kernel, a.stride, a.before, a.dilation, null)).toBeGreaterThanOrEqual(2);
        },
      ),
      { numRuns: 200 },
    );
  });
});

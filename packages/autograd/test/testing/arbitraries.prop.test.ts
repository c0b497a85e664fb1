import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@torchlet/tensor';
import { arbBroadcastPair, arbConvCase, arbShape, arbTensor } from '@torchlet/autograd/testing';

describe('arbShape', () => {
  it('keeps rank, axis sizes and element count within the options', () => {
    const options = { minRank: 1, maxRank: 3, minDim: 2, maxDim: 6, maxSize: 40 };
    fc.assert(
      fc.property(arbShape(options), (shape) => {
        expect(shape.length).toBeGreaterThanOrEqual(1);
        expect(shape.length).toBeLessThanOrEqual(3);
        for (const d of shape) expect(d >= 2 && d <= 6).toBe(true);
        expect(T.sizeOf(shape)).toBeLessThanOrEqual(40);
      }),
    );
  });

  it('produces scalars and every rank up to maxRank by default', () => {
    const ranks = new Set(fc.sample(arbShape(), { numRuns: 300, seed: 1 }).map((s) => s.length));
    expect([...ranks].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('rejects impossible options with a RangeError naming them', () => {
    expect(() => arbShape({ minRank: 3, maxRank: 2 })).toThrow(RangeError);
    expect(() => arbShape({ minRank: 3, maxRank: 2 })).toThrow(
      'arbShape: need 0 <= minRank <= maxRank, got minRank=3, maxRank=2',
    );
    expect(() => arbShape({ minRank: 3, minDim: 4, maxSize: 10 })).toThrow(
      'arbShape: maxSize=10 is below the smallest possible size 64 (minDim=4, minRank=3)',
    );
  });
});

describe('arbBroadcastPair', () => {
  it('gives shapes that broadcast, with rank differences, size-1 axes and equal pairs all occurring', () => {
    let rankDiffers = false;
    let hasOne = false;
    let equal = false;
    fc.assert(
      fc.property(arbBroadcastPair(), ([a, b]) => {
        T.broadcastShapes('test', a, b); // throws if they do not broadcast
        if (a.length !== b.length) rankDiffers = true;
        if ([...a, ...b].includes(1)) hasOne = true;
        if (T.sameShape(a, b)) equal = true;
      }),
      { numRuns: 300, seed: 2 },
    );
    expect([rankDiffers, hasOne, equal]).toEqual([true, true, true]);
  });
});

describe('arbTensor', () => {
  it('draws float64 values in [min, max) with the given shape', () => {
    fc.assert(
      fc.property(arbTensor([2, 3], { min: -0.5, max: 0.25 }), (t) => {
        expect(t.shape).toEqual([2, 3]);
        expect(t.dtype).toBe('float64');
        for (const v of T.contiguousData(t)) expect(v >= -0.5 && v < 0.25).toBe(true);
      }),
    );
  });

  it('int32 draws are integers in [min, max], bounds included', () => {
    const seen = new Set<number>();
    fc.assert(
      fc.property(arbTensor([8], { dtype: 'int32', min: -1, max: 1 }), (t) => {
        expect(t.dtype).toBe('int32');
        for (const v of T.contiguousData(t)) seen.add(v);
      }),
      { numRuns: 20, seed: 3 },
    );
    expect([...seen].sort()).toEqual([-1, 0, 1]);
  });

  it('replays: the same fast-check seed gives the same tensors', () => {
    const draw = () => fc.sample(arbTensor(), { numRuns: 5, seed: 42 }).map((t) => t.toArray());
    expect(draw()).toEqual(draw());
  });

  it('takes a shape arbitrary, and prints a counterexample by shape, dtype and seed', () => {
    const [t] = fc.sample(arbTensor(arbShape({ minRank: 2, maxRank: 2 })), { numRuns: 1, seed: 4 });
    expect(t!.ndim).toBe(2);
    expect(fc.stringify(t)).toMatch(
      /^Tensor\(shape=\[\d+, \d+\], dtype=float64, uniform \[-2, 2\) from Generator\(-?\d+\)\)$/,
    );
  });

  it('rejects min > max', () => {
    expect(() => arbTensor([2], { min: 1, max: 0 })).toThrow('arbTensor: min must be <= max, got min=1, max=0');
  });
});

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
  for (const dims of [1, 2, 3] as const) {
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
            expect(T.sizeOf(inputShape) + T.sizeOf(weightShape) + T.sizeOf(outputShape)).toBeLessThanOrEqual(600);
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

  it('rejects dims other than 1, 2, 3', () => {
    expect(() => arbConvCase({ dims: 4 as 3 })).toThrow(RangeError);
    expect(() => arbConvCase({ dims: 4 as 3 })).toThrow('arbConvCase: dims must be 1, 2 or 3, got 4');
  });
});

import { tensor } from '@torchlet/autograd';
import * as T from '@torchlet/tensor';
import { ShapeError } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { avgPool1d, avgPool2d, maxPool1d, maxPool2d, poolOutputSize } from '../../../src/nn/functional/index.js';

const f64 = { dtype: 'float64' } as const;

describe('maxPool', () => {
  it('stride defaults to kernelSize; a number is shorthand for { kernelSize }', () => {
    const x = tensor([[[1, 3, 2, 5, 4, 0]]], f64);
    expect(maxPool1d(x, 2).toArray()).toEqual([[[3, 5, 4]]]);
    expect(maxPool1d(x, { kernelSize: 2, stride: 1 }).toArray()).toEqual([[[3, 3, 5, 5, 4]]]);
  });

  it('ceilMode keeps a last partial window but drops one that would start in the right padding', () => {
    const x = tensor([[[1, 3, 2, 5, 4]]], f64);
    // L=5, k=2, s=2, p=0: floor gives 2 windows, ceil adds the partial window [4].
    expect(maxPool1d(x, { kernelSize: 2, ceilMode: true }).toArray()).toEqual([[[3, 5, 4]]]);
    // L=5, k=2, s=2, p=1: ceil would give 4 windows, but the 4th starts at 6 ≥ L + p, so 3 (the trap).
    expect(poolOutputSize(5, 2, 2, 1, 1, true)).toBe(3);
    const [y, indices] = maxPool1d(x, { kernelSize: 2, padding: 1, ceilMode: true, returnIndices: true });
    expect(y.toArray()).toEqual([[[1, 3, 5]]]);
    expect(indices.toArray()).toEqual([[[0, 1, 3]]]);
  });

  it('indices are flat h·W + w positions in the unpadded input plane, and carry no gradient', () => {
    const x = tensor(
      [
        [
          [
            [1, 2, 0],
            [4, 3, 9],
            [7, 8, 6],
          ],
        ],
      ],
      { ...f64, requiresGrad: true },
    );
    const [y, indices] = maxPool2d(x, { kernelSize: 2, stride: 1, returnIndices: true });
    expect(y.toArray()).toEqual([
      [
        [
          [4, 9],
          [8, 9],
        ],
      ],
    ]);
    expect(indices.toArray()).toEqual([
      [
        [
          [3, 5],
          [7, 5],
        ],
      ],
    ]);
    expect(indices.dtype).toBe('int32');
    expect(indices.requiresGrad).toBe(false);
    // Backward routes each gradient to its max; 9 was the max of two windows, so it collects both.
    y.backward(
      tensor(
        [
          [
            [
              [1, 2],
              [3, 4],
            ],
          ],
        ],
        f64,
      ).data,
    );
    expect(x.grad!.toArray()).toEqual([
      [
        [
          [0, 0, 0],
          [1, 0, 6],
          [0, 3, 0],
        ],
      ],
    ]);
  });

  it('ties keep the first maximum in scan order, as PyTorch', () => {
    const [, indices] = maxPool2d(
      tensor(
        [
          [
            [
              [1, 1],
              [1, 1],
            ],
          ],
        ],
        f64,
      ),
      { kernelSize: 2, returnIndices: true },
    );
    expect(indices.toArray()).toEqual([[[[0]]]]);
  });

  it.each([2, 1])(
    '2×2 windows at stride %i (the branch-free path) pick what the scan picks: ties, ±0, ±Infinity, NaN',
    (stride) => {
      const values = [-0, 0, 1, -1, Infinity, -Infinity, NaN, 1];
      const g = new T.Generator(3);
      const data = Float32Array.from({ length: 2 * 3 * 6 * 6 }, () => values[g.nextInt(0, values.length)]!);
      const x = new T.Tensor(data, [2, 3, 6, 6]);
      const [y, indices] = maxPool2d(x, { kernelSize: 2, stride, returnIndices: true });
      const out = (6 - 2) / stride + 1;
      const got = Array.from(y.data.toTypedArray());
      const gotIndices = Array.from(indices.data.toTypedArray());
      for (let plane = 0, o = 0; plane < 6; plane++) {
        for (let oh = 0; oh < out; oh++) {
          for (let ow = 0; ow < out; ow++, o++) {
            // The reference scan: rows, then columns; a strictly larger value or a NaN takes over.
            let best = -Infinity;
            let at = -1;
            for (const [dh, dw] of [
              [0, 0],
              [0, 1],
              [1, 0],
              [1, 1],
            ] as const) {
              const i = (oh * stride + dh) * 6 + ow * stride + dw;
              const v = data[plane * 36 + i]!;
              if (at < 0 || v > best || Number.isNaN(v)) {
                best = v;
                at = i;
              }
            }
            expect(Object.is(got[o], best)).toBe(true);
            expect(gotIndices[o]).toBe(at);
          }
        }
      }
    },
  );

  it('dilation spaces the taps', () => {
    expect(maxPool1d(tensor([[[5, 0, 1, 9, 2]]], f64), { kernelSize: 2, stride: 1, dilation: 3 }).toArray()).toEqual([
      [[9, 2]],
    ]);
  });

  it('a window that reads only padding gives −Infinity and the index PyTorch reports', () => {
    // L=1, k=2, dilation 2, padding 1: the one window's taps sit at −1 and 1, both outside.
    const [y, indices] = maxPool1d(tensor([[[3]]], f64), {
      kernelSize: 2,
      stride: 1,
      padding: 1,
      dilation: 2,
      returnIndices: true,
    });
    expect(y.toArray()).toEqual([[[-Infinity]]]);
    expect(indices.toArray()).toEqual([[[1]]]);
  });

  it('accepts unbatched [C, H, W] input', () => {
    const x = T.randn([3, 4, 4], { generator: new T.Generator(1) });
    const y = maxPool2d(x, 2);
    expect(y.shape).toEqual([3, 2, 2]);
    expect([y.toArray()]).toEqual(maxPool2d(T.unsqueeze(x, 0), 2).toArray());
  });
});

describe('avgPool divisor rules (PyTorch 1.13)', () => {
  // L=4, k=3, s=2, p=1, ceil: windows start at −1, 1, 3; the last covers x[3] and one padding
  // position, and is clipped to L + p = 5, so its countIncludePad divisor is 2, not 3.
  const x = tensor([[[1, 2, 3, 4]]], f64);
  const base = { kernelSize: 3, stride: 2, padding: 1, ceilMode: true };

  it('countIncludePad counts the window clipped to L + padding', () => {
    expect(avgPool1d(x, base).toArray()).toEqual([[[1, 3, 2]]]);
  });

  it('without countIncludePad the divisor is the number of real inputs', () => {
    expect(avgPool1d(x, { ...base, countIncludePad: false }).toArray()).toEqual([[[1.5, 3, 4]]]);
  });

  it('divisorOverride replaces both rules', () => {
    expect(avgPool1d(x, { ...base, divisorOverride: 2 }).toArray()).toEqual([[[1.5, 4.5, 2]]]);
  });

  it('avgPool2d averages k×k windows; backward spreads gradOutput / divisor over the window', () => {
    const x2 = tensor(
      [
        [
          [
            [1, 2, 3, 4],
            [5, 6, 7, 8],
          ],
        ],
      ],
      { ...f64, requiresGrad: true },
    );
    const y = avgPool2d(x2, 2);
    expect(y.toArray()).toEqual([[[[3.5, 5.5]]]]);
    y.backward(tensor([[[[4, 8]]]], f64).data);
    expect(x2.grad!.toArray()).toEqual([
      [
        [
          [1, 1, 2, 2],
          [1, 1, 2, 2],
        ],
      ],
    ]);
  });
});

describe('pool: errors name the op, the argument and the numbers', () => {
  const x = T.zeros([1, 1, 4, 4]);

  it('padding larger than half the kernel', () => {
    const call = () => maxPool2d(x, { kernelSize: 3, padding: [2, 0] });
    expect(call).toThrow(RangeError);
    expect(call).toThrow('maxPool2d: padding must be at most half of kernelSize, got padding=[2, 0] with kernelSize=3');
    expect(() => avgPool1d(T.zeros([1, 1, 4]), { kernelSize: 2, padding: 2 })).toThrow(
      'avgPool1d: padding must be at most half of kernelSize, got padding=2 with kernelSize=2',
    );
  });

  it('an empty output', () => {
    const call = () => maxPool2d(T.zeros([1, 1, 2, 2]), 3);
    expect(call).toThrow(ShapeError);
    expect(call).toThrow(
      'maxPool2d: output would be empty: input [1, 1, 2, 2] padded to 2x2 is smaller than the kernel 3x3 (kernelSize=3; output 0x0)',
    );
    expect(() => maxPool1d(T.zeros([1, 1, 4]), { kernelSize: 2, dilation: 4 })).toThrow(
      'maxPool1d: output would be empty: input [1, 1, 4] padded to 4 is smaller than the dilated kernel 5 (kernelSize=2, dilation=4; output 0)',
    );
  });

  it('wrong input rank', () => {
    const call = () => maxPool2d(T.zeros([4, 4]), 2);
    expect(call).toThrow(ShapeError);
    expect(call).toThrow('maxPool2d: input must be 3-D (unbatched) or 4-D (batched), got [4, 4]');
    expect(() => avgPool1d(T.zeros([1, 1, 4, 4]), 2)).toThrow(
      'avgPool1d: input must be 2-D (unbatched) or 3-D (batched), got [1, 1, 4, 4]',
    );
  });

  it('non-positive stride or kernel, negative padding', () => {
    expect(() => maxPool2d(x, { kernelSize: 2, stride: [1, 0] })).toThrow(RangeError);
    expect(() => maxPool2d(x, { kernelSize: 2, stride: [1, 0] })).toThrow(
      'maxPool2d: stride must be positive, got stride=[1, 0]',
    );
    expect(() => avgPool2d(x, 0)).toThrow('avgPool2d: kernelSize must be positive, got kernelSize=0');
    expect(() => avgPool2d(x, { kernelSize: 2, padding: -1 })).toThrow(
      'avgPool2d: padding must be >= 0, got padding=-1',
    );
  });

  it('a missing kernelSize, a zero or fractional divisorOverride, an int32 input', () => {
    // @ts-expect-error: kernelSize is required
    const missing = () => maxPool2d(x, {});
    expect(missing).toThrow(TypeError);
    expect(missing).toThrow('maxPool2d: options.kernelSize is required');
    expect(() => avgPool2d(x, { kernelSize: 2, divisorOverride: 0 })).toThrow(RangeError);
    expect(() => avgPool2d(x, { kernelSize: 2, divisorOverride: 0 })).toThrow(
      'avgPool2d: divisorOverride must not be zero',
    );
    expect(() => avgPool2d(x, { kernelSize: 2, divisorOverride: 1.5 })).toThrow(
      'avgPool2d: divisorOverride must be an integer or null, got 1.5',
    );
    expect(() => maxPool2d(T.zeros([1, 1, 4, 4], { dtype: 'int32' }), 2)).toThrow(
      'maxPool2d: input must be float32 or float64, got int32 [1, 1, 4, 4]',
    );
  });

  it('an empty spatial axis', () => {
    const call = () => avgPool2d(T.zeros([1, 1, 0, 4]), 1);
    expect(call).toThrow(ShapeError);
    expect(call).toThrow('avgPool2d: input [1, 1, 0, 4] has an empty spatial axis');
  });
});

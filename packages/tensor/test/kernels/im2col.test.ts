import { describe, expect, it } from 'vitest';
import { ShapeError, Tensor, arange, ones, reshape, tensor, transpose, zeros } from '@torchlet/tensor';
import {
  col2im,
  col2imInto,
  convGeometry,
  im2col,
  im2colInto,
  type ConvGeometryOptions,
} from '@torchlet/tensor/kernels';
import { naiveIm2col, seededArray } from '../helpers/reference-kernels.js';

describe('im2col', () => {
  it('unfolds a 3×3 image with a 2×2 kernel into 4 rows (kernel taps) × 4 columns (positions)', () => {
    const x = reshape(arange(1, 10, 1, { dtype: 'float64' }), [1, 1, 3, 3]); // [[1,2,3],[4,5,6],[7,8,9]]
    const g = convGeometry('conv2d', { channels: 1, inputSize: [3, 3], kernelSize: 2 });
    const cols = im2col(x, g);
    expect(cols.shape).toEqual([1, 4, 4]);
    expect(cols.toArray()).toEqual([
      [
        [1, 2, 4, 5], // tap (0, 0) at the four output positions
        [2, 3, 5, 6], // tap (0, 1)
        [4, 5, 7, 8], // tap (1, 0)
        [5, 6, 8, 9], // tap (1, 1)
      ],
    ]);
  });

  it('writes zeros where the window reads padding, channel slowest in the rows', () => {
    const g = convGeometry('conv1d', { channels: 2, inputSize: [2], kernelSize: 2, padding: 1 });
    const x1 = tensor(
      [
        [
          [1, 2],
          [5, 6],
        ],
      ],
      { dtype: 'float64' },
    ); // [1, 2, 2]: channels [1, 2] and [5, 6]
    expect(im2col(x1, g).toArray()).toEqual([
      [
        [0, 1, 2], // c0 tap 0 at positions −1, 0, 1
        [1, 2, 0], // c0 tap 1
        [0, 5, 6], // c1 tap 0
        [5, 6, 0], // c1 tap 1
      ],
    ]);
  });

  it('handles stride and dilation (1-D: stride 2, dilation 2 over length 7)', () => {
    const x = reshape(arange(1, 8, 1, { dtype: 'float64' }), [1, 1, 7]);
    const g = convGeometry('conv1d', { channels: 1, inputSize: [7], kernelSize: 2, stride: 2, dilation: 2 });
    // span 3, output floor((7 − 3) / 2) + 1 = 3 positions starting at 0, 2, 4; taps +0 and +2.
    expect(im2col(x, g).toArray()).toEqual([
      [
        [1, 3, 5],
        [3, 5, 7],
      ],
    ]);
  });

  it('reads any strides (a transposed batch) and keeps the dtype', () => {
    const base = new Tensor(Float32Array.from(seededArray(2 * 3 * 16, 1)), [3, 2, 4, 4]);
    const x = transpose(base, 0, 1); // [2, 3, 4, 4], not contiguous
    const g = convGeometry('conv2d', { channels: 3, inputSize: [4, 4], kernelSize: 3, padding: 1, stride: 2 });
    const cols = im2col(x, g);
    expect(cols.dtype).toBe('float32');
    for (let n = 0; n < 2; n++) {
      const sample = x.toTypedArray().subarray(n * 48, n * 48 + 48);
      const want = Float32Array.from(naiveIm2col(sample, g));
      expect(Array.from(cols.toTypedArray().subarray(n * want.length, (n + 1) * want.length))).toEqual(
        Array.from(want),
      );
    }
  });

  it('im2colInto writes at the given offsets and overwrites every element of its block', () => {
    const g = convGeometry('conv2d', {
      channels: 2,
      inputSize: [3, 4],
      kernelSize: [2, 3],
      padding: [1, 0],
      paddingAfter: [0, 2],
    });
    const sample = seededArray(2 * 12, 2);
    const src = new Float64Array(5 + sample.length);
    src.set(sample, 5);
    const n = 2 * 6 * g.outputSize[0]! * g.outputSize[1]!;
    const dst = new Float64Array(3 + n + 2).fill(NaN);
    im2colInto(src, 5, g, dst, 3);
    expect(Array.from(dst.subarray(3, 3 + n))).toEqual(naiveIm2col(sample, g));
    expect([dst[0], dst[1], dst[2], dst[3 + n], dst[4 + n]]).toEqual([NaN, NaN, NaN, NaN, NaN]);
  });

  it.each<[string, Omit<ConvGeometryOptions, 'channels'>]>([
    ['5×5 pad 2 (LeNet-5 conv1)', { inputSize: [6, 5], kernelSize: 5, padding: 2 }],
    ['3×3 dilation 2 pad 2', { inputSize: [6, 5], kernelSize: 3, padding: 2, dilation: 2 }],
    [
      'asymmetric 4×2 padding [1, 0] after [2, 1]',
      { inputSize: [6, 5], kernelSize: [4, 2], padding: [1, 0], paddingAfter: [2, 1] },
    ],
    ['kernel wider than the input: 7×7 pad 3 on 4×3', { inputSize: [4, 3], kernelSize: 7, padding: 3 }],
  ])("'same'-width stride-1 taps (one shifted copy each) equal the reference: %s", (_, o) => {
    const inputSize = o.inputSize as number[];
    const g = convGeometry('conv2d', { channels: 2, ...o });
    expect(g.outputSize[1]).toBe(inputSize[1]);
    const sample = Float32Array.from(seededArray(2 * inputSize[0]! * inputSize[1]!, 5));
    const cols = new Float32Array(2 * g.kernelSize[0]! * g.kernelSize[1]! * g.outputSize[0]! * g.outputSize[1]!).fill(
      NaN,
    );
    im2colInto(sample, 0, g, cols, 0);
    expect(Array.from(cols)).toEqual(Array.from(Float32Array.from(naiveIm2col(sample, g))));
  });
});

describe('col2im', () => {
  it('sums overlapping windows: col2im of ones counts the windows covering each pixel', () => {
    const g = convGeometry('conv2d', { channels: 1, inputSize: [3, 3], kernelSize: 2 });
    expect(col2im(ones([1, 4, 4], { dtype: 'float64' }), g).toArray()).toEqual([
      [
        [
          [1, 2, 1],
          [2, 4, 2],
          [1, 2, 1],
        ],
      ],
    ]);
  });

  it('drops entries that came from padding', () => {
    const g = convGeometry('conv1d', { channels: 1, inputSize: [2], kernelSize: 3, padding: 1 });
    // Two positions, windows [pad, x0, x1] and [x0, x1, pad]: rows are taps, columns positions.
    const cols = tensor(
      [
        [
          [100, 1],
          [2, 3],
          [4, 200],
        ],
      ],
      { dtype: 'float64' },
    );
    expect(col2im(cols, g).toArray()).toEqual([[[1 + 2, 3 + 4]]]);
  });

  it('col2imInto accumulates onto what dst already holds', () => {
    const g = convGeometry('conv2d', { channels: 1, inputSize: [3, 3], kernelSize: 2 });
    const dst = new Float64Array(2 + 9).fill(10);
    col2imInto(new Float64Array(16).fill(1), 0, g, dst, 2);
    expect(Array.from(dst)).toEqual([10, 10, 11, 12, 11, 12, 14, 12, 11, 12, 11]);
  });

  it('returns [N, C, ...inputSize] in the columns dtype', () => {
    const g = convGeometry('conv3d', { channels: 2, inputSize: [3, 4, 5], kernelSize: 2 });
    const y = col2im(zeros([3, 16, 2 * 3 * 4], { dtype: 'float32' }), g);
    expect(y.shape).toEqual([3, 2, 3, 4, 5]);
    expect(y.dtype).toBe('float32');
  });
});

describe('im2col / col2im errors', () => {
  const g = convGeometry('conv2d', { channels: 3, inputSize: [8, 8], kernelSize: 3 });

  it('x of the wrong rank, channels or spatial size', () => {
    const f = () => im2col(zeros([3, 8, 8]), g);
    expect(f).toThrow(ShapeError);
    expect(f).toThrow(
      'im2col: x is [3, 8, 8], but the 2-d geometry (channels=3, inputSize=[8, 8], kernelSize=[3, 3], outputSize=[6, 6]) expects [N, 3, 8, 8]',
    );
    expect(() => im2col(zeros([1, 4, 8, 8]), g)).toThrow('im2col: x is [1, 4, 8, 8], but the 2-d geometry');
    expect(() => im2col(zeros([1, 3, 8, 9]), g)).toThrow(/im2col: x is \[1, 3, 8, 9\].*expects \[N, 3, 8, 8\]/);
  });

  it('cols of the wrong shape', () => {
    const f = () => col2im(zeros([2, 27, 35]), g);
    expect(f).toThrow(ShapeError);
    expect(f).toThrow(
      'col2im: cols is [2, 27, 35], but the 2-d geometry (channels=3, inputSize=[8, 8], kernelSize=[3, 3], outputSize=[6, 6]) expects [N, 27, 36]',
    );
    expect(() => col2im(zeros([27, 36]), g)).toThrow('col2im: cols is [27, 36]');
  });

  it('an argument that is not a Tensor', () => {
    expect(() => im2col([1, 2] as never, g)).toThrow(TypeError);
    expect(() => im2col([1, 2] as never, g)).toThrow('im2col: x must be a Tensor, got an array');
    expect(() => col2im(null as never, g)).toThrow('col2im: cols must be a Tensor, got null');
  });
});

describe('im2colInto / col2imInto errors', () => {
  const g = convGeometry('conv2d', { channels: 2, inputSize: [4, 4], kernelSize: 3 }); // sample 32, columns 18×4 = 72

  it('a block that runs past the end of its array', () => {
    const f = () => im2colInto(new Float64Array(32), 1, g, new Float64Array(72), 0);
    expect(f).toThrow(RangeError);
    expect(f).toThrow(
      'im2colInto: src holds 32 elements, but a block of 32 at srcOffset=1 ends at 33 (channels=2, inputSize=[4, 4], kernelSize=[3, 3], outputSize=[2, 2])',
    );
    expect(() => im2colInto(new Float64Array(32), 0, g, new Float64Array(71), 0)).toThrow(
      'im2colInto: dst holds 71 elements, but a block of 72 at dstOffset=0 ends at 72',
    );
    expect(() => col2imInto(new Float64Array(72), 0, g, new Float64Array(40), 9)).toThrow(
      'col2imInto: dst holds 40 elements, but a block of 32 at dstOffset=9 ends at 41',
    );
    expect(() => col2imInto(new Float64Array(10), 0, g, new Float64Array(32), 0)).toThrow(
      'col2imInto: cols holds 10 elements, but a block of 72',
    );
  });

  it('a negative or fractional offset', () => {
    expect(() => im2colInto(new Float64Array(32), -1, g, new Float64Array(72), 0)).toThrow(RangeError);
    expect(() => im2colInto(new Float64Array(32), -1, g, new Float64Array(72), 0)).toThrow(
      'im2colInto: srcOffset must be an integer >= 0, got -1',
    );
    expect(() => col2imInto(new Float64Array(72), 0.5, g, new Float64Array(32), 0)).toThrow(
      'col2imInto: colsOffset must be an integer >= 0, got 0.5',
    );
  });
});

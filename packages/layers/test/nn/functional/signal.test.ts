import { tensor } from '@torchlet/autograd';
import * as T from '@torchlet/tensor';
import { ShapeError } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { convolve, convolve2d, correlate2d } from '../../../src/nn/functional/index.js';

const f64 = { dtype: 'float64' } as const;

describe('convolve: the worked example x = [0, 1, 2, 3, 4], w = [1, −1, 2]', () => {
  const x = tensor([0, 1, 2, 3, 4], f64);
  const w = tensor([1, -1, 2], f64);

  it("'full' is every overlap: y[n] = Σ x[k]·w[n − k]", () => {
    // y[0] = 0·1; y[1] = 1·1 + 0·(−1); y[2] = 2 − 1 + 0; y[3] = 3 − 2 + 2; y[4] = 4 − 3 + 4; y[5] = −4 + 6; y[6] = 8
    expect(convolve(x, w, 'full').toArray()).toEqual([0, 1, 1, 3, 5, 2, 8]);
    expect(convolve(x, w).toArray()).toEqual([0, 1, 1, 3, 5, 2, 8]);
  });

  it("'same' is centred, length max(M, N)", () => {
    expect(convolve(x, w, 'same').toArray()).toEqual([1, 1, 3, 5, 2]);
  });

  it("'valid' is the full overlaps only: [1, 3, 5]", () => {
    expect(convolve(x, w, 'valid').toArray()).toEqual([1, 3, 5]);
  });

  it('dL/dx and dL/dw of the valid case, by hand, for L = Σ g·y with g = [1, 2, 3]', () => {
    // y[i] = Σ_j w[j]·x[i + 2 − j], so
    //   dL/dx[k] = Σ_i g[i]·w[i + 2 − k]: x0 ← g0·w2 = 2; x1 ← g0·w1 + g1·w2 = −1 + 4 = 3;
    //   x2 ← g0·w0 + g1·w1 + g2·w2 = 1 − 2 + 6 = 5; x3 ← g1·w0 + g2·w1 = 2 − 3 = −1; x4 ← g2·w0 = 3
    //   dL/dw[j] = Σ_i g[i]·x[i + 2 − j]: w0 ← 2 + 6 + 12 = 20; w1 ← 1 + 4 + 9 = 14; w2 ← 0 + 2 + 6 = 8
    const xv = tensor([0, 1, 2, 3, 4], { ...f64, requiresGrad: true });
    const wv = tensor([1, -1, 2], { ...f64, requiresGrad: true });
    convolve(xv, wv, 'valid').backward(T.tensor([1, 2, 3], f64));
    expect(xv.grad!.toArray()).toEqual([2, 3, 5, -1, 3]);
    expect(wv.grad!.toArray()).toEqual([20, 14, 8]);
  });

  it('the order of the arguments does not matter (numpy swaps so the longer is the signal)', () => {
    for (const mode of ['full', 'same', 'valid'] as const) {
      expect(convolve(w, x, mode).toArray()).toEqual(convolve(x, w, mode).toArray());
    }
  });
});

describe('convolve2d and correlate2d (scipy.signal semantics)', () => {
  const x = tensor(
    [
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ],
    f64,
  );

  it('correlate2d does not flip; convolve2d does', () => {
    const w = tensor(
      [
        [1, 0],
        [0, -1],
      ],
      f64,
    );
    // correlate: x[i, j] − x[i + 1, j + 1] = −4 everywhere; convolve: x[i + 1, j + 1] − x[i, j] = 4.
    expect(correlate2d(x, w, 'valid').toArray()).toEqual([
      [-4, -4],
      [-4, -4],
    ]);
    expect(convolve2d(x, w, 'valid').toArray()).toEqual([
      [4, 4],
      [4, 4],
    ]);
  });

  it("even kernels: 'same' windows differ by one between convolve2d and correlate2d, as scipy", () => {
    // Values checked against scipy.signal 1.17. A kernel with a single 1 at (p, q) shifts x:
    // convolve2d 'same' reads x[i − p + floor((k−1)/2), ...] = x[i − p, j − q] for k = 2, while
    // correlate2d 'same' reads x[i + p − (k−1) + floor(k/2), ...] = x[i + p, j + q].
    const picker = tensor(
      [
        [1, 0],
        [0, 0],
      ],
      f64,
    );
    expect(convolve2d(x, picker, 'same').toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    expect(correlate2d(x, picker, 'same').toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    const shifter = tensor(
      [
        [0, 0],
        [0, 1],
      ],
      f64,
    );
    expect(convolve2d(x, shifter, 'same').toArray()).toEqual([
      [0, 0, 0],
      [0, 1, 2],
      [0, 4, 5],
    ]);
    expect(correlate2d(x, shifter, 'same').toArray()).toEqual([
      [5, 6, 0],
      [8, 9, 0],
      [0, 0, 0],
    ]);
  });

  it("'full' grows by k − 1 on each axis; 'valid' with a larger kernel swaps roles as scipy", () => {
    expect(convolve2d(x, T.ones([2, 3], f64), 'full').shape).toEqual([4, 5]);
    const big = T.ones([4, 5], f64);
    expect(convolve2d(x, big, 'valid').shape).toEqual([2, 3]);
    expect(convolve2d(x, big, 'valid').toArray()).toEqual([
      [45, 45, 45],
      [45, 45, 45],
    ]);
  });
});

describe('signal: errors', () => {
  it('wrong rank or empty inputs', () => {
    const call = () => convolve(T.zeros([2, 2]), T.zeros([2]));
    expect(call).toThrow(ShapeError);
    expect(call).toThrow('convolve: x must be 1-D, got [2, 2]');
    expect(() => convolve(T.zeros([3]), T.zeros([0]))).toThrow('convolve: w must not be empty, got [0]');
    expect(() => convolve2d(T.zeros([3]), T.zeros([2, 2]))).toThrow('convolve2d: x must be 2-D, got [3]');
  });

  it("an unknown mode, 'valid' with neither input covering the other, mixed dtypes", () => {
    // @ts-expect-error: not a mode
    const mode = () => convolve(T.zeros([3]), T.zeros([2]), 'circular');
    expect(mode).toThrow(RangeError);
    expect(mode).toThrow("convolve: mode must be 'full', 'same' or 'valid', got 'circular'");
    const valid = () => correlate2d(T.zeros([3, 5]), T.zeros([4, 4]), 'valid');
    expect(valid).toThrow(ShapeError);
    expect(valid).toThrow(
      "correlate2d: mode 'valid' needs one input at least as large as the other on every axis; x is [3, 5] and w is [4, 4]",
    );
    const dtypes = () => convolve(T.zeros([3]), T.zeros([2], f64));
    expect(dtypes).toThrow(TypeError);
    expect(dtypes).toThrow('convolve: x is float32 but w is float64; cast one of them so both match');
  });
});

import { ShapeError, Tensor, tensor, zeros } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { makeGrid, tensorToImage } from '../../src/visualize/make-grid.js';

const images = (b: number, c: number, h: number, w: number) =>
  new Tensor(
    Float64Array.from({ length: b * c * h * w }, (_, i) => i),
    [b, c, h, w],
  );

describe('makeGrid (torchvision semantics)', () => {
  it('tiles nrow per row with padding around and between; grey images become RGB', () => {
    const g = makeGrid(images(5, 1, 2, 3), { nrow: 2, padding: 1, padValue: -1 });
    // cols 2, rows 3: H = (2 + 1)·3 + 1, W = (3 + 1)·2 + 1
    expect(g.shape).toEqual([3, 10, 9]);
    const at = (ch: number, y: number, x: number) => g.data[(ch * 10 + y) * 9 + x];
    expect(at(0, 0, 0)).toBe(-1);
    expect(at(0, 1, 1)).toBe(0); // image 0, pixel (0, 0)
    expect(at(2, 1, 5)).toBe(6); // image 1 starts at column 1 + 3 + 1
    expect(at(1, 4, 1)).toBe(12); // image 2: second row of tiles
    expect(at(0, 7, 5)).toBe(-1); // the sixth cell is empty: padding value
    expect(makeGrid(images(3, 3, 2, 2)).shape).toEqual([3, 6, 14]); // defaults nrow 8, padding 2
  });
  it('normalize by the batch range, each image, or valueRange (clamped)', () => {
    const x = tensor([[[[0, 10]]], [[[20, 40]]]], { dtype: 'float64' });
    const cells = (g: Tensor) => Array.from(g.data.subarray(0, 4)); // channel 0: [3, 1, 4]
    expect(cells(makeGrid(x, { padding: 0, normalize: true }))).toEqual([0, 0.25, 0.5, 1]);
    expect(cells(makeGrid(x, { padding: 0, normalize: true, scaleEach: true }))).toEqual([0, 1, 0, 1]);
    expect(cells(makeGrid(x, { padding: 0, normalize: true, valueRange: [10, 30] }))).toEqual([0, 0, 0.5, 1]);
  });
  it('tensorToImage rounds x·255 half up and clamps', () => {
    const img = tensorToImage(tensor([[[0, 0.5, 1.2, -0.3]]]));
    expect(Array.from(img.data.filter((_, i) => i % 4 === 0))).toEqual([0, 128, 255, 0]);
    expect([img.width, img.height]).toEqual([4, 1]);
  });
  it('errors name the argument', () => {
    expect(() => makeGrid(zeros([2, 2, 3, 3]))).toThrow(ShapeError);
    expect(() => makeGrid(zeros([2, 2, 3, 3]))).toThrow(/makeGrid: images must be \[B, C, H, W\] with C = 1 or 3/);
    expect(() => makeGrid(zeros([2, 1, 3, 3]), { nrow: 0 })).toThrow(
      /makeGrid: nrow must be an integer >= 1, got nrow=0/,
    );
    expect(() => makeGrid(zeros([2, 1, 3, 3]), { padding: -2 })).toThrow(/padding must be an integer >= 0/);
    expect(() => makeGrid(zeros([2, 1, 3, 3]), { normalize: true, valueRange: [1, 0] })).toThrow(
      /valueRange must be \[low, high\] with low < high/,
    );
    expect(() => tensorToImage(zeros([2, 3, 3]))).toThrow(/tensorToImage: image must be \[3, H, W\]/);
  });
});

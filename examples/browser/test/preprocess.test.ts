import { describe, expect, it } from 'vitest';
import { SIDE, toMnistBytes } from '../src/preprocess.js';

/** A `w×h` picture with the rectangle [x0, x1) × [y0, y1) at `value`. */
function picture(w: number, h: number, rect: [number, number, number, number], value = 255): Uint8Array {
  const img = new Uint8Array(w * h);
  const [x0, y0, x1, y1] = rect;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) img[y * w + x] = value;
  return img;
}

function inkBox(bytes: Uint8Array): { x0: number; y0: number; x1: number; y1: number } {
  let [x0, y0, x1, y1] = [SIDE, SIDE, -1, -1];
  for (let y = 0; y < SIDE; y++)
    for (let x = 0; x < SIDE; x++)
      if (bytes[y * SIDE + x]! > 0)
        [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
  return { x0, y0, x1, y1 };
}

describe('toMnistBytes (a drawn digit, MNIST style)', () => {
  it('a blank picture gives 28×28 zeros', () => {
    const out = toMnistBytes(new Uint8Array(280 * 280), 280, 280);
    expect(out).toHaveLength(SIDE * SIDE);
    expect(out.every((v) => v === 0)).toBe(true);
  });

  it('a tall stroke in a corner is scaled to 20 rows and centred', () => {
    // 30 wide, 200 tall, in the top-left corner of a 280×280 pad
    const out = toMnistBytes(picture(280, 280, [10, 5, 40, 205]), 280, 280);
    const box = inkBox(out);
    expect(box.y1 - box.y0 + 1).toBe(20);
    expect(box.x1 - box.x0 + 1).toBe(3); // 30 × 20/200
    expect(box.y0).toBe(4);
    expect(Math.abs((box.x0 + box.x1 + 1) / 2 - SIDE / 2)).toBeLessThanOrEqual(1);
    expect(Math.max(...out)).toBe(255);
  });

  it('reads one channel of RGBA with stride 4, and ignores faint fringe when boxing', () => {
    const w = 100;
    const rgba = new Uint8ClampedArray(w * w * 4);
    const gray = picture(w, w, [40, 20, 60, 80]);
    gray[0] = 10; // anti-aliasing dust far away: below the ink threshold
    for (let i = 0; i < gray.length; i++) rgba[i * 4] = gray[i]!;
    const viaRgba = toMnistBytes(rgba, w, w, 4);
    expect(Array.from(viaRgba)).toEqual(Array.from(toMnistBytes(gray, w, w)));
    expect(inkBox(viaRgba).y1 - inkBox(viaRgba).y0 + 1).toBe(20);
  });

  it('rejects a buffer too short for the size it claims', () => {
    expect(() => toMnistBytes(new Uint8Array(10), 28, 28)).toThrow(/28×28 pixels need 784 values, got 10/);
  });
});

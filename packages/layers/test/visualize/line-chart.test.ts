import { visualize } from '@torchlet/layers';
import { describe, expect, it } from 'vitest';

const { lineChart, niceTicks } = visualize;

function countColor(img: visualize.RgbaImage, rgb: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < img.data.length; i += 4)
    if (img.data[i] === rgb[0] && img.data[i + 1] === rgb[1] && img.data[i + 2] === rgb[2]) n++;
  return n;
}

describe('niceTicks', () => {
  it('round steps of 1, 2 or 5 × 10^k covering the range, printed exactly', () => {
    expect(niceTicks(0.03, 2.4, 5)).toEqual({ ticks: [0, 0.5, 1, 1.5, 2, 2.5], decimals: 1 });
    expect(niceTicks(1, 3, 4)).toEqual({ ticks: [1, 1.5, 2, 2.5, 3], decimals: 1 });
    expect(niceTicks(74.2, 83.9, 5).ticks).toEqual([74, 76, 78, 80, 82, 84]);
    expect(niceTicks(5, 5, 4).ticks[0]).toBeLessThan(5); // a flat series still gets a range
  });
});

describe('lineChart', () => {
  it('draws each series in its colour, at the requested size; a one-point series is a marker', () => {
    const red = [200, 0, 0] as const;
    const blue = [0, 0, 200] as const;
    const img = lineChart(
      [
        { name: 'loss', y: [2.3, 1.1, 0.6, 0.4], color: red },
        { name: 'single', y: [1.5], color: blue },
      ],
      { width: 320, height: 200, title: 'loss', xLabel: 'epoch', yLabel: 'loss' },
    );
    expect([img.width, img.height]).toEqual([320, 200]);
    expect(countColor(img, red)).toBeGreaterThan(200); // three thick segments + markers + legend
    expect(countColor(img, blue)).toBeGreaterThanOrEqual(25 + 60); // a 5×5 marker + the legend swatch
    expect(countColor(img, [20, 20, 20])).toBeGreaterThan(100); // text
  });

  it('a falling curve runs from the top left towards the bottom right', () => {
    const green = [0, 180, 0] as const;
    const img = lineChart([{ name: 'l', y: [10, 1], color: green }], { width: 200, height: 160, yMin: 0 });
    const rows: number[] = [];
    const cols: number[] = [];
    for (let y = 0; y < img.height; y++) {
      for (let x = 0; x < img.width * 0.6; x++) {
        const i = (y * img.width + x) * 4; // the legend sits on the right; look left of it
        if (img.data[i] === 0 && img.data[i + 1] === 180 && img.data[i + 2] === 0) {
          rows.push(y);
          cols.push(x);
        }
      }
    }
    const leftmost = cols.indexOf(Math.min(...cols));
    const rightmost = cols.indexOf(Math.max(...cols));
    expect(rows[leftmost]!).toBeLessThan(rows[rightmost]!);
  });

  it('the legend sits above the plot: a point in the top-right corner stays visible under long names', () => {
    const orange = [250, 120, 0] as const;
    const names = ['train accuracy (per epoch)', 'test accuracy (per epoch)', 'a third series'];
    const series = names.map((name, k) => ({ name, y: [1, 2], color: k === 0 ? orange : ([0, 0, 250 - k] as const) }));
    const img = lineChart(series, { width: 320, height: 200 });
    // Every series ends at (2, 2): the top-right corner of the plot. The first is drawn under the
    // others, so look for the last one's colour there, right of the legend's swatches.
    const last = series[2]!.color;
    let topRight = 0;
    for (let y = 0; y < img.height / 2; y++)
      for (let x = img.width - 30; x < img.width; x++) {
        const i = (y * img.width + x) * 4;
        if (img.data[i] === last[0] && img.data[i + 1] === last[1] && img.data[i + 2] === last[2]) topRight++;
      }
    expect(topRight).toBeGreaterThanOrEqual(9); // the end marker, not covered
    // The legend wrapped onto rows above the plot: every name's swatch is there (12×5 each).
    expect(countColor(img, orange)).toBeGreaterThanOrEqual(60);
  });

  it('errors', () => {
    expect(() => lineChart([])).toThrow(/lineChart: series must be a non-empty array/);
    expect(() => lineChart([{ name: 'a', y: [1, 2], x: [1] }])).toThrow(RangeError);
    expect(() => lineChart([{ name: 'a', y: [1, 2], x: [1] }])).toThrow(
      /series\[0\] \(a\) has 1 x values but 2 y values/,
    );
    expect(() => lineChart([{ name: 'a', y: [1] }], { width: 100 })).toThrow(/at least 160 and 120, got 100×400/);
  });
});

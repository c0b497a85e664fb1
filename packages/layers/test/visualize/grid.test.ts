import { Variable } from '@torchlet/autograd';
import { visualize } from '@torchlet/layers';
import { arange, Generator, randn, reshape, ShapeError, Tensor } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';

const { featureMapsToImage, filtersToImage, normalizeToBytes } = visualize;

/** The gray value at tile pixel (r, c) of a grid drawn without labels or title: margin 8, border 1. */
function tilePixel(
  img: visualize.RgbaImage,
  tile: number,
  r: number,
  c: number,
  cellW: number,
  cellH: number,
  columns: number,
  scale: number,
): number[] {
  const x = 8 + (tile % columns) * cellW + 1 + c * scale;
  const y = 8 + Math.floor(tile / columns) * cellH + 1 + r * scale;
  const i = (y * img.width + x) * 4;
  return Array.from(img.data.slice(i, i + 4));
}

describe('normalizeToBytes', () => {
  it('maps min to 0, max to 255, linearly in between; a constant to 0', () => {
    expect(Array.from(normalizeToBytes([-1, 0, 3], -1, 3))).toEqual([0, 64, 255]);
    expect(Array.from(normalizeToBytes([2, 2], 2, 2))).toEqual([0, 0]);
  });
});

describe('filtersToImage', () => {
  it('one tile per output channel, scaled up, one scale for all: the global min is black, the max white', () => {
    const weight = reshape(arange(0, 2 * 3 * 3, 1, { dtype: 'float32' }), [2, 1, 3, 3]); // values 0..17
    const img = filtersToImage(weight, { scale: 4, labels: false, gap: 2, columns: 2, valueScale: false });
    // cell = tile 12 + border 2 + gap 2 = 16 wide and high; width = 2·8 + 2·16 − 2
    expect([img.width, img.height]).toEqual([46, 30]);
    expect(tilePixel(img, 0, 0, 0, 16, 16, 2, 4)).toEqual([0, 0, 0, 255]);
    expect(tilePixel(img, 1, 2, 2, 16, 16, 2, 4)).toEqual([255, 255, 255, 255]);
    // value 9 of 0..17 is the first of tile 1: 9/17 of the way
    expect(tilePixel(img, 1, 0, 0, 16, 16, 2, 4)[0]).toBe(Math.round((9 / 17) * 255));
  });

  it("normalize: 'each' stretches every tile to its own range", () => {
    const weight = reshape(arange(0, 8, 1, { dtype: 'float32' }), [2, 1, 2, 2]);
    const img = filtersToImage(new Variable(weight), {
      scale: 1,
      labels: false,
      gap: 0,
      columns: 2,
      normalize: 'each',
    });
    for (const tile of [0, 1]) {
      expect(tilePixel(img, tile, 0, 0, 4, 4, 2, 1)[0]).toBe(0);
      expect(tilePixel(img, tile, 1, 1, 4, 4, 2, 1)[0]).toBe(255);
    }
  });

  it('several input channels: a row per output channel, labelled out.in; Conv1d weights are 1 pixel high', () => {
    const w = randn([4, 3, 5, 5], { generator: new Generator(1) });
    const img = filtersToImage(w); // default scale 10 → 50 px tiles, 3 columns
    expect(img.width).toBeGreaterThanOrEqual(3 * 52);
    expect(img.height).toBeGreaterThanOrEqual(4 * 52);
    const oneD = filtersToImage(randn([6, 1, 7], { generator: new Generator(2) }), {
      labels: false,
      gap: 0,
      scale: 7,
      columns: 6,
      valueScale: false,
    });
    expect([oneD.width, oneD.height]).toEqual([8 * 2 + 6 * (49 + 2), 8 * 2 + 7 + 2]); // margins + one row of 49×7 tiles with borders
  });

  it('a value scale under the grid: a bar from black to white, the range printed at its ends', () => {
    const weight = reshape(arange(-1, 3, 0.5, { dtype: 'float64' }), [2, 1, 2, 2]); // −1 … 2.5
    const bare = filtersToImage(weight, { scale: 4, labels: false, valueScale: false });
    const img = filtersToImage(weight, { scale: 4, labels: false });
    expect(img.height).toBeGreaterThan(bare.height + 10);
    // The bar's row, 1 px inside its border: black at the left end, white at the right, rising.
    const y = bare.height + 1;
    const gray = (x: number) => img.data[(y * img.width + x) * 4]!;
    const row = Array.from({ length: img.width }, (_, x) => gray(x));
    const first = row.indexOf(0);
    const last = row.indexOf(150, first) - 1; // the bar's gray border closes it
    expect(gray(last)).toBe(255);
    expect(first).toBeGreaterThanOrEqual(8);
    expect(last - first).toBeGreaterThan(100);
    for (let x = first + 1; x <= last; x++) expect(gray(x)).toBeGreaterThanOrEqual(gray(x - 1));
    // Labels: dark text pixels below the bar, at both ends.
    const textBelow = (x0: number, x1: number) => {
      let n = 0;
      for (let yy = y + 14; yy < img.height; yy++)
        for (let x = x0; x < x1; x++) if (img.data[(yy * img.width + x) * 4] === 20) n++;
      return n;
    };
    expect(textBelow(first, first + 12)).toBeGreaterThan(5);
    expect(textBelow(last - 12, last + 2)).toBeGreaterThan(5);
    // 'each' has no common scale: a note instead of numbers.
    const each = featureMapsToImage(randn([2, 3, 3]), { scale: 4, labels: false });
    expect(each.height).toBeGreaterThan(
      featureMapsToImage(randn([2, 3, 3]), { scale: 4, labels: false, valueScale: false }).height,
    );
    expect(() => filtersToImage(weight, { valueScale: 'yes' as never })).toThrow(
      /filtersToImage: valueScale must be a boolean/,
    );
  });

  it('errors name the op and the shape', () => {
    expect(() => filtersToImage(randn([2, 2]))).toThrow(ShapeError);
    expect(() => filtersToImage(randn([2, 2]))).toThrow(
      /filtersToImage: weight must be \[Cout, Cin, kH, kW\] or \[Cout, Cin, k\], got \[2, 2\]/,
    );
    expect(() => filtersToImage(randn([2, 1, 3, 3]), { scale: 0 })).toThrow(
      /scale must be an integer >= 1, got scale=0/,
    );
    expect(() => filtersToImage(randn([2, 1, 3, 3]), { normalize: 'x' as 'all' })).toThrow(
      /normalize must be 'all' or 'each'/,
    );
    expect(() => filtersToImage([1, 2] as unknown as Tensor)).toThrow(
      /weight must be a Tensor or Variable, got object/,
    );
  });
});

describe('featureMapsToImage', () => {
  it('[1, C, H, W] and [C, H, W] give the same picture; each map stretched to 0..255', () => {
    const maps = randn([1, 5, 6, 6], { generator: new Generator(3) });
    const a = featureMapsToImage(maps, { labels: false, scale: 2, gap: 0, columns: 5 });
    const b = featureMapsToImage(reshape(maps, [5, 6, 6]), { labels: false, scale: 2, gap: 0, columns: 5 });
    expect(a.data).toEqual(b.data);
    const grays = (tile: number) =>
      Array.from({ length: 36 }, (_, k) => tilePixel(a, tile, Math.floor(k / 6), k % 6, 14, 14, 5, 2)[0]!);
    for (let t = 0; t < 5; t++) {
      expect(Math.min(...grays(t))).toBe(0);
      expect(Math.max(...grays(t))).toBe(255);
    }
  });

  it('a batch of several samples is an error', () => {
    expect(() => featureMapsToImage(randn([2, 3, 4, 4]))).toThrow(
      /featureMapsToImage: maps must be \[C, H, W\] or \[1, C, H, W\], got \[2, 3, 4, 4\]/,
    );
  });
});

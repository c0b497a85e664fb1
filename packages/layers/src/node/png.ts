import { PNG } from 'pngjs';
import type { Variable } from '@torchlet/autograd';
import type { Tensor } from '@torchlet/tensor';
import { featureMapsToImage, filtersToImage, type GridOptions } from '../visualize/grid.js';
import type { RgbaImage } from '../visualize/image.js';
import { makeGrid, tensorToImage, type MakeGridOptions } from '../visualize/make-grid.js';
import { lineChart, type LineChartOptions, type Series } from '../visualize/line-chart.js';
import { writeFileAtomic } from './write-file-atomic.js';

/**
 * PNG bytes of an RGBA image (8-bit RGBA, via pngjs). Lives under `./node` because pngjs
 * compresses with Node's zlib; in a browser put the same pixels on a canvas with
 * `new ImageData(img.data, img.width, img.height)`.
 */
export function encodePng(img: RgbaImage): Uint8Array {
  const png = new PNG({ width: img.width, height: img.height });
  png.data.set(img.data);
  return new Uint8Array(PNG.sync.write(png));
}

/** Writes `img` as a PNG file (atomically). */
export function writePng(path: string, img: RgbaImage): void {
  writeFileAtomic(path, encodePng(img));
}

/**
 * Convolution filters as a PNG grid (see `filtersToImage` for layout and normalisation).
 * @param weight `[Cout, Cin, kH, kW]` or `[Cout, Cin, k]`
 * @example writeFileSync('filters.png', filtersToPng(model.features.at(0).weight, { title: 'conv1' }))
 */
export function filtersToPng(weight: Tensor | Variable, options: GridOptions = {}): Uint8Array {
  return encodePng(filtersToImage(weight, options));
}

/**
 * One sample's feature maps as a PNG grid (see `featureMapsToImage`).
 * @param maps `[C, H, W]` or `[1, C, H, W]`
 */
export function featureMapsToPng(maps: Tensor | Variable, options: GridOptions = {}): Uint8Array {
  return encodePng(featureMapsToImage(maps, options));
}

/** A line chart as PNG (see `lineChart`). */
export function lineChartToPng(series: readonly Series[], options: LineChartOptions = {}): Uint8Array {
  return encodePng(lineChart(series, options));
}

/**
 * Writes a batch of images as one PNG grid, as torchvision's `save_image`: `makeGrid(images, options)`,
 * then each value in [0, 1] to a byte (`x·255`, rounded half up, clamped). Atomic.
 * @param images `[B, C, H, W]` (C = 1 or 3), `[C, H, W]` or `[H, W]`
 * @example saveImage(batch, 'samples.png', { nrow: 8, normalize: true })
 */
export function saveImage(images: Tensor | Variable, path: string, options: MakeGridOptions = {}): void {
  writePng(path, tensorToImage(makeGrid(images, options)));
}

import type { Variable } from '@torchlet/autograd';
import {
  optionKeys,
  checkOptions,
  contiguousData,
  describeValue,
  formatShape,
  rangeError,
  shapeError,
  Tensor,
  typeError,
} from '@torchlet/tensor';
import type { RgbaImage } from './image.js';

export interface MakeGridOptions {
  /** Images per row. Default 8. */
  nrow?: number;
  /** Pixels between images and around the grid. Default 2. */
  padding?: number;
  /** Shift and scale into [0, 1] by `valueRange` (or by the batch's min and max). Default false. */
  normalize?: boolean;
  /** `[low, high]` for `normalize` (values are clamped to it first). Default: the data's min and max. */
  valueRange?: readonly [number, number];
  /** With `normalize` and no `valueRange`, each image by its own min and max. Default false. */
  scaleEach?: boolean;
  /** The padding's value. Default 0. */
  padValue?: number;
}

/**
 * A batch of images tiled into one, as torchvision's `make_grid`: `nrow` per row, `padding`
 * pixels between and around; one-channel images become grey RGB.
 *
 * @param images `[B, C, H, W]` (C = 1 or 3), or one image `[C, H, W]`, or `[H, W]`
 * @returns `[3, (H + padding)·rows + padding, (W + padding)·min(nrow, B) + padding]`, float
 * @throws ShapeError for other ranks or channel counts; RangeError for a bad nrow/padding/valueRange
 */
export function makeGrid(images: Tensor | Variable, options: MakeGridOptions = {}): Tensor {
  const op = 'makeGrid';
  const t = images instanceof Tensor ? images : (images as Variable)?.data;
  if (!(t instanceof Tensor)) throw typeError(op, `images must be a Tensor or Variable, got ${describeValue(images)}`);
  const o = checkOptions(
    op,
    options,
    optionKeys<MakeGridOptions>({
      nrow: true,
      padding: true,
      normalize: true,
      valueRange: true,
      scaleEach: true,
      padValue: true,
    }),
  );
  const nrow = o.nrow ?? 8;
  const padding = o.padding ?? 2;
  const padValue = o.padValue ?? 0;
  if (!Number.isInteger(nrow) || nrow < 1)
    throw rangeError(op, `nrow must be an integer >= 1, got nrow=${String(nrow)}`);
  if (!Number.isInteger(padding) || padding < 0)
    throw rangeError(op, `padding must be an integer >= 0, got padding=${String(padding)}`);
  if (typeof padValue !== 'number' || !Number.isFinite(padValue))
    throw typeError(op, `padValue must be a finite number, got ${describeValue(padValue)}`);
  const shape = t.ndim === 2 ? [1, 1, ...t.shape] : t.ndim === 3 ? [1, ...t.shape] : t.ndim === 4 ? [...t.shape] : null;
  if (!shape || (shape[1] !== 1 && shape[1] !== 3))
    throw shapeError(
      op,
      `images must be [B, C, H, W] with C = 1 or 3 (or [C, H, W], [H, W]), got ${formatShape(t.shape)}`,
    );
  const [b, c, h, w] = shape as [number, number, number, number];
  const src = Float64Array.from(contiguousData(t));
  if (o.normalize ?? false) {
    const range = o.valueRange;
    if (range !== undefined && (!Array.isArray(range) || range.length !== 2 || !(range[0] < range[1])))
      throw rangeError(op, `valueRange must be [low, high] with low < high, got ${describeValue(range)}`);
    const each = o.scaleEach ?? false;
    const per = c * h * w;
    for (const [start, end] of each
      ? Array.from({ length: b }, (_, i) => [i * per, (i + 1) * per])
      : [[0, src.length]]) {
      let lo = range ? range[0] : Infinity;
      let hi = range ? range[1] : -Infinity;
      if (!range) for (let i = start!; i < end!; i++) ((lo = Math.min(lo, src[i]!)), (hi = Math.max(hi, src[i]!)));
      const scale = 1 / Math.max(hi - lo, 1e-5);
      for (let i = start!; i < end!; i++) src[i] = (Math.min(Math.max(src[i]!, lo), hi) - lo) * scale;
    }
  }
  const cols = Math.min(nrow, b);
  const rows = Math.ceil(b / cols);
  const gridH = (h + padding) * rows + padding;
  const gridW = (w + padding) * cols + padding;
  const out = new Float64Array(3 * gridH * gridW).fill(padValue);
  for (let i = 0; i < b; i++) {
    const top = Math.floor(i / cols) * (h + padding) + padding;
    const left = (i % cols) * (w + padding) + padding;
    for (let ch = 0; ch < 3; ch++) {
      const from = (i * c + (c === 1 ? 0 : ch)) * h * w;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) out[(ch * gridH + top + y) * gridW + left + x] = src[from + y * w + x]!;
    }
  }
  return new Tensor(out, [3, gridH, gridW]);
}

/**
 * `[3, H, W]` (or `[1, H, W]`, `[H, W]`) values in [0, 1] as RGBA bytes, as torchvision's
 * `save_image` converts them: `clamp(round-half-up(x·255), 0, 255)`.
 */
export function tensorToImage(image: Tensor): RgbaImage {
  const op = 'tensorToImage';
  const shape = image.ndim === 2 ? [1, ...image.shape] : image.shape;
  if (shape.length !== 3 || (shape[0] !== 1 && shape[0] !== 3))
    throw shapeError(op, `image must be [3, H, W], [1, H, W] or [H, W], got ${formatShape(image.shape)}`);
  const [c, h, w] = shape as [number, number, number];
  const v = contiguousData(image);
  const data = new Uint8ClampedArray(h * w * 4);
  for (let p = 0; p < h * w; p++) {
    for (let ch = 0; ch < 3; ch++) data[p * 4 + ch] = Math.floor(v[(c === 1 ? 0 : ch) * h * w + p]! * 255 + 0.5);
    data[p * 4 + 3] = 255;
  }
  return { width: w, height: h, data };
}

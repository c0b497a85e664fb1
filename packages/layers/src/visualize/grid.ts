import { Variable } from '@torchlet/autograd';
import { checkOptions, optionKeys, formatShape, rangeError, shapeError, Tensor, typeError } from '@torchlet/tensor';
import { GLYPH_HEIGHT, textWidth } from './font.js';
import { niceTicks } from './line-chart.js';
import { createImage, drawLine, drawText, fillRect, type Color, type RgbaImage } from './image.js';

export interface GridOptions {
  /** Screen pixels per value. Default: enough for tiles of about 48 px (28×28 maps ×2, 5×5 filters ×10). */
  scale?: number;
  /** Tiles per row. Default: filters of several input channels one row per output channel, else ⌈√n⌉. */
  columns?: number;
  /**
   * `'all'`: one min/max over every tile, so tiles compare (filters' default); `'each'`: every
   * tile stretched to its own min/max, so weak maps stay visible (feature maps' default).
   */
  normalize?: 'all' | 'each';
  /** Print each tile's index above it (`3`, or `out.in` for filters). Default true. */
  labels?: boolean;
  /** A heading above the grid. */
  title?: string;
  /** Pixels between tiles. Default 6. */
  gap?: number;
  /**
   * A gray bar under the grid that maps shades to values, with round numbers on it (`'all'`), or
   * a note that every tile has its own range (`'each'`). Default true.
   */
  valueScale?: boolean;
}

const TEXT: Color = [20, 20, 20];
const BORDER: Color = [150, 150, 150];
const MARGIN = 8;

/**
 * `values` mapped linearly so `min` → 0 and `max` → 255 (rounded, clamped); all 0 when max = min.
 * @example normalizeToBytes([-1, 0, 3], -1, 3) // [0, 64, 255]
 */
export function normalizeToBytes(values: ArrayLike<number>, min: number, max: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(values.length);
  if (!(max > min)) return out;
  const k = 255 / (max - min);
  for (let i = 0; i < values.length; i++) out[i] = Math.round((values[i]! - min) * k);
  return out;
}

function minMax(values: ArrayLike<number>, start = 0, end = values.length): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = start; i < end; i++) {
    const v = values[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

function tensorOf(op: string, name: string, x: unknown): Tensor {
  if (x instanceof Variable) return x.data;
  if (x instanceof Tensor) return x;
  throw typeError(op, `${name} must be a Tensor or Variable, got ${x === null ? 'null' : typeof x}`);
}

interface Tiles {
  values: ArrayLike<number>;
  count: number;
  h: number;
  w: number;
  label(i: number): string;
  defaultColumns: number;
}

const SCALE_BAR = 10;
const SCALE_MIN_WIDTH = 160;
const SCALE_MAX_WIDTH = 320;

/**
 * The value scale of a grid drawn with one range: a bar from black (`lo`) to white (`hi`) with
 * round values marked under it, so a shade reads as a number.
 */
function drawValueScale(img: RgbaImage, x0: number, y0: number, barW: number, lo: number, hi: number): void {
  fillRect(img, x0, y0, barW + 2, SCALE_BAR + 2, BORDER);
  for (let i = 0; i < barW; i++) {
    const g = Math.round((255 * i) / Math.max(1, barW - 1));
    fillRect(img, x0 + 1 + i, y0 + 1, 1, SCALE_BAR, [g, g, g]);
  }
  if (!(hi > lo)) {
    // One value everywhere: every tile is black; say which value that is.
    drawText(img, `all ${formatValue(lo)}`, x0, y0 + SCALE_BAR + 5, TEXT);
    return;
  }
  // The ends carry the exact range; round values in between, where their labels fit.
  const at = (v: number) => Math.round(x0 + 1 + ((v - lo) / (hi - lo)) * (barW - 1));
  const y = y0 + SCALE_BAR + 5;
  const loLabel = formatValue(lo);
  const hiLabel = formatValue(hi);
  const taken: [number, number][] = [
    [x0, x0 + textWidth(loLabel)],
    [x0 + barW + 2 - textWidth(hiLabel), x0 + barW + 2],
  ];
  drawText(img, loLabel, taken[0]![0], y, TEXT);
  drawText(img, hiLabel, taken[1]![0], y, TEXT);
  for (const v of [lo, hi]) drawLine(img, at(v), y0 + SCALE_BAR + 1, at(v), y0 + SCALE_BAR + 3, TEXT);
  const { ticks, decimals } = niceTicks(lo, hi, Math.max(2, Math.floor(barW / 45)));
  for (const v of ticks) {
    if (v <= lo || v >= hi) continue;
    const x = at(v);
    const label = v.toFixed(decimals);
    const span: [number, number] = [x - textWidth(label) / 2 - 4, x + textWidth(label) / 2 + 4];
    if (taken.some(([a, b]) => span[0] < b && span[1] > a)) continue;
    taken.push(span);
    drawLine(img, x, y0 + SCALE_BAR + 1, x, y0 + SCALE_BAR + 3, TEXT);
    drawText(img, label, Math.round(x - textWidth(label) / 2), y, TEXT);
  }
}

/** A value short enough for a label: 3 significant digits. */
function formatValue(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(3))) : String(v);
}

/** Lays `tiles` out in a labelled grid, each tile a gray-scale picture of its values. */
function drawGrid(op: string, tiles: Tiles, options: GridOptions, defaultNormalize: 'all' | 'each'): RgbaImage {
  checkOptions(
    op,
    options,
    optionKeys<GridOptions>({
      scale: true,
      columns: true,
      normalize: true,
      labels: true,
      title: true,
      gap: true,
      valueScale: true,
    }),
  );
  const { count, h, w, values } = tiles;
  const scale = options.scale ?? Math.max(1, Math.round(48 / Math.max(h, w)));
  const columns = options.columns ?? tiles.defaultColumns;
  const gap = options.gap ?? 6;
  const normalize = options.normalize ?? defaultNormalize;
  const labels = options.labels ?? true;
  const valueScale = options.valueScale ?? true;
  if (typeof valueScale !== 'boolean') throw typeError(op, `valueScale must be a boolean, got ${typeof valueScale}`);
  for (const [name, v, min] of [
    ['scale', scale, 1],
    ['columns', columns, 1],
    ['gap', gap, 0],
  ] as const) {
    if (!Number.isInteger(v) || v < min) throw rangeError(op, `${name} must be an integer >= ${min}, got ${name}=${v}`);
  }
  if (normalize !== 'all' && normalize !== 'each')
    throw rangeError(op, `normalize must be 'all' or 'each', got normalize=${String(normalize)}`);
  const rows = Math.ceil(count / columns);
  const tileW = w * scale;
  const tileH = h * scale;
  const labelH = labels ? 10 : 0;
  const longest = labels ? Math.max(...Array.from({ length: count }, (_, i) => textWidth(tiles.label(i)))) : 0;
  const cellW = Math.max(tileW + 2, longest) + gap;
  const cellH = tileH + 2 + labelH + gap;
  const titleH = options.title ? 7 * 2 + 8 : 0;
  const [allLo, allHi] = minMax(values);
  const scaleNote = normalize === 'each' ? 'shades: each tile from its min (dark) to its max (light)' : '';
  const scaleH = valueScale ? SCALE_BAR + 6 + GLYPH_HEIGHT + MARGIN : 0;
  const width = Math.max(
    MARGIN * 2 + columns * cellW - gap,
    options.title ? textWidth(options.title, 2) + MARGIN * 2 : 0,
    valueScale ? (scaleNote ? textWidth(scaleNote) : SCALE_MIN_WIDTH) + MARGIN * 2 : 0,
  );
  const gridBottom = MARGIN + titleH + rows * cellH - gap;
  const img = createImage(width, gridBottom + MARGIN + scaleH);
  if (options.title) drawText(img, options.title, MARGIN, MARGIN, TEXT, 2);
  if (valueScale) {
    const y = gridBottom + MARGIN;
    if (scaleNote) drawText(img, scaleNote, MARGIN, y + 2, TEXT);
    else drawValueScale(img, MARGIN, y, Math.min(width - MARGIN * 2, SCALE_MAX_WIDTH), allLo, allHi);
  }
  const per = h * w;
  for (let t = 0; t < count; t++) {
    const [lo, hi] = normalize === 'all' ? [allLo, allHi] : minMax(values, t * per, (t + 1) * per);
    const tile = Float64Array.from({ length: per }, (_, i) => values[t * per + i]!);
    const bytes = normalizeToBytes(tile, lo, hi);
    const x0 = MARGIN + (t % columns) * cellW;
    const y0 = MARGIN + titleH + Math.floor(t / columns) * cellH;
    if (labels) drawText(img, tiles.label(t), x0, y0, TEXT);
    const top = y0 + labelH;
    fillRect(img, x0, top, tileW + 2, tileH + 2, BORDER);
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        const g = bytes[r * w + c]!;
        fillRect(img, x0 + 1 + c * scale, top + 1 + r * scale, scale, scale, [g, g, g]);
      }
    }
  }
  return img;
}

/**
 * Convolution filters as a grid of gray-scale tiles (dark = low weight, light = high), in the
 * weight's order: tile `o` is output channel o; with several input channels, row o holds
 * `o.0, o.1, ...`. By default one scale for all tiles, so strong and weak filters compare.
 *
 * @param weight `[Cout, Cin, kH, kW]` (Conv2d) or `[Cout, Cin, k]` (Conv1d, drawn 1 pixel high)
 * @returns an RGBA image (`encodePng` / `filtersToPng` in `@torchlet/layers/node` write it)
 * @throws ShapeError for other ranks
 * @example filtersToImage(lenet.features.at(0).weight) // 6 tiles of 5×5 at 10× with labels 0–5
 */
export function filtersToImage(weight: Tensor | Variable, options: GridOptions = {}): RgbaImage {
  const op = 'filtersToImage';
  const t = tensorOf(op, 'weight', weight);
  if (t.ndim !== 3 && t.ndim !== 4)
    throw shapeError(op, `weight must be [Cout, Cin, kH, kW] or [Cout, Cin, k], got ${formatShape(t.shape)}`);
  const [cOut, cIn] = t.shape as [number, number];
  const [h, w] = t.ndim === 4 ? [t.shape[2]!, t.shape[3]!] : [1, t.shape[2]!];
  const count = cOut * cIn;
  return drawGrid(
    op,
    {
      values: t.toTypedArray(),
      count,
      h,
      w,
      label: (i) => (cIn === 1 ? String(i) : `${Math.floor(i / cIn)}.${i % cIn}`),
      defaultColumns: cIn === 1 ? Math.ceil(Math.sqrt(count)) : cIn,
    },
    options,
    'all',
  );
}

/**
 * The feature maps of one sample as a grid of gray-scale tiles, channel c at tile c (labelled),
 * each stretched to its own range by default so that weak channels stay visible.
 *
 * @param maps `[C, H, W]`, or `[1, C, H, W]` (a batch of one)
 * @throws ShapeError for other shapes (a batch of several: pick one sample)
 * @example featureMapsToImage(conv1.forward(digit)) // [1, 6, 28, 28] → 6 tiles at 2×
 */
export function featureMapsToImage(maps: Tensor | Variable, options: GridOptions = {}): RgbaImage {
  const op = 'featureMapsToImage';
  const t = tensorOf(op, 'maps', maps);
  if (!(t.ndim === 3 || (t.ndim === 4 && t.shape[0] === 1)))
    throw shapeError(op, `maps must be [C, H, W] or [1, C, H, W], got ${formatShape(t.shape)}`);
  const [c, h, w] = t.shape.slice(-3) as [number, number, number];
  return drawGrid(
    op,
    { values: t.toTypedArray(), count: c, h, w, label: String, defaultColumns: Math.ceil(Math.sqrt(c)) },
    options,
    'each',
  );
}

import { checkOptions, optionKeys, rangeError, typeError } from '@torchlet/tensor';
import { GLYPH_HEIGHT, textWidth } from './font.js';
import { createImage, drawLine, drawText, drawTextVertical, fillRect, type Color, type RgbaImage } from './image.js';

export interface Series {
  /** Shown in the legend. */
  name: string;
  /** The values; NaN leaves a gap. */
  y: readonly number[];
  /** Positions on the x axis. Default 1, 2, 3, ... (epochs). */
  x?: readonly number[];
  /** Default: from a palette, by the series' position. */
  color?: Color;
}

export interface LineChartOptions {
  /** Default 640. */
  width?: number;
  /** Default 400. */
  height?: number;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Axis limits; by default the data's range, widened to round tick values. */
  yMin?: number;
  yMax?: number;
}

const PALETTE: Color[] = [
  [31, 119, 180],
  [214, 39, 40],
  [44, 160, 44],
  [255, 127, 14],
  [148, 103, 189],
];
const TEXT: Color = [20, 20, 20];
const GRID: Color = [225, 225, 225];
const AXIS: Color = [60, 60, 60];

/**
 * About `count` round tick values (1, 2 or 5 × 10^k apart) covering `[lo, hi]`, and the decimals
 * that print them exactly.
 * @example niceTicks(0.03, 2.4, 5) // { ticks: [0, 0.5, 1, 1.5, 2, 2.5], decimals: 1 }
 */
export function niceTicks(lo: number, hi: number, count = 5): { ticks: number[]; decimals: number } {
  if (!(hi > lo)) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    [lo, hi] = [lo - pad, hi + pad];
  }
  const raw = (hi - lo) / Math.max(1, count);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const first = Math.floor(lo / step + 1e-9) * step;
  const ticks: number[] = [];
  // Round each tick to the step's decimals, so 0.30000000000000004 prints as 0.3.
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  for (let v = first; v < hi + step * 0.999; v += step) ticks.push(Number(v.toFixed(decimals)));
  return { ticks, decimals };
}

const LEGEND_ROW = GLYPH_HEIGHT + 6;

/** Where each legend entry goes: a swatch and its name, left to right from `left`, wrapping at `right`. */
function legendLayout(
  series: readonly Series[],
  left: number,
  right: number,
): { entries: { x: number; row: number }[]; height: number } {
  let x = left;
  let row = 0;
  const entries = series.map((s) => {
    const w = 16 + textWidth(s.name);
    if (x > left && x + w > right) [x, row] = [left, row + 1];
    const at = { x, row };
    x += w + 14;
    return at;
  });
  return { entries, height: (row + 1) * LEGEND_ROW + 4 };
}

/**
 * A line chart of one or more series, with axes, round ticks, grid lines, labels and a legend,
 * drawn into an RGBA image (the loss and accuracy curves of a training run). A series of one
 * point is drawn as a marker; short series get markers on every point. The legend is a row above
 * the plot, so it never covers a point.
 *
 * @throws TypeError for a series without a name or values; RangeError for mismatched x and y
 *   lengths or a size under 160 × 120
 * @example lineChart([{ name: 'train loss', y: [0.9, 0.3, 0.2] }], { xLabel: 'epoch', yLabel: 'loss' })
 */
export function lineChart(series: readonly Series[], options: LineChartOptions = {}): RgbaImage {
  const op = 'lineChart';
  if (!Array.isArray(series) || series.length === 0)
    throw typeError(op, 'series must be a non-empty array of { name, y }');
  checkOptions(
    op,
    options,
    optionKeys<LineChartOptions>({
      width: true,
      height: true,
      title: true,
      xLabel: true,
      yLabel: true,
      yMin: true,
      yMax: true,
    }),
  );
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 160 || height < 120) {
    throw rangeError(op, `width and height must be integers of at least 160 and 120, got ${width}×${height}`);
  }
  const points = series.map((s, k) => {
    if (s === null || typeof s !== 'object' || typeof s.name !== 'string' || !Array.isArray(s.y))
      throw typeError(op, `series[${k}] must be { name: string, y: number[] }`);
    const y: readonly number[] = s.y;
    const x: readonly number[] = s.x ?? y.map((_, i) => i + 1);
    if (x.length !== y.length)
      throw rangeError(op, `series[${k}] (${s.name}) has ${x.length} x values but ${y.length} y values`);
    return x.map((xi, i) => [xi, y[i]!] as const).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  });
  const all = points.flat();
  const xs = all.map(([a]) => a);
  const ys = all.map(([, b]) => b);
  const xTicks = niceTicks(
    xs.length ? Math.min(...xs) : 0,
    xs.length ? Math.max(...xs) : 1,
    Math.max(2, Math.floor(width / 100)),
  );
  const yTicks = niceTicks(
    options.yMin ?? (ys.length ? Math.min(...ys) : 0),
    options.yMax ?? (ys.length ? Math.max(...ys) : 1),
    Math.max(2, Math.floor(height / 70)),
  );
  const [x0, x1] = [xTicks.ticks[0]!, xTicks.ticks[xTicks.ticks.length - 1]!];
  const [y0, y1] = [options.yMin ?? yTicks.ticks[0]!, options.yMax ?? yTicks.ticks[yTicks.ticks.length - 1]!];

  const img = createImage(width, height);
  const yLabels = yTicks.ticks.map((t) => t.toFixed(yTicks.decimals));
  const left = 12 + (options.yLabel ? GLYPH_HEIGHT + 8 : 0) + Math.max(...yLabels.map((l) => textWidth(l))) + 8;
  // The legend is a row (wrapped as needed) between the title and the plot, so it never hides data.
  const legend = legendLayout(series, left, width - 16);
  const top = 12 + (options.title ? GLYPH_HEIGHT * 2 + 10 : 0) + legend.height;
  const bottom = height - (12 + GLYPH_HEIGHT + 8 + (options.xLabel ? GLYPH_HEIGHT + 8 : 0));
  const right = width - 16;
  const px = (v: number) => left + ((v - x0) / (x1 - x0 || 1)) * (right - left);
  const py = (v: number) => bottom - ((v - y0) / (y1 - y0 || 1)) * (bottom - top);

  if (options.title) drawText(img, options.title, Math.max(4, (width - textWidth(options.title, 2)) / 2), 10, TEXT, 2);
  yTicks.ticks.forEach((t, i) => {
    if (t < y0 || t > y1) return;
    const y = Math.round(py(t));
    drawLine(img, left, y, right, y, GRID);
    drawLine(img, left - 4, y, left, y, AXIS);
    drawText(img, yLabels[i]!, left - 7 - textWidth(yLabels[i]!), y - 3, TEXT);
  });
  for (const t of xTicks.ticks) {
    const x = Math.round(px(t));
    drawLine(img, x, top, x, bottom, GRID);
    drawLine(img, x, bottom, x, bottom + 4, AXIS);
    const label = t.toFixed(xTicks.decimals);
    drawText(img, label, x - textWidth(label) / 2, bottom + 8, TEXT);
  }
  drawLine(img, left, top, left, bottom, AXIS);
  drawLine(img, left, bottom, right, bottom, AXIS);
  if (options.xLabel)
    drawText(img, options.xLabel, (left + right - textWidth(options.xLabel)) / 2, height - 8 - GLYPH_HEIGHT, TEXT);
  if (options.yLabel) drawTextVertical(img, options.yLabel, 8, (top + bottom + textWidth(options.yLabel)) / 2, TEXT);

  points.forEach((pts, k) => {
    const color = series[k]!.color ?? PALETTE[k % PALETTE.length]!;
    for (let i = 1; i < pts.length; i++)
      drawLine(img, px(pts[i - 1]![0]), py(pts[i - 1]![1]), px(pts[i]![0]), py(pts[i]![1]), color, 2);
    if (pts.length <= 30) for (const [a, b] of pts) fillRect(img, px(a) - 2, py(b) - 2, 5, 5, color);
  });
  const legendTop = top - legend.height;
  legend.entries.forEach(({ x, row }, k) => {
    const s = series[k]!;
    const ly = legendTop + row * LEGEND_ROW;
    fillRect(img, x, ly + 1, 12, 5, s.color ?? PALETTE[k % PALETTE.length]!);
    drawText(img, s.name, x + 16, ly, TEXT);
  });
  return img;
}

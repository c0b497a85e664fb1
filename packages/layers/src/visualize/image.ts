import { rangeError } from '@torchlet/tensor';
import { glyph, GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH } from './font.js';

/**
 * An 8-bit RGBA picture, row-major, 4 bytes a pixel: the layout of a PNG scanline and of a
 * canvas `ImageData`, so it goes to either without conversion (`new ImageData(img.data, w, h)`).
 */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** `[r, g, b]` or `[r, g, b, a]`, each 0–255. */
export type Color = readonly [number, number, number] | readonly [number, number, number, number];

export const WHITE: Color = [255, 255, 255];
export const BLACK: Color = [0, 0, 0];

/**
 * A `width × height` image filled with `background`.
 * @throws RangeError for sizes that are not positive integers
 */
export function createImage(width: number, height: number, background: Color = WHITE): RgbaImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw rangeError('createImage', `width and height must be positive integers, got ${width}×${height}`);
  }
  const img = { width, height, data: new Uint8ClampedArray(width * height * 4) };
  fillRect(img, 0, 0, width, height, background);
  return img;
}

/** Sets one pixel; points outside the image are ignored (drawing clips). */
export function setPixel(img: RgbaImage, x: number, y: number, color: Color): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const i = (y * img.width + x) * 4;
  img.data[i] = color[0];
  img.data[i + 1] = color[1];
  img.data[i + 2] = color[2];
  img.data[i + 3] = color[3] ?? 255;
}

/** Fills the rectangle `[x, x + w) × [y, y + h)`, clipped to the image. */
export function fillRect(img: RgbaImage, x: number, y: number, w: number, h: number, color: Color): void {
  const x0 = Math.max(0, Math.round(x));
  const y0 = Math.max(0, Math.round(y));
  const x1 = Math.min(img.width, Math.round(x + w));
  const y1 = Math.min(img.height, Math.round(y + h));
  for (let py = y0; py < y1; py++) for (let px = x0; px < x1; px++) setPixel(img, px, py, color);
}

/** A line from (x0, y0) to (x1, y1), `thickness` pixels wide (Bresenham, stamped with a square). */
export function drawLine(
  img: RgbaImage,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  color: Color,
  thickness = 1,
): void {
  let x = Math.round(x0);
  let y = Math.round(y0);
  const xe = Math.round(x1);
  const ye = Math.round(y1);
  const dx = Math.abs(xe - x);
  const dy = -Math.abs(ye - y);
  const sx = x < xe ? 1 : -1;
  const sy = y < ye ? 1 : -1;
  const half = Math.floor((thickness - 1) / 2);
  let err = dx + dy;
  for (;;) {
    fillRect(img, x - half, y - half, thickness, thickness, color);
    if (x === xe && y === ye) break;
    const e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y += sy;
    }
  }
}

/** Writes `text` with its top-left corner at (x, y), each font pixel a `scale × scale` block. */
export function drawText(img: RgbaImage, text: string, x: number, y: number, color: Color, scale = 1): void {
  let cx = Math.round(x);
  for (const ch of text) {
    const rows = glyph(ch);
    for (let r = 0; r < GLYPH_HEIGHT; r++) {
      for (let c = 0; c < GLYPH_WIDTH; c++) {
        if (rows[r]! & (1 << (GLYPH_WIDTH - 1 - c)))
          fillRect(img, cx + c * scale, Math.round(y) + r * scale, scale, scale, color);
      }
    }
    cx += GLYPH_ADVANCE * scale;
  }
}

/** `text` turned 90° counter-clockwise (reading bottom to top), its bottom-left at (x, y). */
export function drawTextVertical(img: RgbaImage, text: string, x: number, y: number, color: Color, scale = 1): void {
  let cy = Math.round(y);
  for (const ch of text) {
    const rows = glyph(ch);
    for (let r = 0; r < GLYPH_HEIGHT; r++) {
      for (let c = 0; c < GLYPH_WIDTH; c++) {
        if (rows[r]! & (1 << (GLYPH_WIDTH - 1 - c)))
          fillRect(img, Math.round(x) + r * scale, cy - (c + 1) * scale, scale, scale, color);
      }
    }
    cy -= GLYPH_ADVANCE * scale;
  }
}

/**
 * A digit drawn on a canvas, made to look like an MNIST digit before the network sees it: MNIST's
 * digits were scaled to fit a 20×20 box (keeping their aspect ratio) and placed in a 28×28 image
 * with their centre of mass at the centre. A network trained on them reads a digit drawn in a
 * corner, or large, poorly unless it gets the same treatment.
 */

/** Output side: MNIST's 28 pixels. */
export const SIDE = 28;
/** The longer side of the digit's bounding box after scaling (MNIST's 20). */
const BOX = 20;
/** Pixels fainter than this are background when finding the bounding box (anti-aliasing fringe). */
const INK = 16;

/**
 * `ink` (`[height, width]` intensities, 0 = background, 255 = full stroke; e.g. one channel of a
 * canvas's RGBA) → `[28, 28]` bytes, MNIST style. A blank picture gives all zeros.
 * @param stride distance between consecutive pixels in `ink` (4 to read one channel of RGBA)
 */
export function toMnistBytes(ink: ArrayLike<number>, width: number, height: number, stride = 1): Uint8Array {
  if (ink.length < width * height * stride)
    throw new RangeError(
      `toMnistBytes: ${width}×${height} pixels need ${width * height * stride} values, got ${ink.length}`,
    );
  const at = (x: number, y: number) => ink[(y * width + x) * stride]!;
  let [x0, y0, x1, y1] = [width, height, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (at(x, y) > INK) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
  }
  const out = new Uint8Array(SIDE * SIDE);
  if (x1 < 0) return out;

  // Area-average the bounding box down to at most BOX×BOX: each source pixel adds to the cell it falls in.
  const [bw, bh] = [x1 - x0 + 1, y1 - y0 + 1];
  const scale = BOX / Math.max(bw, bh);
  const [sw, sh] = [Math.max(1, Math.round(bw * scale)), Math.max(1, Math.round(bh * scale))];
  const sum = new Float64Array(sw * sh);
  const count = new Float64Array(sw * sh);
  for (let y = y0; y <= y1; y++) {
    const cy = Math.min(sh - 1, Math.floor(((y - y0) * sh) / bh));
    for (let x = x0; x <= x1; x++) {
      const cell = cy * sw + Math.min(sw - 1, Math.floor(((x - x0) * sw) / bw));
      sum[cell] = sum[cell]! + at(x, y);
      count[cell] = count[cell]! + 1;
    }
  }
  const small = sum.map((s, i) => s / count[i]!);

  // Shift so the centre of mass sits at the image's centre.
  let [mass, mx, my] = [0, 0, 0];
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < sw; x++) {
      const v = small[y * sw + x]!;
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  const left = Math.round(SIDE / 2 - mx / mass);
  const top = Math.round(SIDE / 2 - my / mass);
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < sw; x++) {
      const [tx, ty] = [x + left, y + top];
      if (tx >= 0 && tx < SIDE && ty >= 0 && ty < SIDE) out[ty * SIDE + tx] = Math.round(small[y * sw + x]!);
    }
  }
  return out;
}

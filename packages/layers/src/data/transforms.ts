import {
  checkOptions,
  contiguousData,
  defaultGenerator,
  describeValue,
  formatShape,
  Generator,
  rangeError,
  shapeError,
  Tensor,
  typeError,
} from '@torchlet/tensor';

/**
 * Image-batch transforms in the spirit of torchvision's, for plain Tensors (data, not graph):
 * each takes `[N, C, H, W]` (or one image `[C, H, W]`) and returns a new tensor; the random ones
 * draw per image from their generator, so a seed replays the same augmentation.
 */
export type Transform = (images: Tensor) => Tensor;

/** `[N, C, H, W]` sizes of a batch or of one `[C, H, W]` image. */
function batchDims(op: string, images: unknown): [number, number, number, number] {
  if (!(images instanceof Tensor)) throw typeError(op, `images must be a Tensor, got ${describeValue(images)}`);
  if (images.ndim !== 3 && images.ndim !== 4)
    throw shapeError(op, `images must be [N, C, H, W] or [C, H, W], got ${formatShape(images.shape)}`);
  if (images.dtype === 'int32')
    throw typeError(op, `images must be float32 or float64, got int32 ${formatShape(images.shape)}`);
  const s = images.shape;
  return images.ndim === 4 ? [s[0]!, s[1]!, s[2]!, s[3]!] : [1, s[0]!, s[1]!, s[2]!];
}

function checkGenerator(op: string, generator: unknown): Generator | null {
  if (generator !== undefined && !(generator instanceof Generator))
    throw typeError(op, `generator must be a Generator, got ${describeValue(generator)}`);
  return generator ?? null;
}

function like(images: Tensor, data: Float32Array | Float64Array): Tensor {
  return new Tensor(data, images.shape);
}

export interface RandomCropOptions {
  /** Zeros added on every side before cropping (torchvision's `padding`). Default 0. */
  padding?: number;
  /** Where the offsets come from. Default: the global generator (`manualSeed`). */
  generator?: Generator;
}

/**
 * A random `size × size` (or `[h, w]`) window of each image after zero padding, as torchvision's
 * `RandomCrop(size, padding)`. Offsets are drawn per image: top, then left, uniform over every
 * position the window fits.
 * @throws RangeError if the window is larger than the padded image
 * @example randomCrop(28, { padding: 2 })(x) // [N, 1, 28, 28] → [N, 1, 28, 28], shifted by up to 2
 */
export function randomCrop(size: number | readonly [number, number], options: RandomCropOptions = {}): Transform {
  const op = 'randomCrop';
  const [cropH, cropW] = typeof size === 'number' ? [size, size] : size;
  if (![cropH, cropW].every((d) => Number.isInteger(d) && d! >= 1))
    throw typeError(op, `size must be a positive integer or [h, w], got ${describeValue(size)}`);
  const o = checkOptions(op, options, ['padding', 'generator']);
  const padding = o.padding ?? 0;
  if (!Number.isInteger(padding) || padding < 0)
    throw rangeError(op, `padding must be an integer >= 0, got padding=${String(padding)}`);
  const generator = checkGenerator(op, o.generator);
  return (images) => {
    const [n, c, h, w] = batchDims(op, images);
    const paddedH = h + 2 * padding;
    const paddedW = w + 2 * padding;
    if (cropH! > paddedH || cropW! > paddedW)
      throw rangeError(
        op,
        `size [${cropH}, ${cropW}] is larger than the padded image [${paddedH}, ${paddedW}] (input ${formatShape(images.shape)}, padding=${padding})`,
      );
    const g = generator ?? defaultGenerator();
    const x = contiguousData(images);
    const out =
      images.dtype === 'float64'
        ? new Float64Array(n * c * cropH! * cropW!)
        : new Float32Array(n * c * cropH! * cropW!);
    for (let i = 0; i < n; i++) {
      const top = g.nextInt(0, paddedH - cropH! + 1) - padding;
      const left = g.nextInt(0, paddedW - cropW! + 1) - padding;
      for (let ch = 0; ch < c; ch++) {
        const src = (i * c + ch) * h * w;
        const dst = (i * c + ch) * cropH! * cropW!;
        for (let r = 0; r < cropH!; r++) {
          const y = top + r;
          if (y < 0 || y >= h) continue; // padding rows stay 0
          for (let q = 0; q < cropW!; q++) {
            const xx = left + q;
            if (xx >= 0 && xx < w) out[dst + r * cropW! + q] = x[src + y * w + xx]!;
          }
        }
      }
    }
    const shape = images.ndim === 4 ? [n, c, cropH!, cropW!] : [c, cropH!, cropW!];
    return new Tensor(out, shape);
  };
}

export interface RandomFlipOptions {
  /** Probability of flipping each image. Default 0.5. */
  p?: number;
  /** Where the coin flips come from. Default: the global generator (`manualSeed`). */
  generator?: Generator;
}

/**
 * Mirrors each image left–right with probability `p`, as torchvision's `RandomHorizontalFlip`.
 * One draw per image, in order.
 */
export function randomHorizontalFlip(options: RandomFlipOptions = {}): Transform {
  const op = 'randomHorizontalFlip';
  const o = checkOptions(op, options, ['p', 'generator']);
  const p = o.p ?? 0.5;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw rangeError(op, `p must be in [0, 1], got p=${String(p)}`);
  const generator = checkGenerator(op, o.generator);
  return (images) => {
    const [n, c, h, w] = batchDims(op, images);
    const g = generator ?? defaultGenerator();
    const x = contiguousData(images) as Float32Array | Float64Array;
    const out = x.slice();
    for (let i = 0; i < n; i++) {
      if (!(g.next() < p)) continue;
      for (let row = i * c * h, end = (i + 1) * c * h; row < end; row++) {
        const at = row * w;
        for (let q = 0; q < w; q++) out[at + q] = x[at + w - 1 - q]!;
      }
    }
    return like(images, out);
  };
}

/**
 * `(x − mean[c]) / std[c]` per channel, as torchvision's `Normalize` (MNIST: `normalize([0.1307], [0.3081])`).
 * @throws RangeError for a std of 0; ShapeError when the images' channels differ from the lists' length
 */
export function normalize(mean: readonly number[], std: readonly number[]): Transform {
  const op = 'normalize';
  if (!Array.isArray(mean) || !Array.isArray(std) || mean.length === 0 || mean.length !== std.length)
    throw typeError(
      op,
      `mean and std must be arrays of the same non-zero length, got ${describeValue(mean)} and ${describeValue(std)}`,
    );
  if (![...mean, ...std].every((v) => typeof v === 'number' && Number.isFinite(v)))
    throw typeError(op, `mean and std must hold finite numbers, got mean=${formatShape(mean)} std=${formatShape(std)}`);
  if (std.some((s) => s === 0)) throw rangeError(op, `std must not hold 0 (it divides), got std=${formatShape(std)}`);
  return (images) => {
    const [n, c, h, w] = batchDims(op, images);
    if (c !== mean.length)
      throw shapeError(
        op,
        `images have ${c} channels but mean and std have ${mean.length}; images are ${formatShape(images.shape)}`,
      );
    const x = contiguousData(images) as Float32Array | Float64Array;
    const out = x.slice();
    const plane = h * w;
    for (let i = 0; i < n * c; i++) {
      const m = mean[i % c]!;
      const s = std[i % c]!;
      for (let at = i * plane, end = at + plane; at < end; at++) out[at] = (x[at]! - m) / s;
    }
    return like(images, out);
  };
}

/** Runs the transforms in order, as torchvision's `Compose`. */
export function compose(list: readonly Transform[]): Transform {
  if (!Array.isArray(list) || list.some((t) => typeof t !== 'function'))
    throw typeError('compose', `transforms must be an array of functions, got ${describeValue(list)}`);
  const chain = [...list];
  return (images) => chain.reduce((x, t) => t(x), images);
}

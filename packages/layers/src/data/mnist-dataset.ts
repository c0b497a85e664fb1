import { checkOptions, formatShape, rangeError, shapeError, Tensor, typeError } from '@torchlet/tensor';
import { checkIndex, type Dataset } from './dataset.js';

export interface MnistDatasetOptions {
  /** Subtracted after scaling pixels to [0, 1]. Default 0.1307, the training set's mean (as the PyTorch example). */
  mean?: number;
  /** Divides after subtracting the mean. Default 0.3081, the training set's standard deviation. */
  std?: number;
}

/**
 * MNIST-style images kept as bytes, turned into normalised float32 only one batch at a time, so
 * 60,000 images stay 47 MB of Uint8Array instead of 188 MB of floats. A pixel p becomes
 * `(p / 255 − mean) / std`, as `ToTensor()` + `Normalize((0.1307,), (0.3081,))`.
 *
 * @param images `[N, H, W]` bytes (flat, row-major), e.g. `loadMnist().trainImages`
 * @param labels `[N]` class indices
 * @param shape  `[N, H, W]`; default `[labels.length, 28, 28]`
 * Items are `[image [1, H, W] float32, label]`; batches `[images [B, 1, H, W] float32, labels [B] int32]`.
 */
export class MnistDataset implements Dataset<[Tensor, number], [Tensor, Tensor]> {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly length: number;
  readonly height: number;
  readonly width: number;
  // p → (p/255 − mean)/std for all 256 byte values: the batch loop is one table lookup per pixel.
  private readonly table = new Float32Array(256);

  constructor(
    images: Uint8Array,
    labels: Uint8Array,
    options: MnistDatasetOptions & { shape?: readonly number[] } = {},
  ) {
    const op = 'MnistDataset';
    if (!(images instanceof Uint8Array)) throw typeError(op, 'images must be a Uint8Array');
    if (!(labels instanceof Uint8Array)) throw typeError(op, 'labels must be a Uint8Array');
    options = checkOptions(op, options, ['mean', 'std', 'shape']);
    const shape = options.shape ?? [labels.length, 28, 28];
    if (shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d >= 0))
      throw shapeError(op, `shape must be [N, H, W], got ${formatShape(shape)}`);
    const [n, h, w] = shape as [number, number, number];
    if (n !== labels.length)
      throw shapeError(op, `images ${formatShape(shape)} hold ${n} images but there are ${labels.length} labels`);
    if (images.length !== n * h * w)
      throw shapeError(op, `images has ${images.length} bytes but shape ${formatShape(shape)} needs ${n * h * w}`);
    const mean = options.mean ?? 0.1307;
    const std = options.std ?? 0.3081;
    if (!Number.isFinite(mean)) throw typeError(op, `mean must be a finite number, got ${mean}`);
    if (!(std > 0) || !Number.isFinite(std)) throw rangeError(op, `std must be a positive number, got ${std}`);
    this.images = images;
    this.labels = labels;
    this.length = n;
    this.height = h;
    this.width = w;
    for (let p = 0; p < 256; p++) this.table[p] = (Math.fround(p / 255) - mean) / std;
  }

  /** `[image [1, H, W] float32, label]`. */
  get(index: number): [Tensor, number] {
    checkIndex('MnistDataset.get', index, this.length);
    const [images] = this.getBatch([index]);
    return [new Tensor(images.data, [1, this.height, this.width]), this.labels[index]!];
  }

  /** `[images [B, 1, H, W] float32, labels [B] int32]` for the given indices. */
  getBatch(indices: ArrayLike<number>): [Tensor, Tensor] {
    const pixels = this.height * this.width;
    const b = indices.length;
    const x = new Float32Array(b * pixels);
    const y = new Int32Array(b);
    const { images, labels, table } = this;
    for (let k = 0; k < b; k++) {
      const i = indices[k]!;
      checkIndex('MnistDataset.getBatch', i, this.length);
      const src = i * pixels;
      const dst = k * pixels;
      for (let p = 0; p < pixels; p++) x[dst + p] = table[images[src + p]!]!;
      y[k] = labels[i]!;
    }
    return [new Tensor(x, [b, 1, this.height, this.width]), new Tensor(y, [b])];
  }
}

import { checkInt, checkOptions, defaultGenerator, Generator, Tensor, typeError } from '@torchlet/tensor';
import { defaultCollate, type Collated, type Dataset } from './dataset.js';

export interface DataLoaderOptions<T, B> {
  /** Items per batch. Default 1. */
  batchSize?: number;
  /** Visit the items in a fresh random order each epoch. Default false. */
  shuffle?: boolean;
  /** Skip the last batch when it is smaller than `batchSize`. Default false. */
  dropLast?: boolean;
  /** Where the shuffle's randomness comes from. Default: the global generator (`manualSeed`). */
  generator?: Generator;
  /** Turns a list of items into a batch; default `defaultCollate`. Unused when the dataset has `getBatch`. */
  collate?: (items: T[]) => B;
  /**
   * Applied to each batch's inputs as it is produced: the batch itself when it is a Tensor, else its
   * first element (`[images, labels]` → `[transform(images), labels]`). E.g. `transforms.compose([...])`.
   */
  transform?: (inputs: Tensor) => Tensor;
}

/**
 * Batches of a dataset, as `torch.utils.data.DataLoader` (single process): iterate it once per
 * epoch. With `shuffle`, each iteration draws a new permutation from the generator, so the same
 * seed gives the same sequence of epochs. When the dataset has `getBatch(indices)`, whole batches
 * come from it (one allocation per batch); otherwise items are fetched one by one and collated.
 *
 * @example
 * const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 64, shuffle: true, generator: new Generator(0) });
 * for (const [xb, yb] of loader) { ... } // xb: [64, ...x.shape.slice(1)]
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B> {
  readonly dataset: Dataset<T, B>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly generator: Generator | null;
  private readonly collate: (items: T[]) => B;
  private readonly transform: ((inputs: Tensor) => Tensor) | null;

  constructor(dataset: Dataset<T, B>, options: DataLoaderOptions<T, B> = {}) {
    const op = 'DataLoader';
    if (
      dataset === null ||
      typeof dataset !== 'object' ||
      typeof dataset.get !== 'function' ||
      !Number.isInteger(dataset.length) ||
      dataset.length < 0
    ) {
      throw typeError(op, 'dataset must have an integer length and a get(index) method');
    }
    this.dataset = dataset;
    options = checkOptions(op, options, ['batchSize', 'shuffle', 'dropLast', 'generator', 'collate', 'transform']);
    this.batchSize = checkInt(op, options.batchSize ?? 1, 'batchSize', 1);
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    if (typeof this.shuffle !== 'boolean')
      throw typeError(op, `shuffle must be a boolean, got ${String(this.shuffle)}`);
    if (typeof this.dropLast !== 'boolean')
      throw typeError(op, `dropLast must be a boolean, got ${String(this.dropLast)}`);
    if (options.generator !== undefined && !(options.generator instanceof Generator))
      throw typeError(op, 'generator must be a Generator');
    this.generator = options.generator ?? null;
    if (options.collate !== undefined && typeof options.collate !== 'function')
      throw typeError(op, 'collate must be a function');
    this.collate = options.collate ?? (defaultCollate as unknown as (items: T[]) => B);
    if (options.transform !== undefined && typeof options.transform !== 'function')
      throw typeError(op, 'transform must be a function (Tensor) => Tensor');
    this.transform = options.transform ?? null;
  }

  private transformed(batch: B): B {
    const t = this.transform;
    if (!t) return batch;
    if (batch instanceof Tensor) return t(batch) as B;
    if (Array.isArray(batch) && batch[0] instanceof Tensor) return [t(batch[0]), ...batch.slice(1)] as B;
    throw typeError('DataLoader', 'transform needs batches that are a Tensor or start with one');
  }

  /** Number of batches in one epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /**
   * The order of one epoch: 0..N−1, or a Fisher–Yates permutation drawn from the generator.
   * Each call with `shuffle` advances the generator.
   */
  epochOrder(): Int32Array {
    const n = this.dataset.length;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    if (this.shuffle) {
      const g = this.generator ?? defaultGenerator();
      for (let i = n - 1; i > 0; i--) {
        const j = g.nextInt(0, i + 1);
        const t = order[i]!;
        order[i] = order[j]!;
        order[j] = t;
      }
    }
    return order;
  }

  *[Symbol.iterator](): Iterator<B> {
    const order = this.epochOrder();
    const batches = this.length;
    const fast = typeof this.dataset.getBatch === 'function';
    for (let b = 0; b < batches; b++) {
      const indices = order.subarray(b * this.batchSize, Math.min((b + 1) * this.batchSize, order.length));
      if (fast) {
        yield this.transformed(this.dataset.getBatch!(indices));
      } else {
        const items: T[] = new Array(indices.length);
        for (let k = 0; k < indices.length; k++) items[k] = this.dataset.get(indices[k]!);
        yield this.transformed(this.collate(items));
      }
    }
  }
}

import {
  checkTensor,
  contiguousData,
  formatShape,
  rangeError,
  shapeError,
  Tensor,
  typeError,
  type DType,
  type TypedArray,
} from '@torchlet/tensor';

function arrayFor(dtype: DType, length: number): TypedArray {
  return dtype === 'float32'
    ? new Float32Array(length)
    : dtype === 'float64'
      ? new Float64Array(length)
      : new Int32Array(length);
}

/**
 * What a batch of items becomes by default: tensors stack along a new first axis, numbers become
 * a 1-D tensor, tuples and objects are collated position by position.
 */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number
    ? Tensor
    : T extends readonly unknown[]
      ? { -readonly [K in keyof T]: Collated<T[K]> }
      : T extends object
        ? { [K in keyof T]: Collated<T[K]> }
        : T;

/**
 * A map-style dataset, as `torch.utils.data.Dataset`: `length` items, `get(i)` returns item i.
 * `getBatch(indices)` is an optional fast path that builds a whole batch at once (one allocation,
 * no per-item tensors); the DataLoader uses it when present.
 */
export interface Dataset<T = unknown, B = Collated<T>> {
  readonly length: number;
  get(index: number): T;
  getBatch?(indices: ArrayLike<number>): B;
}

/** `index` must be an integer in [0, length). */
export function checkIndex(op: string, index: number, length: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw rangeError(op, `index ${index} is out of range for a dataset of length ${length}`);
  }
}

/** Row `index` (along axis 0) of `t` as a view sharing storage. */
function row(t: Tensor, index: number): Tensor {
  return new Tensor(t.data, t.shape.slice(1), t.strides.slice(1), t.offset + index * t.strides[0]!);
}

/** Rows `indices` of `t` (along axis 0) copied into one contiguous `[indices.length, ...rest]` tensor. */
export function gatherRows(t: Tensor, indices: ArrayLike<number>): Tensor {
  const n = t.shape[0]!;
  const rowSize = t.size / Math.max(n, 1);
  const src = contiguousData(t);
  const out = arrayFor(t.dtype, indices.length * rowSize);
  for (let b = 0; b < indices.length; b++) {
    const i = indices[b]!;
    checkIndex('gatherRows', i, n);
    if (rowSize === 1) out[b] = src[i]!;
    else out.set(src.subarray(i * rowSize, (i + 1) * rowSize), b * rowSize);
  }
  return new Tensor(out, [indices.length, ...t.shape.slice(1)]);
}

/**
 * Tensors sharing their first axis, item i being `[t0[i], t1[i], ...]`, as
 * `torch.utils.data.TensorDataset`.
 *
 * @param tensors `[N, ...]` each
 * @throws ShapeError if the first sizes differ or a tensor is 0-D
 * @example new TensorDataset(x, y).get(0) // [x[0], y[0]]
 */
export class TensorDataset implements Dataset<Tensor[], Tensor[]> {
  readonly tensors: Tensor[];
  readonly length: number;

  constructor(...tensors: Tensor[]) {
    const op = 'TensorDataset';
    if (tensors.length === 0) throw typeError(op, 'needs at least one tensor');
    tensors.forEach((t, k) => checkTensor(op, t, `tensors[${k}]`));
    for (const [k, t] of tensors.entries()) {
      if (t.ndim === 0) throw shapeError(op, `tensors[${k}] is 0-D; every tensor needs a first axis to index`);
      if (t.shape[0] !== tensors[0]!.shape[0]) {
        throw shapeError(
          op,
          `all tensors must share their first size; tensors[0] is ${formatShape(tensors[0]!.shape)} but tensors[${k}] is ${formatShape(t.shape)}`,
        );
      }
    }
    this.tensors = tensors;
    this.length = tensors[0]!.shape[0]!;
  }

  /** `[t0[index], t1[index], ...]`, views sharing storage. */
  get(index: number): Tensor[] {
    checkIndex('TensorDataset.get', index, this.length);
    return this.tensors.map((t) => row(t, index));
  }

  /** `[t0[indices], t1[indices], ...]`, each a fresh `[B, ...]` tensor. */
  getBatch(indices: ArrayLike<number>): Tensor[] {
    return this.tensors.map((t) => gatherRows(t, indices));
  }
}

/**
 * The items of `dataset` at `indices`, in that order (as `torch.utils.data.Subset`); keeps the
 * batch fast path.
 */
export class Subset<T, B = Collated<T>> implements Dataset<T, B> {
  readonly dataset: Dataset<T, B>;
  readonly indices: Int32Array;
  getBatch?: (indices: ArrayLike<number>) => B;

  constructor(dataset: Dataset<T, B>, indices: ArrayLike<number>) {
    const op = 'Subset';
    if (
      dataset === null ||
      typeof dataset !== 'object' ||
      typeof dataset.get !== 'function' ||
      !Number.isInteger(dataset.length)
    ) {
      throw typeError(op, 'dataset must have an integer length and a get(index) method');
    }
    if (!Array.isArray(indices) && !ArrayBuffer.isView(indices))
      throw typeError(op, `indices must be an array of integers, got ${indices === null ? 'null' : typeof indices}`);
    this.dataset = dataset;
    this.indices = Int32Array.from(indices);
    if (this.indices.length !== indices.length) throw typeError(op, 'indices must be an array of integers');
    for (let k = 0; k < indices.length; k++) checkIndex(op, indices[k]!, dataset.length);
    const inner = dataset.getBatch;
    if (inner) {
      this.getBatch = (batch) => {
        const mapped = new Int32Array(batch.length);
        for (let b = 0; b < batch.length; b++) {
          checkIndex('Subset.getBatch', batch[b]!, this.indices.length);
          mapped[b] = this.indices[batch[b]!]!;
        }
        return inner.call(dataset, mapped);
      };
    }
  }

  get length(): number {
    return this.indices.length;
  }

  get(index: number): T {
    checkIndex('Subset.get', index, this.indices.length);
    return this.dataset.get(this.indices[index]!);
  }
}

function stackTensors(items: readonly Tensor[]): Tensor {
  const first = items[0]!;
  for (const [b, t] of items.entries()) {
    if (t.shape.length !== first.shape.length || t.shape.some((d, k) => d !== first.shape[k])) {
      throw shapeError(
        'collate',
        `items must have equal shapes to stack; item 0 is ${formatShape(first.shape)} but item ${b} is ${formatShape(t.shape)}`,
      );
    }
    if (t.dtype !== first.dtype)
      throw typeError('collate', `items must share a dtype; item 0 is ${first.dtype} but item ${b} is ${t.dtype}`);
  }
  const out: TypedArray = arrayFor(first.dtype, items.length * first.size);
  items.forEach((t, b) => out.set(contiguousData(t), b * first.size));
  return new Tensor(out, [items.length, ...first.shape]);
}

/**
 * The default way a list of items becomes a batch, as PyTorch's `default_collate`: tensors stack
 * into `[B, ...shape]`; numbers become a `[B]` tensor; arrays and objects are collated per entry.
 * Differs from PyTorch: numbers that are all integers give int32 (class labels), otherwise float32.
 */
export function defaultCollate<T>(items: readonly T[]): Collated<T> {
  if (items.length === 0) throw rangeError('collate', 'cannot collate an empty batch');
  const first = items[0] as unknown;
  if (first instanceof Tensor) return stackTensors(items as readonly Tensor[]) as Collated<T>;
  if (typeof first === 'number') {
    const values = items as readonly number[];
    const dtype = values.every(Number.isInteger) ? 'int32' : 'float32';
    const out = arrayFor(dtype, values.length);
    values.forEach((v, i) => (out[i] = v));
    return new Tensor(out, [values.length]) as Collated<T>;
  }
  if (Array.isArray(first)) {
    return first.map((_, k) => defaultCollate((items as readonly unknown[][]).map((it) => it[k]))) as Collated<T>;
  }
  if (first !== null && typeof first === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first))
      out[key] = defaultCollate((items as readonly Record<string, unknown>[]).map((it) => it[key]));
    return out as Collated<T>;
  }
  throw typeError(
    'collate',
    `cannot collate items of type ${first === null ? 'null' : typeof first}; pass a collate function`,
  );
}

import { checkOptions, optionKeys, checkShape, checkSize, checkTensor, describeValue } from '../check.js';
import { arrayFor, type DType, type TypedArray } from '../dtype.js';
import { rangeError, shapeError, typeError } from '../errors.js';
import { contiguousStrides, formatShape, sizeOf, type Shape } from '../shape.js';
import { Tensor, contiguousData, copyInto } from '../tensor.js';

/**
 * How the border is filled, as numpy.pad / torch.nn.functional.pad:
 * - `'constant'`: `value` (default 0)
 * - `'reflect'`: mirror without repeating the edge, `[1, 2, 3]` → `3 2 | 1 2 3 | 2 1` (numpy 'reflect')
 * - `'replicate'`: repeat the edge, `1 1 | 1 2 3 | 3 3` (numpy 'edge')
 * - `'circular'`: wrap around, `2 3 | 1 2 3 | 1 2` (numpy 'wrap')
 */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

/**
 * numpy-style pad widths: one number for every side of every axis, or `[before, after]` pairs.
 * A list shorter than `ndim` pads the TRAILING axes: `[[1, 1], [2, 2]]` on `[N, C, H, W]` pads H by 1
 * and W by 2. Differs from PyTorch: torch's flat `(left, right, top, bottom)` lists the last axis first.
 */
export type PadWidth = number | readonly (readonly [number, number])[];

export interface PadOptions {
  /** Default `'constant'`. */
  mode?: PadMode;
  /** Fill for `'constant'`; ignored by the other modes. Default 0. */
  value?: number;
}

const PAD_KEYS = optionKeys<PadOptions>({ mode: true, value: true });

const MODES: readonly PadMode[] = ['constant', 'reflect', 'replicate', 'circular'];

/** `[before, after]` for every axis of a rank-`ndim` tensor (leading axes unpadded). */
function normalizePadWidth(op: string, padWidth: unknown, ndim: number): [number, number][] {
  const checkSide = (v: unknown, where: string): number => {
    if (typeof v !== 'number' || !Number.isInteger(v))
      throw typeError(op, `${where} must be an integer, got ${describeValue(v)}`);
    if (v < 0) throw rangeError(op, `${where} must be >= 0, got ${v}`);
    return v;
  };
  if (typeof padWidth === 'number') {
    const p = checkSide(padWidth, 'padWidth');
    return Array.from({ length: ndim }, () => [p, p]);
  }
  if (!Array.isArray(padWidth))
    throw typeError(
      op,
      `padWidth must be a number or an array of [before, after] pairs, got ${describeValue(padWidth)}`,
    );
  if (padWidth.length > ndim) {
    throw shapeError(
      op,
      `padWidth has ${padWidth.length} [before, after] pairs but the input has only ${ndim} axes (shape rank ${ndim})`,
    );
  }
  const pairs: [number, number][] = Array.from({ length: ndim - padWidth.length }, () => [0, 0]);
  padWidth.forEach((pair: unknown, i) => {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw typeError(
        op,
        `padWidth[${i}] must be a [before, after] pair, got ${Array.isArray(pair) ? `[${pair.join(', ')}]` : describeValue(pair)}`,
      );
    }
    pairs.push([checkSide(pair[0], `padWidth[${i}][0]`), checkSide(pair[1], `padWidth[${i}][1]`)]);
  });
  return pairs;
}

/**
 * The shape `pad` returns: each axis grows by its `before + after`.
 * @example padOutputShape([1, 3, 28, 28], [[2, 2], [2, 2]]) // [1, 3, 32, 32]
 */
export function padOutputShape(shape: Shape, padWidth: PadWidth): number[] {
  const dims = checkShape('padOutputShape', shape);
  const pairs = normalizePadWidth('padOutputShape', padWidth, dims.length);
  return dims.map((d, i) => d + pairs[i]![0] + pairs[i]![1]);
}

function checkMode(op: string, mode: unknown): PadMode {
  if (!MODES.includes(mode as PadMode)) {
    throw rangeError(
      op,
      `mode must be 'constant', 'reflect', 'replicate' or 'circular', got ${typeof mode === 'string' ? `'${mode}'` : describeValue(mode)}`,
    );
  }
  return mode as PadMode;
}

/** Rejects pads a mode cannot fill from the data it has (numpy would reflect repeatedly; PyTorch refuses). */
function checkPadsFit(op: string, mode: PadMode, shape: Shape, pairs: readonly (readonly [number, number])[]): void {
  if (mode === 'constant') return;
  pairs.forEach(([before, after], axis) => {
    const n = shape[axis]!;
    const most = Math.max(before, after);
    if (most === 0) return;
    const pads = `padWidth [${before}, ${after}]`;
    if (mode === 'reflect' && most >= n) {
      throw rangeError(
        op,
        `mode 'reflect' needs padding < size; axis ${axis} has size ${n} but ${pads} (input ${formatShape(shape)})`,
      );
    }
    if (mode === 'circular' && most > n) {
      throw rangeError(
        op,
        `mode 'circular' needs padding <= size; axis ${axis} has size ${n} but ${pads} (input ${formatShape(shape)})`,
      );
    }
    if (mode === 'replicate' && n === 0) {
      throw rangeError(
        op,
        `mode 'replicate' cannot pad an empty axis; axis ${axis} has size 0 but ${pads} (input ${formatShape(shape)})`,
      );
    }
  });
}

/** For each output position along one axis, the input position it copies (modes other than constant). */
function sourceIndex(mode: PadMode, n: number, before: number, after: number): Int32Array {
  const m = n + before + after;
  const src = new Int32Array(m);
  for (let o = 0; o < m; o++) {
    const i = o - before;
    if (i >= 0 && i < n) src[o] = i;
    else if (mode === 'replicate') src[o] = i < 0 ? 0 : n - 1;
    else if (mode === 'reflect') src[o] = i < 0 ? -i : 2 * (n - 1) - i;
    else src[o] = ((i % n) + n) % n;
  }
  return src;
}

/**
 * Walks every output element (row-major over `outShape`) with the storage offset of its source:
 * `gather` copies `src[offset] → out[o]`, the adjoint adds `out[o] → src[offset]`.
 */
function walkSources(
  outShape: Shape,
  offsets: readonly Int32Array[],
  base: number,
  a: TypedArray,
  b: TypedArray,
  scatter: boolean,
): void {
  const ndim = outShape.length;
  const size = sizeOf(outShape);
  if (size === 0) return;
  if (ndim === 0) {
    if (scatter) b[base] = b[base]! + a[0]!;
    else b[0] = a[base]!;
    return;
  }
  const inner = offsets[ndim - 1]!;
  const m = inner.length;
  const counter = new Array<number>(ndim - 1).fill(0);
  let rowBase = base;
  for (let k = 0; k < ndim - 1; k++) rowBase += offsets[k]![0]!;
  for (let o = 0; o < size; ) {
    // `a` is the source and `b` the output for a gather; the other way round for the adjoint.
    if (scatter) for (let i = 0; i < m; i++, o++) b[rowBase + inner[i]!]! += a[o]!;
    else for (let i = 0; i < m; i++, o++) b[o] = a[rowBase + inner[i]!]!;
    for (let k = ndim - 2; k >= 0; k--) {
      const table = offsets[k]!;
      rowBase -= table[counter[k]!]!;
      counter[k]!++;
      if (counter[k]! < outShape[k]!) {
        rowBase += table[counter[k]!]!;
        break;
      }
      counter[k] = 0;
      rowBase += table[0]!;
    }
  }
}

function sourceOffsets(
  mode: PadMode,
  shape: Shape,
  strides: Shape,
  pairs: readonly (readonly [number, number])[],
): Int32Array[] {
  return shape.map((n, axis) => {
    const src = sourceIndex(mode, n, pairs[axis]![0], pairs[axis]![1]);
    for (let o = 0; o < src.length; o++) src[o] = src[o]! * strides[axis]!;
    return src;
  });
}

/**
 * Pads every axis with `before`/`after` extra elements, numpy.pad style.
 *
 * @param x        any shape `[..., D]`
 * @param padWidth see `PadWidth` (a short list pads the trailing axes)
 * @returns `padOutputShape(x.shape, padWidth)`, same dtype, a new contiguous tensor
 * @throws RangeError for negative pads, an unknown mode, `'reflect'` with a pad >= the axis size,
 *   `'circular'` with a pad > the axis size, or `'replicate'` on an empty axis
 * @throws ShapeError if `padWidth` has more pairs than `x` has axes
 * @example pad(tensor([1, 2, 3]), [[2, 1]], { mode: 'reflect' }).toArray() // [3, 2, 1, 2, 3, 2]
 */
export function pad(x: Tensor, padWidth: PadWidth, options: PadOptions = {}): Tensor {
  const op = 'pad';
  checkTensor(op, x);
  options = checkOptions(op, options, PAD_KEYS);
  const mode = checkMode(op, options.mode ?? 'constant');
  const value = options.value ?? 0;
  if (typeof value !== 'number') throw typeError(op, `value must be a number, got ${describeValue(value)}`);
  if (mode === 'constant' && x.dtype === 'int32' && !Number.isInteger(value)) {
    throw typeError(op, `value=${value} cannot fill an int32 tensor`);
  }
  const pairs = normalizePadWidth(op, padWidth, x.ndim);
  checkPadsFit(op, mode, x.shape, pairs);
  const outShape = x.shape.map((d, i) => d + pairs[i]![0] + pairs[i]![1]);
  checkSize(
    op,
    sizeOf(outShape),
    `the padded shape ${formatShape(outShape)} (padWidth on x of shape ${formatShape(x.shape)})`,
  );
  const out = arrayFor(x.dtype, sizeOf(outShape));
  if (mode === 'constant') {
    if (value !== 0) out.fill(value);
    const outStrides = contiguousStrides(outShape);
    let at = 0;
    for (let i = 0; i < x.ndim; i++) at += pairs[i]![0] * outStrides[i]!;
    copyInto(x, out, at, outStrides);
  } else {
    walkSources(outShape, sourceOffsets(mode, x.shape, x.strides, pairs), x.offset, x.data, out, false);
  }
  return new Tensor(out, outShape);
}

/**
 * The adjoint of `pad` (what its backward needs): every element of `gradOutput` is added onto the
 * input element `pad` copied it from; constant padding contributes nothing.
 *
 * @param gradOutput `padOutputShape(inputShape, padWidth)`
 * @param inputShape the shape that was padded
 * @returns `inputShape`, dtype of `gradOutput`
 * @throws ShapeError if `gradOutput` does not have the padded shape
 */
export function padAdjoint(
  gradOutput: Tensor,
  inputShape: Shape,
  padWidth: PadWidth,
  options: Pick<PadOptions, 'mode'> = {},
): Tensor {
  const op = 'padAdjoint';
  checkTensor(op, gradOutput, 'gradOutput');
  const dims = checkShape(op, inputShape, 'inputShape');
  options = checkOptions(op, options, ['mode']);
  const mode = checkMode(op, options.mode ?? 'constant');
  const pairs = normalizePadWidth(op, padWidth, dims.length);
  checkPadsFit(op, mode, dims, pairs);
  const outShape = dims.map((d, i) => d + pairs[i]![0] + pairs[i]![1]);
  if (outShape.length !== gradOutput.ndim || outShape.some((d, i) => d !== gradOutput.shape[i])) {
    throw shapeError(
      op,
      `gradOutput has shape ${formatShape(gradOutput.shape)} but padding ${formatShape(dims)} gives ${formatShape(outShape)}`,
    );
  }
  const dtype: DType = gradOutput.dtype;
  const grad = arrayFor(dtype, sizeOf(dims));
  if (mode === 'constant') {
    let at = gradOutput.offset;
    for (let i = 0; i < dims.length; i++) at += pairs[i]![0] * gradOutput.strides[i]!;
    copyInto(new Tensor(gradOutput.data, dims, gradOutput.strides, at), grad, 0, contiguousStrides(dims));
  } else {
    const g = contiguousData(gradOutput);
    walkSources(outShape, sourceOffsets(mode, dims, contiguousStrides(dims), pairs), 0, g, grad, true);
  }
  return new Tensor(grad, dims);
}

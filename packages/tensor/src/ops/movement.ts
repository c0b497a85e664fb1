import { checkInt, checkSize, checkTensor, describeValue, normalizeAxes, normalizeAxis } from '../check.js';
import { rangeError, shapeError, typeError } from '../errors.js';
import { contiguousStrides, formatShape, sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';

// Movement ops re-describe the same storage: a view is `new Tensor(x.data, shape, strides, offset)`.
// Only reshape of an unviewable layout and contiguous() copy.

/**
 * Checks a target shape that may hold one `-1` and fills it in from `size`.
 * @throws TypeError for non-integers, RangeError for a second `-1` or other negative sizes,
 *   ShapeError when the sizes cannot hold `size` elements
 */
function inferShape(op: string, shape: unknown, x: Tensor): number[] {
  if (!Array.isArray(shape)) throw typeError(op, `shape must be an array of sizes, got ${describeValue(shape)}`);
  let inferAt = -1;
  let known = 1;
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i];
    if (typeof d !== 'number' || !Number.isInteger(d))
      throw typeError(op, `shape must hold integers, got [${shape.join(', ')}]`);
    if (d === -1) {
      if (inferAt >= 0) throw rangeError(op, `only one size may be -1, got shape [${shape.join(', ')}]`);
      inferAt = i;
    } else if (d < 0) {
      throw rangeError(op, `sizes must be >= 0 or -1, got shape [${shape.join(', ')}]`);
    } else {
      known *= d;
    }
  }
  const out = (shape as number[]).slice();
  const fits = `x of shape ${formatShape(x.shape)} (${x.size} elements)`;
  if (inferAt >= 0) {
    // With 0 known elements the -1 could be anything, so PyTorch refuses too.
    if (known === 0 || x.size % known !== 0) {
      throw shapeError(op, `shape ${formatShape(out)} cannot hold ${fits}`);
    }
    out[inferAt] = x.size / known;
  } else if (known !== x.size) {
    throw shapeError(op, `shape ${formatShape(out)} (${known} elements) does not fit ${fits}`);
  }
  return out;
}

/**
 * Strides that let `newShape` read the same elements as `shape`/`strides` in row-major order,
 * or null when that needs a copy. PyTorch's `computeStride`: the old axes split into runs that
 * are contiguous with each other, and every run must be tiled exactly by whole new axes.
 */
function viewStrides(shape: Shape, strides: Shape, newShape: Shape): number[] | null {
  const size = sizeOf(shape);
  if (size === 0 || shape.length === 0) return contiguousStrides(newShape);
  const out = new Array<number>(newShape.length);
  let viewD = newShape.length - 1;
  let chunkBase = strides[shape.length - 1]!;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d]!;
    const runEnds = d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase);
    if (!runEnds) continue;
    while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
      out[viewD] = viewNumel * chunkBase;
      viewNumel *= newShape[viewD]!;
      viewD--;
    }
    if (viewNumel !== tensorNumel) return null;
    if (d > 0) {
      chunkBase = strides[d - 1]!;
      tensorNumel = 1;
      viewNumel = 1;
    }
  }
  return viewD === -1 ? out : null;
}

/**
 * The same elements in a new shape; one size may be `-1` (inferred). A view sharing `x.data`
 * whenever the layout allows (always for contiguous `x`), otherwise a contiguous copy.
 *
 * @param x     any shape, `size` elements
 * @param shape sizes with product `size` (one may be `-1`)
 * @returns `shape`
 * @throws ShapeError if `shape` cannot hold `size` elements
 * @example reshape(arange(6), [2, -1]).shape // [2, 3]
 */
export function reshape(x: Tensor, shape: Shape): Tensor {
  checkTensor('reshape', x);
  const target = inferShape('reshape', shape, x);
  const strides = viewStrides(x.shape, x.strides, target);
  if (strides) return new Tensor(x.data, target, strides, x.offset);
  return new Tensor(x.toTypedArray(), target);
}

/**
 * Like `reshape` but never copies: the result always shares `x.data`.
 * @returns `shape`
 * @throws ShapeError if `shape` does not fit, or `x`'s strides cannot be re-read as `shape`
 *   (e.g. a transposed matrix flattened); call `reshape` or `contiguous` first
 */
export function view(x: Tensor, shape: Shape): Tensor {
  checkTensor('view', x);
  const target = inferShape('view', shape, x);
  const strides = viewStrides(x.shape, x.strides, target);
  if (!strides) {
    throw shapeError(
      'view',
      `x of shape ${formatShape(x.shape)} with strides ${formatShape(x.strides)} cannot be ` +
        `viewed as ${formatShape(target)} without a copy; use reshape`,
    );
  }
  return new Tensor(x.data, target, strides, x.offset);
}

/**
 * Merges axes `startDim..endDim` (inclusive) into one. A 0-d tensor becomes `[1]`.
 * @example flatten(zeros([2, 3, 4, 5]), 1).shape // [2, 60]
 */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  checkTensor('flatten', x);
  if (x.ndim === 0) {
    normalizeAxis('flatten', startDim, 0, 'startDim');
    normalizeAxis('flatten', endDim, 0, 'endDim');
    return reshape(x, [1]);
  }
  const start = normalizeAxis('flatten', startDim, x.ndim, 'startDim');
  const end = normalizeAxis('flatten', endDim, x.ndim, 'endDim');
  if (start > end) {
    throw rangeError(
      'flatten',
      `startDim=${startDim} comes after endDim=${endDim} for a tensor of shape ${formatShape(x.shape)}`,
    );
  }
  const merged = sizeOf(x.shape.slice(start, end + 1));
  return reshape(x, [...x.shape.slice(0, start), merged, ...x.shape.slice(end + 1)]);
}

/**
 * Reorders the axes: output axis `i` is input axis `dims[i]`. A view.
 * @param dims a permutation of `0..ndim-1` (negative axes allowed)
 * @example permute(zeros([2, 3, 4]), [2, 0, 1]).shape // [4, 2, 3]
 */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  checkTensor('permute', x);
  if (!Array.isArray(dims)) throw typeError('permute', `dims must be an array of axes, got ${describeValue(dims)}`);
  if (dims.length !== x.ndim) {
    throw shapeError(
      'permute',
      `dims [${dims.join(', ')}] has ${dims.length} entries for x of shape ${formatShape(x.shape)}`,
    );
  }
  const axes = normalizeAxes('permute', dims, x.ndim, 'dims');
  return new Tensor(
    x.data,
    axes.map((a) => x.shape[a]!),
    axes.map((a) => x.strides[a]!),
    x.offset,
  );
}

/** Swaps two axes. A view. @example transpose(zeros([2, 3, 4]), 0, -1).shape // [4, 3, 2] */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  checkTensor('transpose', x);
  const a = normalizeAxis('transpose', dim0, x.ndim, 'dim0');
  const b = normalizeAxis('transpose', dim1, x.ndim, 'dim1');
  if (x.ndim === 0) return x;
  const shape = x.shape.slice();
  const strides = x.strides.slice();
  [shape[a], shape[b]] = [shape[b]!, shape[a]!];
  [strides[a], strides[b]] = [strides[b]!, strides[a]!];
  return new Tensor(x.data, shape, strides, x.offset);
}

/**
 * Broadcasts `x` to `shape` without copying: size-1 axes repeat via stride 0, and new axes may be
 * added in front. `-1` keeps an existing axis's size.
 * @param shape at least `x.ndim` sizes; aligned with `x.shape` at the right
 * @throws ShapeError if an axis of `x` is neither 1 nor the requested size
 * @example expand(zeros([3, 1]), [2, -1, 4]).shape // [2, 3, 4]
 */
export function expand(x: Tensor, shape: Shape): Tensor {
  const op = 'expand';
  checkTensor(op, x);
  if (!Array.isArray(shape)) throw typeError(op, `shape must be an array of sizes, got ${describeValue(shape)}`);
  const ndim = shape.length;
  const lead = ndim - x.ndim;
  if (lead < 0) {
    throw shapeError(op, `shape ${formatShape(shape)} has fewer axes than x of shape ${formatShape(x.shape)}`);
  }
  const outShape = new Array<number>(ndim);
  const strides = new Array<number>(ndim);
  for (let i = 0; i < ndim; i++) {
    const want: unknown = shape[i];
    if (typeof want !== 'number' || !Number.isInteger(want))
      throw typeError(op, `shape must hold integers, got ${formatShape(shape)}`);
    if (i < lead) {
      if (want < 0)
        throw rangeError(op, `new leading axis ${i} must have a size >= 0, got ${want} in shape ${formatShape(shape)}`);
      outShape[i] = want;
      strides[i] = 0;
      continue;
    }
    const have = x.shape[i - lead]!;
    if (want === -1 || want === have) {
      outShape[i] = have;
      strides[i] = x.strides[i - lead]!;
    } else if (want < 0) {
      throw rangeError(op, `sizes must be >= 0 or -1, got shape ${formatShape(shape)}`);
    } else if (have === 1) {
      outShape[i] = want;
      strides[i] = 0;
    } else {
      throw shapeError(
        op,
        `x of shape ${formatShape(x.shape)} cannot expand to ${formatShape(shape)} ` +
          `(axis ${i}: ${have} vs ${want}; only size-1 axes expand)`,
      );
    }
  }
  // Even a view may not claim more elements than a tensor holds: every op that reads it would
  // allocate or index that many. Differs from PyTorch, whose expanded views may be any size.
  checkSize(op, sizeOf(outShape), () => `shape ${formatShape(outShape)}`);
  return new Tensor(x.data, outShape, strides, x.offset);
}

/**
 * Removes size-1 axes: all of them, or only those listed in `dim` (listed axes whose size is
 * not 1 stay, as in PyTorch). A view.
 * @example squeeze(zeros([1, 3, 1])).shape // [3]
 */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  checkTensor('squeeze', x);
  let drop: Set<number>;
  if (dim === undefined) {
    drop = new Set(x.shape.flatMap((d, i) => (d === 1 ? [i] : [])));
  } else {
    if (typeof dim !== 'number' && !Array.isArray(dim))
      throw typeError('squeeze', `dim must be an integer or an array of integers, got ${describeValue(dim)}`);
    const axes = normalizeAxes('squeeze', typeof dim === 'number' ? [dim] : dim, x.ndim);
    drop = new Set(axes.filter((a) => x.ndim > 0 && x.shape[a] === 1));
  }
  const shape: number[] = [];
  const strides: number[] = [];
  for (let i = 0; i < x.ndim; i++) {
    if (drop.has(i)) continue;
    shape.push(x.shape[i]!);
    strides.push(x.strides[i]!);
  }
  return new Tensor(x.data, shape, strides, x.offset);
}

/**
 * Inserts a size-1 axis at position `dim` of the result (`-1` appends). A view.
 * @param dim in `[-(ndim + 1), ndim]`
 * @example unsqueeze(zeros([2, 3]), 1).shape // [2, 1, 3]
 */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  checkTensor('unsqueeze', x);
  const at = normalizeAxis('unsqueeze', dim, x.ndim + 1);
  const shape = x.shape.slice();
  const strides = x.strides.slice();
  // Any stride works on a size-1 axis; this one keeps contiguous tensors recognisably contiguous.
  const stride = at < x.ndim ? x.shape[at]! * x.strides[at]! : 1;
  shape.splice(at, 0, 1);
  strides.splice(at, 0, stride);
  return new Tensor(x.data, shape, strides, x.offset);
}

/**
 * `length` items of axis `dim` from `start` (negative `start` counts from the end). A view.
 * @returns `x.shape` with `shape[dim] = length`
 * @throws RangeError if `start + length` runs past the axis
 */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const op = 'narrow';
  checkTensor(op, x);
  if (x.ndim === 0) throw shapeError(op, 'x must have at least one axis, got shape []');
  const axis = normalizeAxis(op, dim, x.ndim);
  const n = x.shape[axis]!;
  checkInt(op, start, 'start');
  checkInt(op, length, 'length', 0);
  if (start < -n || start > n) throw rangeError(op, `start=${start} is out of range for dim=${dim} of size ${n}`);
  const from = start < 0 ? start + n : start;
  if (from + length > n) {
    throw rangeError(
      op,
      `start=${start} + length=${length} runs past dim=${dim} of size ${n} (x is ${formatShape(x.shape)})`,
    );
  }
  const shape = x.shape.slice();
  shape[axis] = length;
  return new Tensor(x.data, shape, x.strides, x.offset + from * x.strides[axis]!);
}

/**
 * Python's `x[..., start:end:step, ...]` on axis `dim`: negative bounds count from the end and
 * bounds past the ends are clamped. A view.
 * @param step a positive integer (as in PyTorch)
 * @returns `x.shape` with `shape[dim] = max(0, ceil((end − start) / step))` after clamping
 * @example slice(arange(10), 0, -3).toArray() // [7, 8, 9]
 */
export function slice(x: Tensor, dim: number, start = 0, end?: number, step = 1): Tensor {
  const op = 'slice';
  checkTensor(op, x);
  if (x.ndim === 0) throw shapeError(op, 'x must have at least one axis, got shape []');
  const axis = normalizeAxis(op, dim, x.ndim);
  const n = x.shape[axis]!;
  checkInt(op, start, 'start');
  if (end !== undefined) checkInt(op, end, 'end');
  checkInt(op, step, 'step');
  if (step <= 0) throw rangeError(op, `step must be > 0, got step=${step}`);
  const clampBound = (b: number) => Math.min(Math.max(b < 0 ? b + n : b, 0), n);
  const from = clampBound(start);
  const to = end === undefined ? n : clampBound(end);
  const length = Math.max(0, Math.ceil((to - from) / step));
  const shape = x.shape.slice();
  const strides = x.strides.slice();
  shape[axis] = length;
  strides[axis] = x.strides[axis]! * step;
  return new Tensor(x.data, shape, strides, x.offset + (length > 0 ? from * x.strides[axis]! : 0));
}

/**
 * `x` itself when its elements already fill `x.data` in row-major order from index 0;
 * otherwise a packed copy that owns its storage.
 */
export function contiguous(x: Tensor): Tensor {
  checkTensor('contiguous', x);
  if (x.isContiguous() && x.offset === 0 && x.data.length === x.size) return x;
  return new Tensor(x.toTypedArray(), x.shape);
}

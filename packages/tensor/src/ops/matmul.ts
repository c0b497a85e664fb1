import { checkSize, checkTensor } from '../check.js';
import { arrayFor, promoteTypes, type DType } from '../dtype.js';
import { shapeError } from '../errors.js';
import type { GemmArray } from '../kernels/seam.js';
import { getGemm } from '../kernels/backend.js';
import { formatShape, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { cast } from './elementwise.js';

/**
 * Matrix product with `torch.matmul` semantics:
 * - `a: [k]`, `b: [k]` → `[]` (dot product)
 * - `a: [m, k]`, `b: [k, n]` → `[m, n]`
 * - `a: [k]` is read as `[1, k]` and `b: [k]` as `[k, 1]`; the added axis is dropped from the result
 * - `a: [...batchA, m, k]`, `b: [...batchB, k, n]` → `[...broadcast(batchA, batchB), m, n]`
 *
 * Runs on the GEMM chosen by `setGemm`. A transposed operand (matrix strides `[1, ld]`, e.g.
 * `transpose(w, 0, 1)`) goes to the kernel as a transpose flag, not a copy; broadcast (stride-0) batch
 * axes are never materialised; only other layouts are packed first.
 *
 * @param a  `[..., m, k]` or `[k]`
 * @param b  `[..., k, n]` or `[k]`
 * @returns dtype promoted from a and b. int32 × int32 is computed in float64 and stored as int32
 *   (exact while every partial sum stays below 2^53; beyond 2^31 it wraps, as torch's int32 does).
 * @throws ShapeError for a 0-d operand, differing inner dimensions, or batch axes that do not broadcast
 * @throws TypeError if an operand is not a Tensor
 * @example matmul(ones([2, 3]), ones([3, 4])).shape // [2, 4]
 * @example matmul(ones([5, 1, 2, 3]), ones([4, 3, 6])).shape // [5, 4, 2, 6]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const op = 'matmul';
  checkTensor(op, a, 'a');
  checkTensor(op, b, 'b');
  if (a.ndim === 0 || b.ndim === 0) {
    throw shapeError(
      op,
      `both operands must be at least 1-D, but ${a.ndim === 0 ? 'a' : 'b'} is 0-d; ` +
        `a is ${formatShape(a.shape)}, b is ${formatShape(b.shape)}`,
    );
  }
  const k = a.shape[a.ndim - 1]!;
  const kB = b.ndim === 1 ? b.shape[0]! : b.shape[b.ndim - 2]!;
  if (k !== kB)
    throw shapeError(op, `inner dimensions differ: a is ${formatShape(a.shape)}, b is ${formatShape(b.shape)}`);
  const batchA = a.shape.slice(0, Math.max(0, a.ndim - 2));
  const batchB = b.shape.slice(0, Math.max(0, b.ndim - 2));
  const batch = broadcastBatch(a, b, batchA, batchB);
  const m = a.ndim === 1 ? 1 : a.shape[a.ndim - 2]!;
  const n = b.ndim === 1 ? 1 : b.shape[b.ndim - 1]!;
  const outShape = [...batch, ...(a.ndim > 1 ? [m] : []), ...(b.ndim > 1 ? [n] : [])];

  const dtype = promoteTypes(a.dtype, b.dtype);
  // The GEMM works on floats; integers ride in float64, which is exact for int32 products.
  const work: DType = dtype === 'int32' ? 'float64' : dtype;
  checkSize(
    'matmul',
    sizeOf(outShape),
    () => `the product of ${formatShape(a.shape)} and ${formatShape(b.shape)}, ${formatShape(outShape)},`,
  );
  const out = arrayFor(work, sizeOf(outShape)) as GemmArray;
  if (out.length > 0) {
    const left = asMatrices(a.dtype === work ? a : cast(a, work), 'left');
    const right = asMatrices(b.dtype === work ? b : cast(b, work), 'right');
    multiplyBatches(left, right, batch, m, n, k, out);
  }
  if (dtype === 'int32') return new Tensor(Int32Array.from(out), outShape);
  return new Tensor(out, outShape);
}

/** An operand seen as a stack of `[rows, cols]` matrices the GEMM can read in place. */
interface Matrices {
  data: GemmArray;
  offset: number;
  /** The operand's own batch axes (before the matrix axes) and their strides. */
  batchShape: readonly number[];
  batchStrides: readonly number[];
  /** Storage step between rows (used to fold a batch into one tall matrix). */
  rowStride: number;
  /** Transposed storage: element (i, p) at `i + p·ld` instead of `i·ld + p`. */
  trans: boolean;
  ld: number;
}

/**
 * Reads `t` as matrices, promoting a 1-D left operand to a row `[1, k]` and a 1-D right one to a
 * column `[k, 1]`. Packs a contiguous copy only when neither rows nor columns are unit-stride.
 */
function asMatrices(t: Tensor, side: 'left' | 'right'): Matrices {
  if (t.ndim === 1) {
    const len = t.shape[0]!;
    const s = t.strides[0]!;
    // A vector is one row (left) or one column (right); its stride is the step along k.
    if (side === 'left') return matrices(t, [], [], 1, len, 0, s);
    return matrices(t, [], [], len, 1, s, 0);
  }
  const r = t.ndim - 2;
  const batchShape = t.shape.slice(0, r);
  const batchStrides = t.strides.slice(0, r);
  return matrices(t, batchShape, batchStrides, t.shape[r]!, t.shape[r + 1]!, t.strides[r]!, t.strides[r + 1]!);
}

function matrices(
  t: Tensor,
  batchShape: readonly number[],
  batchStrides: readonly number[],
  rows: number,
  cols: number,
  rowStride: number,
  colStride: number,
): Matrices {
  const data = t.data as GemmArray;
  // A unit axis's stride is meaningless, so a single row or column fits either layout.
  if (colStride === 1 || cols === 1) {
    return {
      data,
      offset: t.offset,
      batchShape,
      batchStrides,
      rowStride,
      trans: false,
      ld: rows === 1 ? cols : rowStride,
    };
  }
  if (rowStride === 1 || rows === 1) {
    return { data, offset: t.offset, batchShape, batchStrides, rowStride, trans: true, ld: colStride };
  }
  // Neither axis is unit-stride (e.g. a strided slice): pack once, then every batch reads in place.
  const packed = new Tensor(t.toTypedArray(), t.shape);
  const strides = packed.strides;
  const r = packed.ndim - 2;
  return {
    data: packed.data as GemmArray,
    offset: 0,
    batchShape,
    batchStrides: strides.slice(0, r),
    rowStride: cols,
    trans: false,
    ld: cols,
  };
}

/** Runs one GEMM per output batch entry, or a single one when the batch folds into the rows of `a`. */
function multiplyBatches(
  left: Matrices,
  right: Matrices,
  batch: readonly number[],
  m: number,
  n: number,
  k: number,
  out: GemmArray,
): void {
  const kernel = getGemm();
  const count = sizeOf(batch);
  const stridesA = alignStrides(left, batch);
  const stridesB = alignStrides(right, batch);
  // A single right matrix against a stack of row-major left matrices laid end to end (e.g. x [N, L, k]
  // times a weight [k, n]) is one tall GEMM: [count·m, k] · [k, n] fills `out` in its own order.
  if (count > 1 && stridesB.every((s) => s === 0)) {
    const ld = foldedRowStride(left, batch, stridesA, m);
    if (ld !== null) {
      kernel.gemm(
        false,
        right.trans,
        count * m,
        n,
        k,
        1,
        left.data,
        left.offset,
        ld,
        right.data,
        right.offset,
        right.ld,
        0,
        out,
        0,
        n,
      );
      return;
    }
  }
  const ndim = batch.length;
  const counter = new Array<number>(ndim).fill(0);
  let offA = left.offset;
  let offB = right.offset;
  for (let i = 0; i < count; i++) {
    kernel.gemm(
      left.trans,
      right.trans,
      m,
      n,
      k,
      1,
      left.data,
      offA,
      left.ld,
      right.data,
      offB,
      right.ld,
      0,
      out,
      i * m * n,
      n,
    );
    for (let d = ndim - 1; d >= 0; d--) {
      counter[d]!++;
      offA += stridesA[d]!;
      offB += stridesB[d]!;
      if (counter[d]! < batch[d]!) break;
      offA -= counter[d]! * stridesA[d]!;
      offB -= counter[d]! * stridesB[d]!;
      counter[d] = 0;
    }
  }
}

/** The operand's batch strides aligned to the output batch, 0 where it is broadcast. */
function alignStrides(mats: Matrices, batch: readonly number[]): number[] {
  const lead = batch.length - mats.batchShape.length;
  return batch.map((_, d) => (d < lead || mats.batchShape[d - lead] === 1 ? 0 : mats.batchStrides[d - lead]!));
}

/**
 * The row stride of `left` read as one `[count·m, k]` matrix, or null when its batch axes and rows
 * are not evenly spaced (or it is stored transposed).
 */
function foldedRowStride(
  left: Matrices,
  batch: readonly number[],
  strides: readonly number[],
  m: number,
): number | null {
  if (left.trans) return null;
  // Walk from the row axis outwards over axes longer than 1; each must step over all rows inside it.
  let ld = -1;
  let span = 0;
  const step = (size: number, stride: number): boolean => {
    if (size === 1) return true;
    if (ld < 0) {
      ld = stride;
      span = size;
      return true;
    }
    if (stride !== ld * span) return false;
    span *= size;
    return true;
  };
  if (!step(m, left.rowStride)) return null;
  for (let d = batch.length - 1; d >= 0; d--) if (!step(batch[d]!, strides[d]!)) return null;
  return ld < 0 ? left.ld : ld;
}

function broadcastBatch(a: Tensor, b: Tensor, batchA: readonly number[], batchB: readonly number[]): number[] {
  const ndim = Math.max(batchA.length, batchB.length);
  const out = new Array<number>(ndim);
  for (let i = 0; i < ndim; i++) {
    const da = batchA[batchA.length - ndim + i] ?? 1;
    const db = batchB[batchB.length - ndim + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw shapeError(
        'matmul',
        `batch dimensions do not broadcast: a is ${formatShape(a.shape)}, b is ${formatShape(b.shape)} ` +
          `(batch ${formatShape(batchA)} vs ${formatShape(batchB)})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

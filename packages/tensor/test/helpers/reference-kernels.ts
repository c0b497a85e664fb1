// Slow, obvious references for the kernels: the oracles the fast paths are tested against.
import { Generator, Tensor, type ConvGeometry } from '@torchlet/tensor';

type Numeric = Float32Array | Float64Array | Int32Array | number[];

/** Textbook triple loop, `C = alpha·op(A)·op(B) + beta·C`, row-major BLAS layout; beta = 0 ignores C. */
export function naiveGemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Numeric,
  aOffset: number,
  lda: number,
  b: Numeric,
  bOffset: number,
  ldb: number,
  beta: number,
  c: Numeric,
  cOffset: number,
  ldc: number,
): void {
  const A = (i: number, p: number) => a[aOffset + (transA ? p * lda + i : i * lda + p)]!;
  const B = (p: number, j: number) => b[bOffset + (transB ? j * ldb + p : p * ldb + j)]!;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += A(i, p) * B(p, j);
      const at = cOffset + i * ldc + j;
      c[at] = beta === 0 ? alpha * sum : alpha * sum + beta * c[at]!;
    }
  }
}

/** A dense row-major result: what a reference returns and what fast results are compared as. */
export interface Dense {
  shape: number[];
  data: number[];
}

/** The elements of any tensor (any strides) in row-major order, read one by one through `get`. */
export function denseOf(t: Tensor): Dense {
  const shape = t.shape.slice();
  const data: number[] = [];
  const index = new Array<number>(shape.length).fill(0);
  const size = shape.reduce((p, d) => p * d, 1);
  for (let e = 0; e < size; e++) {
    data.push(t.get(...index));
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d]! < shape[d]!) break;
      index[d] = 0;
    }
  }
  return { shape, data };
}

/**
 * torch.matmul by definition, element by element in float64: 1-D operands promoted and the added
 * axis removed, batch axes broadcast from the right.
 */
export function naiveMatmul(a: Tensor, b: Tensor): Dense {
  const aShape = a.ndim === 1 ? [1, a.shape[0]!] : a.shape.slice();
  const bShape = b.ndim === 1 ? [b.shape[0]!, 1] : b.shape.slice();
  const getA = (idx: number[]) => (a.ndim === 1 ? a.get(idx[idx.length - 1]!) : a.get(...idx));
  const getB = (idx: number[]) => (b.ndim === 1 ? b.get(idx[idx.length - 2]!) : b.get(...idx));
  const batchA = aShape.slice(0, -2);
  const batchB = bShape.slice(0, -2);
  const nb = Math.max(batchA.length, batchB.length);
  const batch: number[] = [];
  for (let i = 0; i < nb; i++) {
    const da = batchA[batchA.length - nb + i] ?? 1;
    const db = batchB[batchB.length - nb + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error('reference: batch does not broadcast');
    batch.push(Math.max(da, db));
  }
  const m = aShape[aShape.length - 2]!;
  const k = aShape[aShape.length - 1]!;
  const n = bShape[bShape.length - 1]!;
  const data: number[] = [];
  const count = batch.reduce((p, d) => p * d, 1);
  const bi = new Array<number>(nb).fill(0);
  for (let e = 0; e < count; e++) {
    // Broadcast: a size-1 (or missing) batch axis always reads index 0.
    const ia = batchA.map((d, i) => (d === 1 ? 0 : bi[nb - batchA.length + i]!));
    const ib = batchB.map((d, i) => (d === 1 ? 0 : bi[nb - batchB.length + i]!));
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) sum += getA([...ia, i, p]) * getB([...ib, p, j]);
        data.push(sum);
      }
    }
    for (let d = nb - 1; d >= 0; d--) {
      if (++bi[d]! < batch[d]!) break;
      bi[d] = 0;
    }
  }
  const shape = [...batch, ...(a.ndim > 1 ? [m] : []), ...(b.ndim > 1 ? [n] : [])];
  return { shape, data };
}

/**
 * im2col of one sample `[C, ...inputSize]` straight from the definition: for every (channel, kernel
 * tap, output position) compute the input index on each axis and read it, or 0 outside the input.
 */
export function naiveIm2col(x: ArrayLike<number>, geom: ConvGeometry): number[] {
  const dims = geom.inputSize.length;
  const taps = listIndices(geom.kernelSize);
  const positions = listIndices(geom.outputSize);
  const out: number[] = [];
  for (let c = 0; c < geom.channels; c++) {
    for (const tap of taps) {
      for (const pos of positions) {
        let flat = c;
        let inside = true;
        for (let d = 0; d < dims; d++) {
          const i = pos[d]! * geom.stride[d]! - geom.padBefore[d]! + tap[d]! * geom.dilation[d]!;
          if (i < 0 || i >= geom.inputSize[d]!) inside = false;
          flat = flat * geom.inputSize[d]! + i;
        }
        out.push(inside ? x[flat]! : 0);
      }
    }
  }
  return out;
}

/** Every index tuple of `shape`, row-major. */
export function listIndices(shape: readonly number[]): number[][] {
  let out: number[][] = [[]];
  for (const d of shape) out = out.flatMap((prefix) => Array.from({ length: d }, (_, i) => [...prefix, i]));
  return out;
}

/** `length` seeded standard normals in a Float64Array (or Float32Array). */
export function seededArray(
  length: number,
  seed: number,
  kind: 'float64' | 'float32' = 'float64',
): Float64Array | Float32Array {
  const g = new Generator(seed);
  const out = kind === 'float64' ? new Float64Array(length) : new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = g.nextNormal();
  return out;
}

/** Σ x·y in float64. */
export function dot(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}

/** Largest |actual − expected| relative to max(1, max |expected|). */
export function maxRelError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  let err = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    err = Math.max(err, Number.isNaN(d) ? Infinity : d);
  }
  return err / scale;
}

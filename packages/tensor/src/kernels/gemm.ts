/**
 * General matrix multiply in plain JS, the one kernel matmul and convolution reduce to, and the JS
 * backend built on it. The layout and the meaning of every argument are `Gemm`'s (seam.ts).
 */

import { rangeError, typeError } from '../errors.js';
import type { Backend, Gemm, GemmArray, GemmBatch } from './seam.js';

// Tile sizes, chosen by measurement on the development machine (Xeon, 48 KiB L1d and 2 MiB L2 per core,
// Node 20, float32, GFLOP/s on 256³ / 64×4096×64, best of several runs on a shared machine):
// - Micro-tile MR×NR = 4×8 (32 accumulators in locals): 5.3–5.5. 4×4 gave 4.8–5.1, 2×8 4.4, 8×8 5.4–5.5
//   (same speed, twice the edge waste), 6×4 and 3×8 fell to 2–3 once their edge tiles were frequent.
//   Scalar JS tops out near 2 flops/cycle, so 4×8 is already close to the ceiling.
// - Packing into Float64Array, even for float32 input: 5.3 vs 4.6 for Float32Array panels (no
//   float→double conversion in the inner loop), and float32 products then accumulate in doubles.
// - KC = 256, MC = 64, NC = 512: 1024³ ran at 5.5–5.6 for every KC in {128, 256, 512}, MC in
//   {64, 128, 256}, NC in {512, 1024, 4096}; this choice keeps one packed B micro-panel (KC·NR doubles =
//   16 KiB) in L1, the packed A block (MC·KC = 128 KiB) and B panel (KC·NC = 1 MiB) in L2.
// Result: 5.6 GFLOP/s on 256³, 5.5 on 1024³, 5.3 on 64×4096×64 (float32 and float64 alike), against
// 1.3, 0.43 and 1.1 for the textbook i-j-p triple loop (4×, 13×, 5×).
const MR = 4;
const NR = 8;
const MC = 64;
const KC = 256;
const NC = 512;

// Packing pays for itself from tiny sizes on (8³ float64: 2.5 GFLOP/s packed vs 1.1 by dot products;
// only 4³ was faster unpacked, 0.76 vs 0.59), so only matrix-vector shapes (m = 1 or n = 1) skip it.

// Packing scratch, grown on demand and reused, so a warmed-up kernel allocates nothing per call.
// The kernel is synchronous and never re-entered, so one set of buffers is enough.
let packedA = new Float64Array(0);
let packedB = new Float64Array(0);
// Accumulator row of `gemv`.
let rowScratch = new Float64Array(64);
// The accumulators of an edge tile go through here before the partial write-back.
const edgeTile = new Float64Array(MR * NR);

/**
 * `gemmBatch` (see seam.ts) as one `gemm` call per product, in order: the batched GEMM of a backend
 * that gains nothing from batches, and the fallback of one that does.
 */
export function gemmEach(gemm: Gemm['gemm']): GemmBatch {
  return (call) => {
    const { transA, transB, m, n, k, alpha, a, aOffset, lda, strideA, b, bOffset, ldb, strideB } = call;
    const { beta, c, cOffset, ldc, strideC, count, chain } = call;
    for (let s = 0; s < count; s++) {
      gemm(
        transA,
        transB,
        m,
        n,
        k,
        alpha,
        a,
        aOffset + s * strideA,
        lda,
        b,
        bOffset + s * strideB,
        ldb,
        chain && s > 0 ? 1 : beta,
        c,
        cOffset + s * strideC,
        ldc,
      );
    }
  };
}

/**
 * `C = alpha·op(A)·op(B) + beta·C` in `Gemm`'s layout (seam.ts); the implementation behind `jsGemm`.
 * @throws TypeError for non-integer sizes, offsets or leading dimensions; RangeError if one is
 *   negative or a matrix would reach past the end of its array
 */
export const gemmJs: Gemm['gemm'] = (
  transA,
  transB,
  m,
  n,
  k,
  alpha,
  a,
  aOffset,
  lda,
  b,
  bOffset,
  ldb,
  beta,
  c,
  cOffset,
  ldc,
) => {
  checkGemmArgs('gemm', transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc);
  if (m === 0 || n === 0) return;
  if (k === 0 || alpha === 0) {
    scaleC(m, n, beta, c, cOffset, ldc);
    return;
  }
  if (m === 1) {
    // C row = A row · op(B)
    gemv(
      n,
      k,
      alpha,
      a,
      aOffset,
      transA ? lda : 1,
      b,
      bOffset,
      transB ? 1 : ldb,
      transB ? ldb : 1,
      beta,
      c,
      cOffset,
      1,
    );
    return;
  }
  if (n === 1) {
    // C column = op(A) · B column, read as (B column)ᵀ · op(A)ᵀ
    gemv(
      m,
      k,
      alpha,
      b,
      bOffset,
      transB ? 1 : ldb,
      a,
      aOffset,
      transA ? lda : 1,
      transA ? 1 : lda,
      beta,
      c,
      cOffset,
      ldc,
    );
    return;
  }
  const needA = roundUp(Math.min(m, MC), MR) * Math.min(k, KC);
  const needB = roundUp(Math.min(n, NC), NR) * Math.min(k, KC);
  if (packedA.length < needA) packedA = new Float64Array(needA);
  if (packedB.length < needB) packedB = new Float64Array(needB);
  const ap = packedA;
  const bp = packedB;

  // GotoBLAS loop order: a KC×NC panel of B stays packed while every MC×KC block of A streams past it.
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      // Later K blocks add onto what the first one wrote, so beta applies exactly once.
      const betaBlock = pc === 0 ? beta : 1;
      if (transB) packBTrans(b, bOffset + jc * ldb + pc, ldb, kc, nc, bp);
      else packB(b, bOffset + pc * ldb + jc, ldb, kc, nc, bp);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        if (transA) packATrans(a, aOffset + pc * lda + ic, lda, kc, mc, ap);
        else packA(a, aOffset + ic * lda + pc, lda, kc, mc, ap);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = Math.min(NR, nc - jr);
          const cCol = cOffset + jc + jr;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = Math.min(MR, mc - ir);
            microKernel(kc, ap, ir * kc, bp, jr * kc, alpha, betaBlock, c, cCol + (ic + ir) * ldc, ldc, mr, nr);
          }
        }
      }
    }
  }
};

/** The cache-blocked, register-tiled JavaScript GEMM: the backend that is always there, with no optional capabilities. */
export const jsGemm: Backend = {
  name: 'js',
  threads: 1,
  gemm: gemmJs,
  gemmBatch: gemmEach(gemmJs),
  prefersBatches: () => false,
};

/**
 * O(1) argument checks any Gemm implementation can share: sizes, offsets and leading dimensions are
 * non-negative integers, and every element of op(A), op(B) and C lies inside its array (an
 * out-of-range read would otherwise turn into a silent NaN, an out-of-range write into nothing).
 */
export function checkGemmArgs(
  op: string,
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: GemmArray,
  aOffset: number,
  lda: number,
  b: GemmArray,
  bOffset: number,
  ldb: number,
  c: GemmArray,
  cOffset: number,
  ldc: number,
): void {
  checkIndex(op, 'm', m);
  checkIndex(op, 'n', n);
  checkIndex(op, 'k', k);
  checkIndex(op, 'aOffset', aOffset);
  checkIndex(op, 'lda', lda);
  checkIndex(op, 'bOffset', bOffset);
  checkIndex(op, 'ldb', ldb);
  checkIndex(op, 'cOffset', cOffset);
  checkIndex(op, 'ldc', ldc);
  if (m === 0 || n === 0) return;
  // Stored shapes: A is [m, k] ([k, m] when transposed), B is [k, n] ([n, k]), C is [m, n].
  const aLast = lastIndex(aOffset, transA ? k : m, transA ? m : k, lda);
  if (aLast >= a.length) {
    throw rangeError(
      op,
      `a holds ${a.length} elements, but op(A) [${m}, ${k}] with transA=${transA}, lda=${lda}, aOffset=${aOffset} reads up to index ${aLast}`,
    );
  }
  const bLast = lastIndex(bOffset, transB ? n : k, transB ? k : n, ldb);
  if (bLast >= b.length) {
    throw rangeError(
      op,
      `b holds ${b.length} elements, but op(B) [${k}, ${n}] with transB=${transB}, ldb=${ldb}, bOffset=${bOffset} reads up to index ${bLast}`,
    );
  }
  const cLast = lastIndex(cOffset, m, n, ldc);
  if (cLast >= c.length) {
    throw rangeError(
      op,
      `c holds ${c.length} elements, but C [${m}, ${n}] with ldc=${ldc}, cOffset=${cOffset} reaches index ${cLast}`,
    );
  }
}

function checkIndex(op: string, name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw typeError(op, `${name} must be an integer, got ${String(v)}`);
  if (v < 0) throw rangeError(op, `${name} must be >= 0, got ${v}`);
}

/** The last storage index of a stored `[rows, cols]` matrix, or -1 when it is empty. */
function lastIndex(offset: number, rows: number, cols: number, ld: number): number {
  return rows === 0 || cols === 0 ? -1 : offset + (rows - 1) * ld + cols - 1;
}

function roundUp(x: number, multiple: number): number {
  return Math.ceil(x / multiple) * multiple;
}

/** `C = beta·C`, where `beta = 0` writes zeros without reading C. */
function scaleC(m: number, n: number, beta: number, c: GemmArray, cOffset: number, ldc: number): void {
  if (beta === 1) return;
  for (let i = 0; i < m; i++) {
    const row = cOffset + i * ldc;
    if (beta === 0) c.fill(0, row, row + n);
    else for (let j = 0; j < n; j++) c[row + j] = beta * c[row + j]!;
  }
}

/**
 * A matrix-vector product (m = 1 or n = 1), where packing would cost as much as the arithmetic:
 * `out(t) = alpha·Σp x(p)·M(p, t) + beta·out(t)` for t < len, with x(p) = x[xOffset + p·xStride],
 * M(p, t) = mat[mOffset + p·mRow + t·mCol] and out(t) = c[cOffset + t·cStride].
 */
function gemv(
  len: number,
  k: number,
  alpha: number,
  x: GemmArray,
  xOffset: number,
  xStride: number,
  mat: GemmArray,
  mOffset: number,
  mRow: number,
  mCol: number,
  beta: number,
  c: GemmArray,
  cOffset: number,
  cStride: number,
): void {
  if (mCol === 1) {
    // Rows of M are contiguous: add whole rows (axpy) into a double accumulator, one pass over M.
    if (rowScratch.length < len) rowScratch = new Float64Array(Math.max(len, 2 * rowScratch.length));
    const acc = rowScratch;
    acc.fill(0, 0, len);
    for (let p = 0; p < k; p++) {
      const xp = x[xOffset + p * xStride]!;
      const row = mOffset + p * mRow;
      for (let t = 0; t < len; t++) acc[t]! += xp * mat[row + t]!;
    }
    for (let t = 0, at = cOffset; t < len; t++, at += cStride) {
      c[at] = beta === 0 ? alpha * acc[t]! : beta * c[at]! + alpha * acc[t]!;
    }
    return;
  }
  // Columns of M are contiguous (or neither is): one dot product per output.
  for (let t = 0, at = cOffset; t < len; t++, at += cStride) {
    let sum = 0;
    let mi = mOffset + t * mCol;
    let xi = xOffset;
    for (let p = 0; p < k; p++) {
      sum += x[xi]! * mat[mi]!;
      xi += xStride;
      mi += mRow;
    }
    c[at] = beta === 0 ? alpha * sum : beta * c[at]! + alpha * sum;
  }
}

// Packing. A block [mc, kc] becomes strips of MR rows, each stored p-major (`ap[strip·kc·MR + p·MR + i]`),
// so the micro-kernel reads MR consecutive values per step; rows past mc are zero. B panel [kc, nc]
// becomes strips of NR columns (`bp[strip·kc·NR + p·NR + j]`), zero past nc.

function packA(a: GemmArray, start: number, lda: number, kc: number, mc: number, ap: Float64Array): void {
  let q = 0;
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const mr = Math.min(MR, mc - i0);
    const r0 = start + i0 * lda;
    if (mr === MR) {
      const r1 = r0 + lda;
      const r2 = r1 + lda;
      const r3 = r2 + lda;
      for (let p = 0; p < kc; p++, q += MR) {
        ap[q] = a[r0 + p]!;
        ap[q + 1] = a[r1 + p]!;
        ap[q + 2] = a[r2 + p]!;
        ap[q + 3] = a[r3 + p]!;
      }
    } else {
      for (let p = 0; p < kc; p++, q += MR) {
        let i = 0;
        for (; i < mr; i++) ap[q + i] = a[r0 + i * lda + p]!;
        for (; i < MR; i++) ap[q + i] = 0;
      }
    }
  }
}

/** As `packA` for A stored `[k, m]`: op(A)(i, p) = a[start + p·lda + i], so each step reads a row run. */
function packATrans(a: GemmArray, start: number, lda: number, kc: number, mc: number, ap: Float64Array): void {
  let q = 0;
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const mr = Math.min(MR, mc - i0);
    for (let p = 0, src = start + i0; p < kc; p++, q += MR, src += lda) {
      if (mr === MR) {
        ap[q] = a[src]!;
        ap[q + 1] = a[src + 1]!;
        ap[q + 2] = a[src + 2]!;
        ap[q + 3] = a[src + 3]!;
      } else {
        let i = 0;
        for (; i < mr; i++) ap[q + i] = a[src + i]!;
        for (; i < MR; i++) ap[q + i] = 0;
      }
    }
  }
}

function packB(b: GemmArray, start: number, ldb: number, kc: number, nc: number, bp: Float64Array): void {
  let q = 0;
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const nr = Math.min(NR, nc - j0);
    for (let p = 0, src = start + j0; p < kc; p++, q += NR, src += ldb) {
      if (nr === NR) {
        bp[q] = b[src]!;
        bp[q + 1] = b[src + 1]!;
        bp[q + 2] = b[src + 2]!;
        bp[q + 3] = b[src + 3]!;
        bp[q + 4] = b[src + 4]!;
        bp[q + 5] = b[src + 5]!;
        bp[q + 6] = b[src + 6]!;
        bp[q + 7] = b[src + 7]!;
      } else {
        let j = 0;
        for (; j < nr; j++) bp[q + j] = b[src + j]!;
        for (; j < NR; j++) bp[q + j] = 0;
      }
    }
  }
}

/** As `packB` for B stored `[n, k]`: op(B)(p, j) = b[start + j·ldb + p]; each column is a row run. */
function packBTrans(b: GemmArray, start: number, ldb: number, kc: number, nc: number, bp: Float64Array): void {
  let q = 0;
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const nr = Math.min(NR, nc - j0);
    let j = 0;
    for (; j < nr; j++) {
      const src = start + (j0 + j) * ldb;
      for (let p = 0; p < kc; p++) bp[q + p * NR + j] = b[src + p]!;
    }
    for (; j < NR; j++) for (let p = 0; p < kc; p++) bp[q + p * NR + j] = 0;
    q += kc * NR;
  }
}

/**
 * One MR×NR (4×8) tile of C from a packed A strip and B strip: 32 accumulators in locals, so the
 * inner loop does 12 loads for 32 multiply-adds. Writes only the `mr × nr` corner that exists.
 */
function microKernel(
  kc: number,
  ap: Float64Array,
  ai: number,
  bp: Float64Array,
  bi: number,
  alpha: number,
  beta: number,
  c: GemmArray,
  co: number,
  ldc: number,
  mr: number,
  nr: number,
): void {
  let c00 = 0,
    c01 = 0,
    c02 = 0,
    c03 = 0,
    c04 = 0,
    c05 = 0,
    c06 = 0,
    c07 = 0;
  let c10 = 0,
    c11 = 0,
    c12 = 0,
    c13 = 0,
    c14 = 0,
    c15 = 0,
    c16 = 0,
    c17 = 0;
  let c20 = 0,
    c21 = 0,
    c22 = 0,
    c23 = 0,
    c24 = 0,
    c25 = 0,
    c26 = 0,
    c27 = 0;
  let c30 = 0,
    c31 = 0,
    c32 = 0,
    c33 = 0,
    c34 = 0,
    c35 = 0,
    c36 = 0,
    c37 = 0;
  // The pointer bumps stay in the body: in the for-header (`p++, ai += 4, bi += 8`) V8 ran this loop
  // 15% slower (4.8 vs 5.6 GFLOP/s on 256³).
  for (let p = 0; p < kc; p++) {
    const a0 = ap[ai]!,
      a1 = ap[ai + 1]!,
      a2 = ap[ai + 2]!,
      a3 = ap[ai + 3]!;
    const b0 = bp[bi]!,
      b1 = bp[bi + 1]!,
      b2 = bp[bi + 2]!,
      b3 = bp[bi + 3]!;
    const b4 = bp[bi + 4]!,
      b5 = bp[bi + 5]!,
      b6 = bp[bi + 6]!,
      b7 = bp[bi + 7]!;
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    c04 += a0 * b4;
    c05 += a0 * b5;
    c06 += a0 * b6;
    c07 += a0 * b7;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    c14 += a1 * b4;
    c15 += a1 * b5;
    c16 += a1 * b6;
    c17 += a1 * b7;
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3;
    c24 += a2 * b4;
    c25 += a2 * b5;
    c26 += a2 * b6;
    c27 += a2 * b7;
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3;
    c34 += a3 * b4;
    c35 += a3 * b5;
    c36 += a3 * b6;
    c37 += a3 * b7;
    ai += 4;
    bi += 8;
  }
  if (mr === MR && nr === NR) {
    const r0 = co,
      r1 = co + ldc,
      r2 = r1 + ldc,
      r3 = r2 + ldc;
    if (beta === 0) {
      c[r0] = alpha * c00;
      c[r0 + 1] = alpha * c01;
      c[r0 + 2] = alpha * c02;
      c[r0 + 3] = alpha * c03;
      c[r0 + 4] = alpha * c04;
      c[r0 + 5] = alpha * c05;
      c[r0 + 6] = alpha * c06;
      c[r0 + 7] = alpha * c07;
      c[r1] = alpha * c10;
      c[r1 + 1] = alpha * c11;
      c[r1 + 2] = alpha * c12;
      c[r1 + 3] = alpha * c13;
      c[r1 + 4] = alpha * c14;
      c[r1 + 5] = alpha * c15;
      c[r1 + 6] = alpha * c16;
      c[r1 + 7] = alpha * c17;
      c[r2] = alpha * c20;
      c[r2 + 1] = alpha * c21;
      c[r2 + 2] = alpha * c22;
      c[r2 + 3] = alpha * c23;
      c[r2 + 4] = alpha * c24;
      c[r2 + 5] = alpha * c25;
      c[r2 + 6] = alpha * c26;
      c[r2 + 7] = alpha * c27;
      c[r3] = alpha * c30;
      c[r3 + 1] = alpha * c31;
      c[r3 + 2] = alpha * c32;
      c[r3 + 3] = alpha * c33;
      c[r3 + 4] = alpha * c34;
      c[r3 + 5] = alpha * c35;
      c[r3 + 6] = alpha * c36;
      c[r3 + 7] = alpha * c37;
    } else {
      c[r0] = beta * c[r0]! + alpha * c00;
      c[r0 + 1] = beta * c[r0 + 1]! + alpha * c01;
      c[r0 + 2] = beta * c[r0 + 2]! + alpha * c02;
      c[r0 + 3] = beta * c[r0 + 3]! + alpha * c03;
      c[r0 + 4] = beta * c[r0 + 4]! + alpha * c04;
      c[r0 + 5] = beta * c[r0 + 5]! + alpha * c05;
      c[r0 + 6] = beta * c[r0 + 6]! + alpha * c06;
      c[r0 + 7] = beta * c[r0 + 7]! + alpha * c07;
      c[r1] = beta * c[r1]! + alpha * c10;
      c[r1 + 1] = beta * c[r1 + 1]! + alpha * c11;
      c[r1 + 2] = beta * c[r1 + 2]! + alpha * c12;
      c[r1 + 3] = beta * c[r1 + 3]! + alpha * c13;
      c[r1 + 4] = beta * c[r1 + 4]! + alpha * c14;
      c[r1 + 5] = beta * c[r1 + 5]! + alpha * c15;
      c[r1 + 6] = beta * c[r1 + 6]! + alpha * c16;
      c[r1 + 7] = beta * c[r1 + 7]! + alpha * c17;
      c[r2] = beta * c[r2]! + alpha * c20;
      c[r2 + 1] = beta * c[r2 + 1]! + alpha * c21;
      c[r2 + 2] = beta * c[r2 + 2]! + alpha * c22;
      c[r2 + 3] = beta * c[r2 + 3]! + alpha * c23;
      c[r2 + 4] = beta * c[r2 + 4]! + alpha * c24;
      c[r2 + 5] = beta * c[r2 + 5]! + alpha * c25;
      c[r2 + 6] = beta * c[r2 + 6]! + alpha * c26;
      c[r2 + 7] = beta * c[r2 + 7]! + alpha * c27;
      c[r3] = beta * c[r3]! + alpha * c30;
      c[r3 + 1] = beta * c[r3 + 1]! + alpha * c31;
      c[r3 + 2] = beta * c[r3 + 2]! + alpha * c32;
      c[r3 + 3] = beta * c[r3 + 3]! + alpha * c33;
      c[r3 + 4] = beta * c[r3 + 4]! + alpha * c34;
      c[r3 + 5] = beta * c[r3 + 5]! + alpha * c35;
      c[r3 + 6] = beta * c[r3 + 6]! + alpha * c36;
      c[r3 + 7] = beta * c[r3 + 7]! + alpha * c37;
    }
    return;
  }
  // Edge tile: the zero-padded panels made the extra accumulators 0; write only the rows/cols that exist.
  const t = edgeTile;
  t[0] = c00;
  t[1] = c01;
  t[2] = c02;
  t[3] = c03;
  t[4] = c04;
  t[5] = c05;
  t[6] = c06;
  t[7] = c07;
  t[8] = c10;
  t[9] = c11;
  t[10] = c12;
  t[11] = c13;
  t[12] = c14;
  t[13] = c15;
  t[14] = c16;
  t[15] = c17;
  t[16] = c20;
  t[17] = c21;
  t[18] = c22;
  t[19] = c23;
  t[20] = c24;
  t[21] = c25;
  t[22] = c26;
  t[23] = c27;
  t[24] = c30;
  t[25] = c31;
  t[26] = c32;
  t[27] = c33;
  t[28] = c34;
  t[29] = c35;
  t[30] = c36;
  t[31] = c37;
  for (let i = 0; i < mr; i++) {
    const row = co + i * ldc;
    for (let j = 0; j < nr; j++) {
      const v = alpha * t[i * NR + j]!;
      c[row + j] = beta === 0 ? v : beta * c[row + j]! + v;
    }
  }
}

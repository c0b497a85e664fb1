// f32 GEMM for WebAssembly SIMD (128-bit), in AssemblyScript; compiled by scripts/build-wasm.mjs.
//
// Row-major BLAS convention as `Gemm` in src/kernels/seam.ts: C = alpha·op(A)·op(B) + beta·C, op(A): [m, k],
// op(B): [k, n], C: [m, n]. Pointers are byte addresses in the (imported) linear memory; leading
// dimensions are in elements. The TypeScript side (src/kernels/wasm/) owns the memory layout: it copies
// the operands in, hands each thread its own packing scratch, and copies C back out.
//
// Determinism: every element of C is a sum over k taken in the same order (KC blocks, each summed from
// p = 0 up in one accumulator lane, then C = alpha·acc + beta·C with beta = 1 after the first block),
// whichever tile, task or thread computes it, and edge tiles do the same f32 operations as full tiles.
// So results are bit-identical for any split of C into tasks, i.e. for any thread count.

import { BATCH_CHAIN, BATCH_COUNT, BATCH_STRIDE_A, BATCH_STRIDE_B, BATCH_STRIDE_C, GEOMETRY_D_H, GEOMETRY_D_W, GEOMETRY_IN_H, GEOMETRY_IN_W, GEOMETRY_K_H, GEOMETRY_K_W, GEOMETRY_OUT_W, GEOMETRY_P_H, GEOMETRY_P_W, GEOMETRY_S_H, GEOMETRY_S_W } from './slots.as';

// Micro-tile MR×NR = 4×8: 8 v128 accumulators + 2 B vectors + 1 broadcast A fit V8's 15 allocatable
// xmm registers with room to spare. Tile and block sizes are chosen by measurement; see the README.
export const MR: i32 = 4;
export const NR: i32 = 8;
export const KC: i32 = 256;
export const MC: i32 = 128;
export const NC: i32 = 2048;

/**
 * One task of a batch of products `C_s = alpha·op(A_s)·op(B_s) + beta·C_s`, s = 0 … count−1, operand s
 * starting `s·stride` bytes after the first (slots 17–19: strideA, strideB, strideC in bytes; 20: count;
 * 21: chain). Without `chain`, task `t` is product t, run whole on this thread. With `chain`, the
 * products are summed into one C (strideC = 0: a conv weight gradient over a batch): sample s > 0 adds
 * with beta = 1, and task `t` owns rows (axis 0) or columns (axis 1) [t·chunk, (t+1)·chunk) of C for the
 * whole chain. Either way each element of C gets the same operations in the same order as from
 * one-by-one `gemm` calls on one thread, whichever thread runs which task.
 */
export function batchTask(
  params: usize, t: i32, transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32, axis: i32, chunk: i32, scratch: usize,
): void {
  const strideA = load<usize>(params, BATCH_STRIDE_A);
  const strideB = load<usize>(params, BATCH_STRIDE_B);
  const strideC = load<usize>(params, BATCH_STRIDE_C);
  const count = load<i32>(params, BATCH_COUNT);
  const chain = load<i32>(params, BATCH_CHAIN);
  if (!chain) {
    const at = <usize>t;
    blocked(transA, transB, m, n, k, alpha, a + at * strideA, lda, b + at * strideB, ldb, beta, c + at * strideC, ldc, scratch, 0, 0);
    return;
  }
  for (let s = 0; s < count; s++) {
    const at = <usize>s;
    blockedSlice(transA, transB, m, n, k, alpha, a + at * strideA, lda, b + at * strideB, ldb, s == 0 ? beta : 1, c + at * strideC, ldc, axis, t, chunk, scratch, 0);
  }
}

/** Floats `packWhole` writes for an operand with `rows` rows (m of op(A), or n of op(B)) and depth k. */
export function packedWholeFloats(rows: i32, k: i32): i32 {
  return k * ((rows + MR * NR - 1) / (MR * NR)) * (MR * NR);
}

/**
 * Packs all of op(A) (`which` = 0; `rows` = m) or op(B) (`which` = 1; `rows` = n) at `dst`, block by
 * block in the layout `blocked` reads: block (r0, pc) at float offset r0·k + pc·pad(r0), where pad is
 * the block's row count rounded up to the micro-tile (MC and NC are multiples of it, so every block
 * before the last is full).
 */
export function packWhole(which: i32, trans: i32, rows: i32, k: i32, src: usize, ld: i32, dst: usize): void {
  const block = which == 0 ? MC : NC;
  const unit = which == 0 ? MR : NR;
  for (let r0 = 0; r0 < rows; r0 += block) {
    const count = min(block, rows - r0);
    const pad = (count + unit - 1) / unit * unit;
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const out = dst + (<usize>(r0 * k + pc * pad) << 2);
      if (which == 0) {
        if (trans) packATrans(src + (<usize>(pc * ld + r0) << 2), ld, kc, count, out);
        else packA(src + (<usize>(r0 * ld + pc) << 2), ld, kc, count, out);
      } else {
        if (trans) packBTrans(src + (<usize>(r0 * ld + pc) << 2), ld, kc, count, out);
        else packB(src + (<usize>(pc * ld + r0) << 2), ld, kc, count, out);
      }
    }
  }
}

/** C = alpha·op(A)·op(B) + beta·C for m, n, k ≥ 1, with `scratch` of `scratchBytes()` bytes. */
export function gemm(
  transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32, scratch: usize,
): void {
  blocked(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, scratch, 0, 0);
}

/**
 * Task `t`'s slice of a split product: rows (axis 0) or columns (axis 1) [t·chunk, (t+1)·chunk) of C,
 * by `blocked`. `packed` is the operand every task shares whole, already packed (op(B) for a row split,
 * op(A) for a column split), or 0 to pack it here.
 */
@inline
export function blockedSlice(
  transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32, axis: i32, t: i32, chunk: i32, scratch: usize,
  packed: usize,
): void {
  const start = t * chunk;
  if (axis == 0) {
    m = min(chunk, m - start);
    a += <usize>(transA ? start : start * lda) << 2;
    c += <usize>(start * ldc) << 2;
    blocked(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, scratch, 0, packed);
  } else {
    n = min(chunk, n - start);
    b += <usize>(transB ? start * ldb : start) << 2;
    c += <usize>start << 2;
    blocked(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, scratch, packed, 0);
  }
}

/**
 * The blocked product. `packedA` / `packedB`, when not 0, hold op(A) / op(B) already packed whole by
 * `packWhole` (for this m / n), and are read in place instead of packing blocks into `scratch`.
 * `convGeometry`, when not 0, says that B is im2col of the conv input at `b` with that geometry (see
 * `packConvInput`): its panels are packed straight from the input, and no column buffer exists.
 */
export function blocked(
  transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32, scratch: usize,
  packedA: usize, packedB: usize, convGeometry: usize = 0,
): void {
  const ldcBytes = <usize>ldc << 2;
  const tile = scratch + (<usize>(MC * KC + KC * NC) << 2);
  // GotoBLAS loop order: a KC×NC panel of B stays packed while every MC×KC block of A streams past it.
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    const ncPad = (nc + NR - 1) / NR * NR;
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      // Later K blocks add onto what the first one wrote, so beta applies exactly once.
      const betaBlock: f32 = pc == 0 ? beta : 1;
      let bp: usize;
      if (packedB) {
        bp = packedB + (<usize>(jc * k + pc * ncPad) << 2);
      } else {
        bp = scratch + (<usize>(MC * KC) << 2);
        if (convGeometry) packConvInput(b, convGeometry, pc, kc, jc, nc, bp);
        else if (transB) packBTrans(b + (<usize>(jc * ldb + pc) << 2), ldb, kc, nc, bp);
        else packB(b + (<usize>(pc * ldb + jc) << 2), ldb, kc, nc, bp);
      }
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        let ap: usize;
        if (packedA) {
          ap = packedA + (<usize>(ic * k + pc * ((mc + MR - 1) / MR * MR)) << 2);
        } else {
          ap = scratch;
          if (transA) packATrans(a + (<usize>(pc * lda + ic) << 2), lda, kc, mc, ap);
          else packA(a + (<usize>(ic * lda + pc) << 2), lda, kc, mc, ap);
        }
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bStrip = bp + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const cTile = c + (<usize>(ic + ir) * ldcBytes) + (<usize>(jc + jr) << 2);
            const aStrip = ap + (<usize>(ir * kc) << 2);
            if (mr == MR && nr == NR) {
              kernel(kc, aStrip, bStrip, alpha, betaBlock, cTile, ldcBytes);
            } else {
              kernelEdge(kc, aStrip, bStrip, alpha, betaBlock, cTile, ldcBytes, mr, nr, tile);
            }
          }
        }
      }
    }
  }
}

// Packing. A block [mc, kc] becomes strips of MR rows, each stored p-major (`ap[strip·kc·MR + p·MR + i]`),
// so the micro-kernel broadcasts MR consecutive values per step; rows past mc are zero. B panel
// [kc, nc] becomes strips of NR columns (`bp[strip·kc·NR + p·NR + j]`), zero past nc.

// @ts-ignore: decorator
@inline function transpose4(
  r0: v128, r1: v128, r2: v128, r3: v128, out: usize, stride: usize,
): void {
  const t0 = f32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = f32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t2 = f32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t3 = f32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(out, f32x4.shuffle(t0, t1, 0, 1, 4, 5));
  v128.store(out + stride, f32x4.shuffle(t0, t1, 2, 3, 6, 7));
  v128.store(out + 2 * stride, f32x4.shuffle(t2, t3, 0, 1, 4, 5));
  v128.store(out + 3 * stride, f32x4.shuffle(t2, t3, 2, 3, 6, 7));
}

/** A stored [m, k]: each strip reads MR rows; four k-steps at a time go through a 4×4 transpose. */
function packA(a: usize, lda: i32, kc: i32, mc: i32, ap: usize): void {
  const rowBytes = <usize>lda << 2;
  let q = ap;
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const mr = min(MR, mc - i0);
    const r0 = a + <usize>i0 * rowBytes;
    if (mr == MR) {
      const r1 = r0 + rowBytes;
      const r2 = r1 + rowBytes;
      const r3 = r2 + rowBytes;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const o = <usize>p << 2;
        transpose4(v128.load(r0 + o), v128.load(r1 + o), v128.load(r2 + o), v128.load(r3 + o), q, 16);
        q += 64;
      }
      for (; p < kc; p++) {
        const o = <usize>p << 2;
        store<f32>(q, load<f32>(r0 + o));
        store<f32>(q, load<f32>(r1 + o), 4);
        store<f32>(q, load<f32>(r2 + o), 8);
        store<f32>(q, load<f32>(r3 + o), 12);
        q += 16;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        let i = 0;
        for (; i < mr; i++) store<f32>(q + (<usize>i << 2), load<f32>(r0 + <usize>i * rowBytes + (<usize>p << 2)));
        for (; i < MR; i++) store<f32>(q + (<usize>i << 2), 0);
        q += MR << 2;
      }
    }
  }
}

/** A stored [k, m]: op(A)(i, p) = a[p·lda + i], so each k-step of a strip is one contiguous run. */
function packATrans(a: usize, lda: i32, kc: i32, mc: i32, ap: usize): void {
  const rowBytes = <usize>lda << 2;
  let q = ap;
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const mr = min(MR, mc - i0);
    let src = a + (<usize>i0 << 2);
    if (mr == MR) {
      for (let p = 0; p < kc; p++) {
        v128.store(q, v128.load(src));
        q += 16;
        src += rowBytes;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        let i = 0;
        for (; i < mr; i++) store<f32>(q + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
        for (; i < MR; i++) store<f32>(q + (<usize>i << 2), 0);
        q += MR << 2;
        src += rowBytes;
      }
    }
  }
}

/** B stored [k, n]: each k-step of a strip is NR contiguous values. */
function packB(b: usize, ldb: i32, kc: i32, nc: i32, bp: usize): void {
  const rowBytes = <usize>ldb << 2;
  let q = bp;
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const nr = min(NR, nc - j0);
    let src = b + (<usize>j0 << 2);
    if (nr == NR) {
      for (let p = 0; p < kc; p++) {
        v128.store(q, v128.load(src));
        v128.store(q, v128.load(src, 16), 16);
        q += 32;
        src += rowBytes;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        let j = 0;
        for (; j < nr; j++) store<f32>(q + (<usize>j << 2), load<f32>(src + (<usize>j << 2)));
        for (; j < NR; j++) store<f32>(q + (<usize>j << 2), 0);
        q += NR << 2;
        src += rowBytes;
      }
    }
  }
}

/**
 * The B panel `blocked` would pack from im2col(x), packed from x itself: rows [pc, pc + kc) and
 * columns (output positions) [jc, jc + nc) of the columns `im2col2d` makes, in packB's layout (strips
 * of NR columns, each p-major, `bp[strip·kc·NR + p·NR + j]`, zeros past nc), with the same values (+0
 * where a window hangs over the padding). A strip inside one output row whose input run is inside the
 * row (stride 1) is two vector copies per row of the panel; the rest goes element by element.
 */
export function packConvInput(x: usize, geom: usize, pc: i32, kc: i32, jc: i32, nc: i32, bp: usize): void {
  const inH = load<i32>(geom, GEOMETRY_IN_H), inW = load<i32>(geom, GEOMETRY_IN_W);
  const kH = load<i32>(geom, GEOMETRY_K_H), kW = load<i32>(geom, GEOMETRY_K_W), sH = load<i32>(geom, GEOMETRY_S_H), sW = load<i32>(geom, GEOMETRY_S_W);
  const pH = load<i32>(geom, GEOMETRY_P_H), pW = load<i32>(geom, GEOMETRY_P_W), dH = load<i32>(geom, GEOMETRY_D_H), dW = load<i32>(geom, GEOMETRY_D_W);
  const outW = load<i32>(geom, GEOMETRY_OUT_W);
  const kk = kH * kW;
  const plane = <usize>(inH * inW) << 2;
  // The panel's first row as (channel, kernel row, kernel column), stepped on without division.
  const c0 = pc / kk, kh0 = (pc - c0 * kk) / kW, kw0 = pc - c0 * kk - kh0 * kW;
  let oh0 = jc / outW, ow0 = jc - oh0 * outW;
  let q = bp;
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const nr = min(NR, nc - j0);
    const oneRow = nr == NR && ow0 + NR <= outW;
    let c = c0, kh = kh0, kw = kw0;
    for (let r = 0; r < kc; r++) {
      const ih = oh0 * sH - pH + kh * dH;
      const iw = ow0 * sW - pW + kw * dW;
      const src = x + <usize>c * plane;
      if (oneRow && sW == 1 && ih >= 0 && ih < inH && iw >= 0 && iw + NR <= inW) {
        const at = src + (<usize>(ih * inW + iw) << 2);
        v128.store(q, v128.load(at));
        v128.store(q, v128.load(at, 16), 16);
      } else {
        let oh = oh0, ow = ow0;
        for (let j = 0; j < NR; j++) {
          let v: f32 = 0;
          if (j < nr) {
            const h = oh * sH - pH + kh * dH, col = ow * sW - pW + kw * dW;
            if (h >= 0 && h < inH && col >= 0 && col < inW) v = load<f32>(src + (<usize>(h * inW + col) << 2));
            if (++ow == outW) {
              ow = 0;
              oh++;
            }
          }
          store<f32>(q + (<usize>j << 2), v);
        }
      }
      q += NR << 2;
      if (++kw == kW) {
        kw = 0;
        if (++kh == kH) {
          kh = 0;
          c++;
        }
      }
    }
    ow0 += NR;
    while (ow0 >= outW) {
      ow0 -= outW;
      oh0++;
    }
  }
}

/** B stored [n, k]: op(B)(p, j) = b[j·ldb + p]; four columns × four k-steps per 4×4 transpose. */
function packBTrans(b: usize, ldb: i32, kc: i32, nc: i32, bp: usize): void {
  const rowBytes = <usize>ldb << 2;
  let q = bp;
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const nr = min(NR, nc - j0);
    const c0 = b + <usize>j0 * rowBytes;
    if (nr == NR) {
      const c1 = c0 + rowBytes, c2 = c1 + rowBytes, c3 = c2 + rowBytes;
      const c4 = c3 + rowBytes, c5 = c4 + rowBytes, c6 = c5 + rowBytes, c7 = c6 + rowBytes;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const o = <usize>p << 2;
        transpose4(v128.load(c0 + o), v128.load(c1 + o), v128.load(c2 + o), v128.load(c3 + o), q, 32);
        transpose4(v128.load(c4 + o), v128.load(c5 + o), v128.load(c6 + o), v128.load(c7 + o), q + 16, 32);
        q += 128;
      }
      for (; p < kc; p++) {
        const o = <usize>p << 2;
        store<f32>(q, load<f32>(c0 + o));
        store<f32>(q, load<f32>(c1 + o), 4);
        store<f32>(q, load<f32>(c2 + o), 8);
        store<f32>(q, load<f32>(c3 + o), 12);
        store<f32>(q, load<f32>(c4 + o), 16);
        store<f32>(q, load<f32>(c5 + o), 20);
        store<f32>(q, load<f32>(c6 + o), 24);
        store<f32>(q, load<f32>(c7 + o), 28);
        q += 32;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        let j = 0;
        for (; j < nr; j++) store<f32>(q + (<usize>j << 2), load<f32>(c0 + <usize>j * rowBytes + (<usize>p << 2)));
        for (; j < NR; j++) store<f32>(q + (<usize>j << 2), 0);
        q += NR << 2;
      }
    }
  }
}

/**
 * One full MR×NR tile: C = alpha·Σp a(:, p)·b(p, :) + beta·C, with 8 accumulators in v128 registers.
 * Plain mul + add (relaxed-SIMD FMA is not available everywhere, and would change results per engine).
 */
function kernel(kc: i32, ap: usize, bp: usize, alpha: f32, beta: f32, c: usize, ldcBytes: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let av = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(av, b0));
    c01 = f32x4.add(c01, f32x4.mul(av, b1));
    av = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(av, b0));
    c11 = f32x4.add(c11, f32x4.mul(av, b1));
    av = v128.load32_splat(ap, 8);
    c20 = f32x4.add(c20, f32x4.mul(av, b0));
    c21 = f32x4.add(c21, f32x4.mul(av, b1));
    av = v128.load32_splat(ap, 12);
    c30 = f32x4.add(c30, f32x4.mul(av, b0));
    c31 = f32x4.add(c31, f32x4.mul(av, b1));
    ap += 16;
    bp += 32;
  }
  const va = f32x4.splat(alpha);
  if (beta == 0) {
    // beta = 0 overwrites C without reading it (old NaNs vanish), as BLAS does.
    v128.store(c, f32x4.mul(va, c00));
    v128.store(c, f32x4.mul(va, c01), 16);
    c += ldcBytes;
    v128.store(c, f32x4.mul(va, c10));
    v128.store(c, f32x4.mul(va, c11), 16);
    c += ldcBytes;
    v128.store(c, f32x4.mul(va, c20));
    v128.store(c, f32x4.mul(va, c21), 16);
    c += ldcBytes;
    v128.store(c, f32x4.mul(va, c30));
    v128.store(c, f32x4.mul(va, c31), 16);
  } else {
    const vb = f32x4.splat(beta);
    v128.store(c, f32x4.add(f32x4.mul(va, c00), f32x4.mul(vb, v128.load(c))));
    v128.store(c, f32x4.add(f32x4.mul(va, c01), f32x4.mul(vb, v128.load(c, 16))), 16);
    c += ldcBytes;
    v128.store(c, f32x4.add(f32x4.mul(va, c10), f32x4.mul(vb, v128.load(c))));
    v128.store(c, f32x4.add(f32x4.mul(va, c11), f32x4.mul(vb, v128.load(c, 16))), 16);
    c += ldcBytes;
    v128.store(c, f32x4.add(f32x4.mul(va, c20), f32x4.mul(vb, v128.load(c))));
    v128.store(c, f32x4.add(f32x4.mul(va, c21), f32x4.mul(vb, v128.load(c, 16))), 16);
    c += ldcBytes;
    v128.store(c, f32x4.add(f32x4.mul(va, c30), f32x4.mul(vb, v128.load(c))));
    v128.store(c, f32x4.add(f32x4.mul(va, c31), f32x4.mul(vb, v128.load(c, 16))), 16);
  }
}

/**
 * An edge tile (mr < MR or nr < NR): the full tile goes to `tile` (beta = 0 there), then only the
 * mr×nr corner that exists is combined with C, lane by lane, with the same f32 operations.
 */
function kernelEdge(
  kc: i32, ap: usize, bp: usize, alpha: f32, beta: f32, c: usize, ldcBytes: usize,
  mr: i32, nr: i32, tile: usize,
): void {
  kernel(kc, ap, bp, 1, 0, tile, NR << 2);
  for (let i = 0; i < mr; i++) {
    const row = c + <usize>i * ldcBytes;
    const t = tile + (<usize>(i * NR) << 2);
    for (let j = 0; j < nr; j++) {
      const o = <usize>j << 2;
      const v = alpha * load<f32>(t + o);
      store<f32>(row + o, beta == 0 ? v : v + beta * load<f32>(row + o));
    }
  }
}

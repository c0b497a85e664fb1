/**
 * GEMM on the WebAssembly runtime: float32 only (any float64 operand goes to the JS kernel, where
 * float64 gradchecks want its double accumulation). Operands live in JS typed arrays, so each call
 * copies A, B (and C when beta ≠ 0) into the runtime's staging region and C back; resident operands
 * are used in place. A large product is cut into tasks along C's longer side, each owning whole tiles.
 */
import { gemmEach, jsGemm } from '../gemm.js';
import type { Backend, GemmBatchCall } from '../seam.js';
import { MAX_TASKS } from '../thread-pool.js';
import { BATCH, KIND, PRODUCT } from './slots.js';
import { align, TASKS_PER_THREAD, type WasmRuntime } from './runtime.js';

/** `C = alpha·op(A)·op(B) + beta·C` (see gemm.ts); bound, so `const { gemm } = getGemm()` works. */
export function wasmGemm(rt: WasmRuntime): Backend['gemm'] {
  return (transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc) => {
    if (
      m === 0 ||
      n === 0 ||
      k === 0 ||
      alpha === 0 ||
      !(a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array)
    ) {
      // Nothing to multiply (C = beta·C), or float64 somewhere: the JS kernel's job.
      jsGemm.gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
      return;
    }
    // Operands outside the wasm memory are copied in compactly (leading dimension = row length), so odd
    // strides cost nothing later; resident ones (see residentArray) are used where they are.
    const aRows = transA ? k : m;
    const aCols = transA ? m : k;
    const bRows = transB ? n : k;
    const bCols = transB ? k : n;
    const aResident = rt.has(a);
    const bResident = rt.has(b);
    const cResident = rt.has(c);
    const pool = rt.pool;
    const split = pool === null ? 1 : taskSplit(rt, m, n, k, pool.size);
    // A split product cuts C along its longer side; the other operand, which every task reads whole, is
    // packed once up front into its own region instead of by every task.
    const rows = m >= n;
    let end = rt.operands;
    const aAt = aResident ? a.byteOffset + aOffset * 4 : end;
    if (!aResident) end = align(end + aRows * aCols * 4, 64);
    const bAt = bResident ? b.byteOffset + bOffset * 4 : end;
    if (!bResident) end = align(end + bRows * bCols * 4, 64);
    const cAt = cResident ? c.byteOffset + cOffset * 4 : end;
    if (!cResident) end = align(end + m * n * 4, 64);
    const packedAt = end;
    if (split > 1) end += rt.kernel.packedWholeFloats(rows ? n : m, k) * 4;
    if (!rt.reserve(end)) {
      jsGemm.gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
      return;
    }
    const f32 = rt.f32;
    const aLd = aResident ? lda : aCols;
    const bLd = bResident ? ldb : bCols;
    const cLd = cResident ? ldc : n;
    if (!aResident) copyRows(f32, aAt >> 2, aCols, a, aOffset, lda, aRows, aCols);
    if (!bResident) copyRows(f32, bAt >> 2, bCols, b, bOffset, ldb, bRows, bCols);
    if (!cResident && beta !== 0) copyRows(f32, cAt >> 2, n, c, cOffset, ldc, m, n);

    const kernel = rt.kernel;
    if (split === 1) {
      kernel.gemm(+transA, +transB, m, n, k, alpha, aAt, aLd, bAt, bLd, beta, cAt, cLd, rt.scratch);
    } else {
      if (rows) kernel.packWhole(1, +transB, n, k, bAt, bLd, packedAt);
      else kernel.packWhole(0, +transA, m, k, aAt, aLd, packedAt);
      // Whole micro-tiles per task; column slices also start on a 64-byte line (16 floats), so two
      // threads never write one cache line of C.
      const unit = rows ? rt.tileRows : Math.max(rt.tileCols, 16);
      const chunk = align(Math.ceil((rows ? m : n) / split), unit);
      const tasks = Math.ceil((rows ? m : n) / chunk);
      writeTaskParams(rt, transA, transB, m, n, k, alpha, aAt, aLd, bAt, bLd, beta, cAt, cLd, rows, chunk, packedAt);
      rt.i32[(rt.params >> 2) + PRODUCT.kind] = KIND.product;
      rt.runTasks(tasks, true);
    }
    if (!cResident) copyRows(c, cOffset, ldc, f32, cAt >> 2, n, m, n);
  };
}

/**
 * A batch of products `C_s = alpha·op(A_s)·op(B_s) + beta·C_s`, s = 0 … count−1, where operand s starts
 * `s·stride` elements after operand 0 (stride 0 repeats one matrix, say a conv weight). With `chain`,
 * they are summed into one C instead: `C = beta·C + Σ_s alpha·op(A_s)·op(B_s)` (strideC is then 0).
 * Same bits as calling `gemm` once per s, in order, on one thread (with beta = 1 after the first for a
 * chain), whatever the thread count: without `chain` each product runs whole on one thread; a chain
 * is split across threads along C, each task summing its slice of C over every s in order.
 * float64 operands, or operands larger than the memory can take, go through `gemm` one by one.
 */
export function wasmGemmBatch(rt: WasmRuntime, gemm: Backend['gemm']): Backend['gemmBatch'] {
  const oneByOne = gemmEach(gemm);
  return (call: GemmBatchCall): void => {
    const { transA, transB, m, n, k, alpha, a, aOffset, lda, strideA, b, bOffset, ldb, strideB } = call;
    const { beta, c, cOffset, ldc, strideC, count, chain } = call;
    if (count <= 0) return;
    // A few products each large enough to split are better split one by one than left one per thread
    // (same bits either way).
    const fewLarge = !chain && rt.pool !== null && count < 2 * rt.pool.size && 2 * m * n * k >= rt.minParallelFlops;
    if (
      count === 1 ||
      fewLarge ||
      m === 0 ||
      n === 0 ||
      k === 0 ||
      alpha === 0 ||
      !(a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array)
    ) {
      oneByOne(call);
      return;
    }
    // Each operand's whole span (every sample, gaps included) is used in place when resident, else
    // copied verbatim, so leading dimensions and strides stay as given.
    const span = (stride: number, rows: number, cols: number, ld: number) =>
      (count - 1) * stride + (rows - 1) * ld + cols;
    const aSpan = span(strideA, transA ? k : m, transA ? m : k, lda);
    const bSpan = span(strideB, transB ? n : k, transB ? k : n, ldb);
    const cSpan = span(strideC, m, n, ldc);
    const aResident = rt.has(a);
    const bResident = rt.has(b);
    const cResident = rt.has(c);
    let end = rt.operands;
    const aAt = aResident ? a.byteOffset + aOffset * 4 : end;
    if (!aResident) end = align(end + aSpan * 4, 64);
    const bAt = bResident ? b.byteOffset + bOffset * 4 : end;
    if (!bResident) end = align(end + bSpan * 4, 64);
    const cAt = cResident ? c.byteOffset + cOffset * 4 : end;
    if (!cResident) end = align(end + cSpan * 4, 64);
    if (!rt.reserve(end)) {
      oneByOne(call);
      return;
    }
    const f32 = rt.f32;
    if (!aResident) f32.set(a.subarray(aOffset, aOffset + aSpan), aAt >> 2);
    if (!bResident) f32.set(b.subarray(bOffset, bOffset + bSpan), bAt >> 2);
    // C's gaps (other groups' channels, say) are copied in too, so copying the span back keeps them.
    if (!cResident) f32.set(c.subarray(cOffset, cOffset + cSpan), cAt >> 2);

    const pool = rt.pool;
    const rows = m >= n;
    let tasks = count;
    let chunk = 0;
    if (chain) {
      // Slices of C in whole micro-tiles (column slices on 64-byte lines), as for a split product.
      const unit = rows ? rt.tileRows : Math.max(rt.tileCols, 16);
      const extent = rows ? m : n;
      const threads = pool === null ? 1 : pool.size;
      chunk = align(Math.ceil(extent / Math.min(threads * TASKS_PER_THREAD, Math.ceil(extent / unit))), unit);
      tasks = Math.ceil(extent / chunk);
    }
    writeTaskParams(rt, transA, transB, m, n, k, alpha, aAt, lda, bAt, ldb, beta, cAt, ldc, rows, chunk, 0);
    const p = rt.params >> 2;
    const i32 = rt.i32;
    i32[p + PRODUCT.kind] = KIND.batch;
    i32[p + BATCH.strideA] = strideA * 4;
    i32[p + BATCH.strideB] = strideB * 4;
    i32[p + BATCH.strideC] = strideC * 4;
    i32[p + BATCH.count] = count;
    i32[p + BATCH.chain] = +chain;
    rt.runTasks(tasks, 2 * m * n * k * count >= rt.minParallelFlops);
    if (!cResident) (c as Float32Array).set(f32.subarray(cAt >> 2, (cAt >> 2) + cSpan), cOffset);
  };
}

/** How many tasks to cut an m×n×k product into (1: run it on the caller alone). */
function taskSplit(rt: WasmRuntime, m: number, n: number, k: number, threads: number): number {
  if (2 * m * n * k < rt.minParallelFlops) return 1;
  const units = m >= n ? Math.ceil(m / rt.tileRows) : Math.ceil(n / rt.tileCols);
  return Math.min(threads * TASKS_PER_THREAD, units, MAX_TASKS);
}

/**
 * Writes the parameter block the wasm task entry points read (slots named in wasm/slots.json):
 * one product's operands, how C is sliced into tasks, and where a pre-packed operand sits.
 * Words 16 and up (batch or not, batch strides) are the caller's.
 */
export function writeTaskParams(
  rt: WasmRuntime,
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  aAt: number,
  lda: number,
  bAt: number,
  ldb: number,
  beta: number,
  cAt: number,
  ldc: number,
  rows: boolean,
  chunk: number,
  packedAt: number,
): void {
  const p = rt.params >> 2;
  const i32 = rt.i32;
  const f32 = rt.f32;
  i32[p + PRODUCT.transA] = +transA;
  i32[p + PRODUCT.transB] = +transB;
  i32[p + PRODUCT.m] = m;
  i32[p + PRODUCT.n] = n;
  i32[p + PRODUCT.k] = k;
  f32[p + PRODUCT.alpha] = alpha;
  i32[p + PRODUCT.a] = aAt;
  i32[p + PRODUCT.lda] = lda;
  i32[p + PRODUCT.b] = bAt;
  i32[p + PRODUCT.ldb] = ldb;
  f32[p + PRODUCT.beta] = beta;
  i32[p + PRODUCT.c] = cAt;
  i32[p + PRODUCT.ldc] = ldc;
  i32[p + PRODUCT.axis] = rows ? 0 : 1;
  i32[p + PRODUCT.chunk] = chunk;
  i32[p + PRODUCT.packed] = packedAt;
}

/**
 * Copies a rows×cols block from src (row r at srcAt + r·srcStride) to dst (row r at dstAt + r·dstStride):
 * an operand into the dense block the kernel reads (dstStride = cols), or the result back out.
 */
function copyRows(
  dst: Float32Array,
  dstAt: number,
  dstStride: number,
  src: Float32Array,
  srcAt: number,
  srcStride: number,
  rows: number,
  cols: number,
): void {
  if ((srcStride === cols && dstStride === cols) || rows === 1) {
    dst.set(src.subarray(srcAt, srcAt + rows * cols), dstAt);
    return;
  }
  for (let r = 0, s = srcAt, d = dstAt; r < rows; r++, s += srcStride, d += dstStride) {
    // A subarray per short row would allocate more than it copies.
    if (cols >= 64) dst.set(src.subarray(s, s + cols), d);
    else for (let j = 0; j < cols; j++) dst[d + j] = src[s + j]!;
  }
}

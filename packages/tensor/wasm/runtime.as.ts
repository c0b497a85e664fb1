// The WebAssembly SIMD kernels' entry (AssemblyScript, compiled by scripts/build-wasm.mjs): the memory
// layout the TypeScript runtime (src/kernels/wasm/runtime.ts) asks for, and `gemmTask`, which runs task
// `t` of whatever the parameter block describes (slots: slots.json, generated into slots.as.ts): a split
// product here, a batch (gemm.as.ts), conv samples and weight gradients (conv.as.ts), the fused
// pooling's backward (pool.as.ts) or an Adam slice (adam.as.ts). Pointers are byte addresses in the
// (imported) linear memory, which the TypeScript side owns: it copies the operands in, hands each
// thread its own scratch, and copies results back out.
//
// Determinism: every task computes its own part of the result with operations fixed by the shapes,
// never by which thread runs it, so results are bit-identical for any thread count (see each file).

import { KIND_ADAM, KIND_BATCH, KIND_CONV, KIND_POOL_BACKWARD, KIND_WEIGHT_GRAD, PRODUCT_A, PRODUCT_ALPHA, PRODUCT_AXIS, PRODUCT_B, PRODUCT_BETA, PRODUCT_C, PRODUCT_CHUNK, PRODUCT_K, PRODUCT_KIND, PRODUCT_LDA, PRODUCT_LDB, PRODUCT_LDC, PRODUCT_M, PRODUCT_N, PRODUCT_PACKED, PRODUCT_TRANS_A, PRODUCT_TRANS_B } from './slots.as';
import { adamTask } from './adam.as';
import { COLS_FLOATS, convTask, weightGradTask } from './conv.as';
import { KC, MC, MR, NC, NR, batchTask, blockedSlice } from './gemm.as';
import { maxPoolReluBackwardTask } from './pool.as';

/** Bytes of scratch one thread needs: a packed A block, a packed B panel, one edge tile and its im2col buffer. */
export function scratchBytes(): i32 {
  return (MC * KC + KC * NC + MR * NR + COLS_FLOATS) * 4;
}

/** Floats of a thread's own im2col buffer (see COLS_FLOATS). */
export function threadColsFloats(): i32 {
  return COLS_FLOATS;
}

/** Rows of the micro-tile: row splits of C in multiples of this keep every task's tiles full. */
export function tileRows(): i32 {
  return MR;
}

/** Columns of the micro-tile, likewise for column splits. */
export function tileCols(): i32 {
  return NR;
}

/** First byte the JS side may use: everything below belongs to the compiler's static data. */
export function heapBase(): usize {
  return __heap_base;
}

/**
 * One task of a split GEMM: the parameter block at `params` (i32 slots: transA, transB, m, n, k,
 * alpha as f32 bits, a, lda, b, ldb, beta as f32 bits, c, ldc, axis, chunk, packed, kind) describes the
 * whole product; task `t` computes rows (axis 0) or columns (axis 1) [t·chunk, (t+1)·chunk) of C with
 * the caller's `scratch`. `packed` holds the operand every task needs whole, packed once by `packWhole`
 * before the batch: op(B) for a row split, op(A) for a column split. Tasks write disjoint parts of C,
 * so threads may run them in any order.
 */
export function gemmTask(params: usize, t: i32, scratch: usize): void {
  const transA = load<i32>(params, PRODUCT_TRANS_A);
  const transB = load<i32>(params, PRODUCT_TRANS_B);
  const m = load<i32>(params, PRODUCT_M);
  const n = load<i32>(params, PRODUCT_N);
  const k = load<i32>(params, PRODUCT_K);
  const alpha = load<f32>(params, PRODUCT_ALPHA);
  const a = load<usize>(params, PRODUCT_A);
  const lda = load<i32>(params, PRODUCT_LDA);
  const b = load<usize>(params, PRODUCT_B);
  const ldb = load<i32>(params, PRODUCT_LDB);
  const beta = load<f32>(params, PRODUCT_BETA);
  const c = load<usize>(params, PRODUCT_C);
  const ldc = load<i32>(params, PRODUCT_LDC);
  const axis = load<i32>(params, PRODUCT_AXIS);
  const chunk = load<i32>(params, PRODUCT_CHUNK);
  const packed = load<usize>(params, PRODUCT_PACKED);
  const kind = load<i32>(params, PRODUCT_KIND);
  if (kind == KIND_CONV) {
    convTask(params, t, scratch);
    return;
  }
  if (kind == KIND_WEIGHT_GRAD) {
    weightGradTask(params, t, scratch);
    return;
  }
  if (kind == KIND_POOL_BACKWARD) {
    maxPoolReluBackwardTask(params, t);
    return;
  }
  if (kind == KIND_ADAM) {
    adamTask(params, t);
    return;
  }
  if (kind == KIND_BATCH) {
    batchTask(params, t, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, axis, chunk, scratch);
    return;
  }
  blockedSlice(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, axis, t, chunk, scratch, packed);

}

// The GEMM entry points the TypeScript side calls directly.
export { gemm, packWhole, packedWholeFloats } from './gemm.as';

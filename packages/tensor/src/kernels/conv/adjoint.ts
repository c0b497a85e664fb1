import type { FloatArray } from '../../dtype.js';
import { col2imInto } from '../im2col.js';
import { getBackend } from '../backend.js';
import { columnScratch, takeColumns } from './columns.js';
import { chunkSamples, dtypeOf, type ConvPlan } from './plan.js';

/**
 * `x[n] += col2im(Wᵀ · y[n])` for every sample and group. Accumulates into `x`, so the caller
 * starts it at zero (a gradient) or at the bias (the transposed conv's output).
 */
export function convAdjointInto(y: FloatArray, w: FloatArray, plan: ConvPlan, x: FloatArray): void {
  const { batch, groups, cIn, cOut, cOutG, rowsG, geom, inPositions, outPositions: p, kernelVolume } = plan;
  const backend = getBackend();
  const { gemm } = backend;
  // The backend's own conv loop first (for the WebAssembly one: GEMM and col2im of each sample on
  // whichever thread takes it); what it did not run, the generic loops below run (same products).
  const start = backend.conv?.adjoint({ plan, y, w, x }) ?? 0;
  if (start >= batch) return;
  const dtype = dtypeOf(y);
  if (backend.prefersBatches(dtype) && dtypeOf(x) === dtype) {
    const sampleCols = cIn * kernelVolume * p;
    // Group g of samples n0 … n0 + count − 1: Wᵀ · y into `c` (beta 1 adds onto it, 0 overwrites).
    const gemmGroup = (
      g: number,
      n0: number,
      count: number,
      beta: 0 | 1,
      c: FloatArray,
      cAt: number,
      cStride: number,
    ) =>
      backend.gemmBatch({
        transA: true,
        transB: false,
        m: rowsG,
        n: p,
        k: cOutG,
        alpha: 1,
        a: w,
        aOffset: g * cOutG * rowsG,
        lda: rowsG,
        strideA: 0,
        b: y,
        bOffset: n0 * cOut * p + g * cOutG * p,
        ldb: p,
        strideB: cOut * p,
        beta,
        c,
        cOffset: cAt,
        ldc: p,
        strideC: cStride,
        count,
        chain: false,
      });
    if (plan.direct) {
      // The columns are x itself, so the GEMM adds straight onto it.
      const xAt = start * cIn * inPositions;
      for (let g = 0; g < groups; g++) gemmGroup(g, start, batch - start, 1, x, xAt + g * rowsG * p, cIn * inPositions);
      return;
    }
    const chunk = chunkSamples(batch, sampleCols);
    const temp = takeColumns(dtype, chunk * sampleCols);
    const cols = temp.columns;
    for (let n0 = start; n0 < batch; n0 += chunk) {
      const count = Math.min(chunk, batch - n0);
      for (let g = 0; g < groups; g++) gemmGroup(g, n0, count, 0, cols, g * rowsG * p, sampleCols);
      // col2im adds: overlapping windows all touched the same pixel.
      for (let s = 0; s < count; s++) col2imInto(cols, s * sampleCols, geom, x, (n0 + s) * cIn * inPositions);
    }
    temp.give();
    return;
  }
  const cols = plan.direct ? null : columnScratch(x, cIn * kernelVolume * p);
  for (let n = start; n < batch; n++) {
    const xAt = n * cIn * inPositions;
    const yAt = n * cOut * p;
    for (let g = 0; g < groups; g++) {
      const wAt = g * cOutG * rowsG;
      const yG = yAt + g * cOutG * p;
      // Direct: the columns are x itself, so the GEMM adds straight onto it.
      if (cols === null) gemm(true, false, rowsG, p, cOutG, 1, w, wAt, rowsG, y, yG, p, 1, x, xAt + g * rowsG * p, p);
      else gemm(true, false, rowsG, p, cOutG, 1, w, wAt, rowsG, y, yG, p, 0, cols, g * rowsG * p, p);
    }
    // col2im adds: overlapping windows all touched the same pixel.
    if (cols !== null) col2imInto(cols, 0, geom, x, xAt);
  }
}

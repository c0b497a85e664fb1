import type { FloatArray } from '../../dtype.js';
import { im2colInto } from '../im2col.js';
import { getBackend } from '../backend.js';
import { columnScratch, takeColumns } from './columns.js';
import { chunkSamples, dtypeOf, type ConvPlan } from './plan.js';

/** `out[n, c, p] = bias[c]` for every sample and position: the starting value the GEMM adds onto. */
export function fillChannelBias(
  out: FloatArray,
  bias: FloatArray,
  batch: number,
  channels: number,
  positions: number,
): void {
  for (let n = 0, at = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++, at += positions) out.fill(bias[c]!, at, at + positions);
  }
}

/**
 * `y[n] = W · im2col(x[n])` for every sample and group, added onto what `y` holds when
 * `accumulate`, else overwriting it.
 * @param x `[N, Cin, ...inputSize]` contiguous; `y` `[N, Cout, ...outputSize]`
 * @param keep where to leave every sample's columns, `[N, Cin·∏k, ∏outputSize]`, for
 *   `convWeightGradInto`; by default one sample's columns at a time go to a scratch buffer
 * @param bias `[Cout]`: y starts at it instead (set inside the wasm tasks when they run, which saves
 *   copying a prefilled y into the wasm memory)
 */
export function convForwardInto(
  x: FloatArray,
  w: FloatArray,
  plan: ConvPlan,
  y: FloatArray,
  accumulate: boolean,
  keep: FloatArray | null = null,
  bias: FloatArray | null = null,
): void {
  const { batch, groups, cIn, cOut, cOutG, rowsG, geom, inPositions, outPositions: p, kernelVolume } = plan;
  const backend = getBackend();
  const { gemm } = backend;
  const sampleCols = cIn * kernelVolume * p;
  const beta = accumulate || bias !== null ? 1 : 0;
  // The backend's own conv loop first (for the WebAssembly one: im2col and GEMM of each sample on
  // whichever thread takes it); what it did not run, the generic loops below run (same products).
  const start = backend.conv?.forward({ plan, x, w, y, accumulate, bias, keep }) ?? 0;
  if (start >= batch) return;
  // The bias is y's starting value: the GEMMs below add onto it (beta = 1).
  if (bias !== null) {
    fillChannelBias(y.subarray(start * cOut * p) as FloatArray, bias, batch - start, cOut, p);
  }
  if (backend.prefersBatches(dtypeOf(x))) {
    const colsStride = plan.direct ? cIn * inPositions : sampleCols;
    const chunk = plan.direct || keep ? batch : chunkSamples(batch, sampleCols);
    const temp = plan.direct || keep ? null : takeColumns(dtypeOf(x), chunk * sampleCols);
    const cols = plan.direct ? x : (keep ?? temp?.columns ?? x);
    for (let n0 = start; n0 < batch; n0 += chunk) {
      const count = Math.min(chunk, batch - n0);
      const colsAt = plan.direct || keep ? n0 * colsStride : 0;
      if (!plan.direct) {
        for (let s = 0; s < count; s++)
          im2colInto(x, (n0 + s) * cIn * inPositions, geom, cols, colsAt + s * sampleCols);
      }
      for (let g = 0; g < groups; g++) {
        backend.gemmBatch({
          transA: false,
          transB: false,
          m: cOutG,
          n: p,
          k: rowsG,
          alpha: 1,
          a: w,
          aOffset: g * cOutG * rowsG,
          lda: rowsG,
          strideA: 0,
          b: cols,
          bOffset: colsAt + g * rowsG * p,
          ldb: p,
          strideB: colsStride,
          beta,
          c: y,
          cOffset: n0 * cOut * p + g * cOutG * p,
          ldc: p,
          strideC: cOut * p,
          count,
          chain: false,
        });
      }
    }
    temp?.give();
    return;
  }
  const cols = plan.direct ? x : (keep ?? columnScratch(x, sampleCols));
  for (let n = start; n < batch; n++) {
    const xAt = n * cIn * inPositions;
    const yAt = n * cOut * p;
    let colsAt = xAt;
    if (!plan.direct) {
      colsAt = keep ? n * sampleCols : 0;
      im2colInto(x, xAt, geom, cols, colsAt);
    }
    for (let g = 0; g < groups; g++) {
      gemm(
        false,
        false,
        cOutG,
        p,
        rowsG,
        1,
        w,
        g * cOutG * rowsG,
        rowsG,
        cols,
        colsAt + g * rowsG * p,
        p,
        beta,
        y,
        yAt + g * cOutG * p,
        p,
      );
    }
  }
}

import type { FloatArray } from '../../dtype.js';
import { im2colInto } from '../im2col.js';
import { getBackend } from '../backend.js';
import { columnScratch, takeColumns } from './columns.js';
import { chunkSamples, dtypeOf, type ConvPlan } from './plan.js';

/** `grad[c] = Σ_{n,p} g[n, c, p]`, the bias gradient. */
export function channelSums(g: FloatArray, batch: number, channels: number, positions: number, grad: FloatArray): void {
  const acc = new Float64Array(channels);
  for (let n = 0, at = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++, at += positions) {
      let s = 0;
      for (let p = at; p < at + positions; p++) s += g[p]!;
      acc[c] = acc[c]! + s;
    }
  }
  for (let c = 0; c < channels; c++) grad[c] = acc[c]!;
}

/**
 * `gW = Σn y[n] · im2col(x[n])ᵀ`, per group, overwriting `gw` (`[Cout, Cin/groups, ...k]`).
 * @param kept the columns `convForwardInto` kept, if it did; else they are recomputed
 * @param gb when given, also the bias gradient `Σ_{n,p} y[n, c, p]` (`[Cout]`), as `channelSums`
 * A backend's `conv.weightGrad` may sum the batch in its own fixed partitions (the WebAssembly one,
 * float32 1-D/2-D, does on its worker threads): bits then depend on the batch size, not on the
 * thread count.
 */
export function convWeightGradInto(
  x: FloatArray,
  y: FloatArray,
  plan: ConvPlan,
  gw: FloatArray,
  kept: FloatArray | null = null,
  gb: FloatArray | null = null,
): void {
  const { batch, groups, cIn, cOut, cOutG, rowsG, geom, inPositions, outPositions: p, kernelVolume } = plan;
  const backend = getBackend();
  const { gemm } = backend;
  if (batch === 0) {
    gw.fill(0);
    gb?.fill(0);
    return;
  }
  const sampleCols = cIn * kernelVolume * p;
  if (backend.conv?.weightGrad({ plan, x, y, gw, kept, gb })) return;
  if (gb !== null) channelSums(y, batch, cOut, p, gb);
  if (backend.prefersBatches(dtypeOf(x))) {
    const colsStride = plan.direct ? cIn * inPositions : sampleCols;
    const chunk = plan.direct || kept ? batch : chunkSamples(batch, sampleCols);
    const temp = plan.direct || kept ? null : takeColumns(dtypeOf(x), chunk * sampleCols);
    const cols = plan.direct ? x : (kept ?? temp!.columns);
    for (let n0 = 0; n0 < batch; n0 += chunk) {
      const count = Math.min(chunk, batch - n0);
      const colsAt = plan.direct || kept ? n0 * colsStride : 0;
      if (!plan.direct && !kept) {
        for (let s = 0; s < count; s++) im2colInto(x, (n0 + s) * cIn * inPositions, geom, cols, s * sampleCols);
      }
      // One chain per chunk: its first sample overwrites gW only in the first chunk.
      for (let g = 0; g < groups; g++) {
        backend.gemmBatch({
          transA: false,
          transB: true,
          m: cOutG,
          n: rowsG,
          k: p,
          alpha: 1,
          a: y,
          aOffset: n0 * cOut * p + g * cOutG * p,
          lda: p,
          strideA: cOut * p,
          b: cols,
          bOffset: colsAt + g * rowsG * p,
          ldb: p,
          strideB: colsStride,
          beta: n0 === 0 ? 0 : 1,
          c: gw,
          cOffset: g * cOutG * rowsG,
          ldc: rowsG,
          strideC: 0,
          count,
          chain: true,
        });
      }
    }
    temp?.give();
    return;
  }
  const cols = plan.direct ? x : (kept ?? columnScratch(x, sampleCols));
  for (let n = 0; n < batch; n++) {
    const xAt = n * cIn * inPositions;
    let colsAt = xAt;
    if (kept && !plan.direct) {
      colsAt = n * sampleCols;
    } else if (!plan.direct) {
      im2colInto(x, xAt, geom, cols, 0);
      colsAt = 0;
    }
    // The batch sum runs through beta: the first sample overwrites, the rest add.
    for (let g = 0; g < groups; g++) {
      gemm(
        false,
        true,
        cOutG,
        rowsG,
        p,
        1,
        y,
        n * cOut * p + g * cOutG * p,
        p,
        cols,
        colsAt + g * rowsG * p,
        p,
        n === 0 ? 0 : 1,
        gw,
        g * cOutG * rowsG,
        rowsG,
      );
    }
  }
}

import type { FloatArray } from '../../dtype.js';
import { col2imInto } from '../im2col.js';
import { getGemm } from '../select.js';
import { columnScratch, takeColumns } from './columns.js';
import { batchKernel, chunkSamples, planar, type ConvPlan } from './plan.js';

/**
 * `x[n] += col2im(Wᵀ · y[n])` for every sample and group. Accumulates into `x`, so the caller
 * starts it at zero (a gradient) or at the bias (the transposed conv's output).
 */
export function convAdjointInto(y: FloatArray, w: FloatArray, plan: ConvPlan, x: FloatArray): void {
  const { batch, groups, cIn, cOut, geom, inPositions, outPositions: p, kernelVolume } = plan;
  const { gemm } = getGemm();
  const cOutG = cOut / groups;
  const rowsG = (cIn / groups) * kernelVolume;
  const wasm = batchKernel(y);
  if (wasm !== null && x instanceof Float32Array) {
    const sampleCols = cIn * kernelVolume * p;
    if (plan.direct) {
      for (let g = 0; g < groups; g++) {
        wasm.gemmBatch(
          true,
          false,
          rowsG,
          p,
          cOutG,
          1,
          w,
          g * cOutG * rowsG,
          rowsG,
          0,
          y,
          g * cOutG * p,
          p,
          cOut * p,
          1,
          x,
          g * rowsG * p,
          p,
          cIn * inPositions,
          batch,
          false,
        );
      }
      return;
    }
    const planarGeom = planar(geom);
    const chunk = chunkSamples(batch, sampleCols);
    let start = 0;
    if (planarGeom !== null) {
      // GEMM and col2im of each sample in wasm, on whichever thread takes the sample.
      let done = 0;
      for (; done < batch; done += chunk) {
        const count = Math.min(chunk, batch - done);
        const ran = wasm.convBatch({
          mode: 'adjoint',
          geometry: planarGeom,
          groups,
          cOutG,
          count,
          x,
          xOffset: done * cIn * inPositions,
          w,
          wOffset: 0,
          y,
          yOffset: done * cOut * p,
          cols: null,
          beta: 0,
        });
        if (!ran) break;
      }
      if (done >= batch) return;
      start = done;
    }
    const temp = takeColumns('float32', chunk * sampleCols);
    const cols = temp.columns;
    for (let n0 = start; n0 < batch; n0 += chunk) {
      const count = Math.min(chunk, batch - n0);
      for (let g = 0; g < groups; g++) {
        wasm.gemmBatch(
          true,
          false,
          rowsG,
          p,
          cOutG,
          1,
          w,
          g * cOutG * rowsG,
          rowsG,
          0,
          y,
          n0 * cOut * p + g * cOutG * p,
          p,
          cOut * p,
          0,
          cols,
          g * rowsG * p,
          p,
          sampleCols,
          count,
          false,
        );
      }
      // col2im adds: overlapping windows all touched the same pixel.
      for (let s = 0; s < count; s++) col2imInto(cols, s * sampleCols, geom, x, (n0 + s) * cIn * inPositions);
    }
    temp.give();
    return;
  }
  const cols = plan.direct ? null : columnScratch(x, cIn * kernelVolume * p);
  for (let n = 0; n < batch; n++) {
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

import type { FloatArray } from '../../dtype.js';
import { im2colInto } from '../im2col.js';
import { getGemm } from '../select.js';
import { columnScratch, takeColumns } from './columns.js';
import { batchKernel, chunkSamples, planar, type ConvPlan } from './plan.js';

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
  const { batch, groups, cIn, cOut, geom, inPositions, outPositions: p, kernelVolume } = plan;
  const { gemm } = getGemm();
  const cOutG = cOut / groups;
  const rowsG = (cIn / groups) * kernelVolume;
  const sampleCols = cIn * kernelVolume * p;
  const beta = accumulate || bias !== null ? 1 : 0;
  const wasm = batchKernel(x);
  const planarGeom = wasm !== null && !plan.direct ? planar(geom) : null;
  let start = 0;
  if (wasm !== null && planarGeom !== null) {
    // im2col and GEMM of each sample in wasm, on whichever thread takes the sample.
    const chunk = keep ? batch : chunkSamples(batch, sampleCols);
    let done = 0;
    for (; done < batch; done += chunk) {
      const count = Math.min(chunk, batch - done);
      const ran = wasm.convBatch({
        mode: 'forward',
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
        cols: keep ? (keep as Float32Array).subarray(done * sampleCols) : null,
        beta,
        bias,
      });
      if (!ran) break;
    }
    // Not resident columns, or no room to grow: the rest by the batched GEMM below (same products).
    start = done;
  }
  // The bias is y's starting value: the GEMMs below add onto it (beta = 1).
  if (bias !== null && start < batch) {
    fillChannelBias(y.subarray(start * cOut * p) as FloatArray, bias, batch - start, cOut, p);
  }
  if (wasm !== null) {
    const colsStride = plan.direct ? cIn * inPositions : sampleCols;
    const chunk = plan.direct || keep ? batch : chunkSamples(batch, sampleCols);
    const temp = plan.direct || keep || start >= batch ? null : takeColumns('float32', chunk * sampleCols);
    const cols = plan.direct ? x : (keep ?? temp?.columns ?? x);
    for (let n0 = start; n0 < batch; n0 += chunk) {
      const count = Math.min(chunk, batch - n0);
      const colsAt = plan.direct || keep ? n0 * colsStride : 0;
      if (!plan.direct) {
        for (let s = 0; s < count; s++)
          im2colInto(x, (n0 + s) * cIn * inPositions, geom, cols, colsAt + s * sampleCols);
      }
      for (let g = 0; g < groups; g++) {
        wasm.gemmBatch(
          false,
          false,
          cOutG,
          p,
          rowsG,
          1,
          w,
          g * cOutG * rowsG,
          rowsG,
          0,
          cols,
          colsAt + g * rowsG * p,
          p,
          colsStride,
          beta,
          y,
          n0 * cOut * p + g * cOutG * p,
          p,
          cOut * p,
          count,
          false,
        );
      }
    }
    temp?.give();
    return;
  }
  const cols = plan.direct ? x : (keep ?? columnScratch(x, sampleCols));
  for (let n = 0; n < batch; n++) {
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

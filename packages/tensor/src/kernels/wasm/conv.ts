/**
 * Conv tasks on the WebAssembly runtime (see conv/tasks.ts for how a `ConvPlan` call becomes these):
 * a batch of 1-D/2-D samples, each whole on one thread, and a weight gradient over fixed partitions.
 */
import type { GemmArray } from '../seam.js';
import type { ConvBatchTask, WeightGradTask } from '../conv/tasks.js';
import { CONV, KIND, PRODUCT, WEIGHT_GRAD } from './slots.js';
import { align, type WasmRuntime } from './runtime.js';

// Partitions of a conv weight gradient's batch (see convWeightGrad): a constant, so that results do
// not depend on the thread count; 8 keeps 2–8 threads busy, and the partials cost little to add up.
const WEIGHT_GRAD_PARTS = 8;
// Most floats of im2col buffers a weight gradient stages at once (16 MB), as conv's column chunks.
const WEIGHT_GRAD_COLUMNS_MAX = 1 << 22;

/**
 * What a conv call and a weight-gradient call both tell the tasks, in the same slots of either record:
 * where the samples, their columns and the output lie (strides in floats), the groups, and the planar
 * geometry `g`.
 */
interface ConvLayout {
  xAt: number;
  xStride: number;
  colsAt: number;
  colsStride: number;
  yAt: number;
  yStride: number;
  groups: number;
  cOutG: number;
  rowsG: number;
  positions: number;
  g: readonly number[];
}

function writeConvLayout(i32: Int32Array, p: number, slots: typeof CONV | typeof WEIGHT_GRAD, l: ConvLayout): void {
  i32[p + slots.x] = l.xAt;
  i32[p + slots.xStride] = l.xStride * 4;
  i32[p + slots.cols] = l.colsAt;
  i32[p + slots.colsStride] = l.colsStride * 4;
  i32[p + slots.y] = l.yAt;
  i32[p + slots.yStride] = l.yStride * 4;
  i32[p + slots.groups] = l.groups;
  i32[p + slots.cOutG] = l.cOutG;
  i32[p + slots.rowsG] = l.rowsG;
  i32[p + slots.positions] = l.positions;
  for (let i = 0; i < 13; i++) i32[p + slots.geometry + i] = l.g[i]!;
}

/**
 * A batch of 1-D/2-D convolution samples, each whole on one thread (im2col and GEMMs back to back, in
 * that core's cache), the samples spread over the pool. `'forward'`: `y[s] = W · im2col(x[s]) + beta·y[s]`;
 * `'adjoint'`: `x[s] += col2im(Wᵀ · y[s])`, per group. With `call.bias`, the forward starts y at it. Results do not depend on the thread count.
 * Operands outside the wasm memory are copied in (y only when it is read) and the written one back.
 * @param call.geometry `[C, H, W, kH, kW, sH, sW, pH, pW, dH, dW, Hout, Wout]` of one sample (1-D: H = kH = 1)
 * @param call.cols where the columns go, `[count, C·kH·kW, Hout·Wout]`: resident (`residentArray`), or
 *   null for staging that is thrown away
 * @returns false when nothing ran: an operand is float64, `cols` is not resident, or the memory cannot
 *   grow (the caller then takes another path)
 */
export function convBatch(rt: WasmRuntime, call: ConvBatchTask): boolean {
  const { mode, geometry: g, groups, count, x, xOffset, w, wOffset, y, yOffset, cols, beta } = call;
  const bias = call.bias ?? null;
  const reluMaxPool = mode === 'forward' ? (call.reluMaxPool ?? null) : null;
  if (g.length !== 13) return false;
  if (!(x instanceof Float32Array && w instanceof Float32Array && y instanceof Float32Array)) return false;
  if (bias !== null && !(bias instanceof Float32Array)) return false;
  if (reluMaxPool !== null && !(reluMaxPool.pooled instanceof Float32Array)) return false;
  if (count <= 0) return true;
  const cOutG = call.cOutG;
  const { cOut, rowsG, positions, xStride, yStride, sampleCols, outH, outW } = planarLayout(g, groups, cOutG);
  const forward = mode === 'forward';
  const has = (array: GemmArray) => rt.has(array);
  if (cols !== null && !has(cols)) return false;
  const xResident = has(x);
  const wResident = has(w);
  const yResident = has(y);
  let end = rt.operands;
  const xAt = xResident ? x.byteOffset + xOffset * 4 : end;
  if (!xResident) end = align(end + count * xStride * 4, 64);
  const wAt = wResident ? w.byteOffset + wOffset * 4 : end;
  if (!wResident) end = align(end + cOut * rowsG * 4, 64);
  const yAt = yResident ? y.byteOffset + yOffset * 4 : end;
  if (!yResident) end = align(end + count * yStride * 4, 64);
  // A forward makes the columns it does not keep in each thread's own buffer (whole, or a band of
  // output rows at a time; see convTask), never in staging; an adjoint's go there when they fit
  // (stride 0), staying in its cache.
  const ownCols = cols === null && (forward || sampleCols <= rt.threadColsFloats);
  const colsAt = cols !== null ? cols.byteOffset : end;
  if (cols === null && !ownCols) end = align(end + count * sampleCols * 4, 64);
  const withBias = forward && bias !== null;
  const biasAt = end;
  if (withBias) end = align(end + cOut * 4, 64);
  const windowRows = reluMaxPool?.windowRows ?? 2;
  const pooledSize = count * cOut * Math.floor(outH / windowRows) * (outW >> 1);
  const pooledAt = end;
  const indicesAt = align(pooledAt + pooledSize * 4, 64);
  if (reluMaxPool !== null) end = align(indicesAt + pooledSize * 4, 64);
  if (!rt.reserve(end)) return false;
  const f32 = rt.f32;
  if (!xResident) f32.set(x.subarray(xOffset, xOffset + count * xStride), xAt >> 2);
  if (!wResident) f32.set(w.subarray(wOffset, wOffset + cOut * rowsG), wAt >> 2);
  if (!yResident && (!forward || (beta !== 0 && !withBias)))
    f32.set(y.subarray(yOffset, yOffset + count * yStride), yAt >> 2);
  if (withBias) f32.set(bias.subarray(0, cOut), biasAt >> 2);
  const i32 = rt.i32;
  const p = rt.params >> 2;
  i32[p + PRODUCT.kind] = KIND.conv;
  i32[p + CONV.mode] = forward ? 0 : 1;
  const colsStride = ownCols ? 0 : sampleCols;
  writeConvLayout(i32, p, CONV, { xAt, xStride, colsAt, colsStride, yAt, yStride, groups, cOutG, rowsG, positions, g });
  i32[p + CONV.bias] = withBias ? biasAt : 0;
  i32[p + CONV.w] = wAt;
  f32[p + CONV.beta] = forward ? beta : 0;
  // Always written (the slot holds the weight gradient's count otherwise): 0 = no epilogue.
  i32[p + CONV.pooled] = reluMaxPool !== null ? pooledAt : 0;
  i32[p + CONV.indices] = indicesAt;
  i32[p + CONV.windowRows] = windowRows;
  rt.runTasks(count, 2 * cOut * rowsG * positions * count >= rt.minParallelFlops);
  if (forward && !yResident && reluMaxPool === null)
    y.set(f32.subarray(yAt >> 2, (yAt >> 2) + count * yStride), yOffset);
  if (!forward && !xResident) x.set(f32.subarray(xAt >> 2, (xAt >> 2) + count * xStride), xOffset);
  if (reluMaxPool !== null) {
    reluMaxPool.pooled.set(f32.subarray(pooledAt >> 2, (pooledAt >> 2) + pooledSize), reluMaxPool.offset);
    reluMaxPool.indices.set(rt.i32.subarray(indicesAt >> 2, (indicesAt >> 2) + pooledSize), reluMaxPool.offset);
  }
  return true;
}

/**
 * A conv weight gradient `gW = Σ_s gy[s]·cols[s]ᵀ` per group (and, with `call.gb`, the bias gradient
 * `gb[c] = Σ_s Σ_p gy[s, c, p]`), for 1-D/2-D geometries: the samples go in WEIGHT_GRAD_PARTS fixed
 * partitions, each summed in order by one task into its own partial, and the partials are added up in
 * order in float64 and rounded once. So the result depends on the batch size, not on the thread count.
 * `call.cols` (from a forward) are read in place when resident; otherwise each task makes its
 * samples' columns (into one buffer per partition running at once), which gives the same bits.
 * @returns false when nothing ran (float64, or no room): take another path
 */
export function convWeightGrad(rt: WasmRuntime, call: WeightGradTask): boolean {
  const { geometry: g, groups, cOutG, count, x, xOffset, y, yOffset, gw, gb } = call;
  if (g.length !== 13) return false;
  if (!(x instanceof Float32Array && y instanceof Float32Array && gw instanceof Float32Array)) return false;
  if (gb !== null && !(gb instanceof Float32Array)) return false;
  if (count <= 0) return false;
  const { cOut, rowsG, positions, xStride, yStride, sampleCols } = planarLayout(g, groups, cOutG);
  const has = (array: GemmArray) => rt.has(array);
  // Columns outside the memory are made again rather than copied in (im2col is exact: same bits).
  const cols = call.cols !== null && has(call.cols) ? call.cols : null;
  const chunk = Math.ceil(count / WEIGHT_GRAD_PARTS);
  const parts = Math.ceil(count / chunk);
  const xResident = cols !== null || has(x);
  const yResident = has(y);
  let end = rt.operands;
  const xAt = cols !== null ? 0 : xResident ? x.byteOffset + xOffset * 4 : end;
  if (!xResident) end = align(end + count * xStride * 4, 64);
  const yAt = yResident ? y.byteOffset + yOffset * 4 : end;
  if (!yResident) end = align(end + count * yStride * 4, 64);
  // Columns made in the tasks need a buffer per partition running at once: all partitions in one
  // round if their buffers fit in WEIGHT_GRAD_COLUMNS_MAX floats, else rounds of one per thread.
  const threads = rt.pool === null ? 1 : rt.pool.size;
  // Or, when a sample's columns fit, each thread's own buffer (stride 0), whatever the partition.
  const ownCols = cols === null && sampleCols <= rt.threadColsFloats;
  const round =
    cols !== null || ownCols || parts * sampleCols <= WEIGHT_GRAD_COLUMNS_MAX ? parts : Math.min(parts, threads);
  const colsAt = cols !== null ? cols.byteOffset : end;
  if (cols === null && !ownCols) end = align(end + round * sampleCols * 4, 64);
  const partsAt = end;
  end = align(end + parts * cOut * rowsG * 4, 64);
  const biasAt = end;
  if (gb !== null) end = align(end + parts * cOut * 8, 64);
  if (!rt.reserve(end)) return false;
  const f32 = rt.f32;
  if (!xResident) f32.set(x.subarray(xOffset, xOffset + count * xStride), xAt >> 2);
  if (!yResident) f32.set(y.subarray(yOffset, yOffset + count * yStride), yAt >> 2);
  const i32 = rt.i32;
  const p = rt.params >> 2;
  i32[p + PRODUCT.kind] = KIND.weightGrad;
  i32[p + WEIGHT_GRAD.im2col] = cols === null ? 1 : 0;
  const colsStride = ownCols ? 0 : sampleCols;
  writeConvLayout(i32, p, WEIGHT_GRAD, {
    xAt,
    xStride,
    colsAt,
    colsStride,
    yAt,
    yStride,
    groups,
    cOutG,
    rowsG,
    positions,
    g,
  });
  i32[p + WEIGHT_GRAD.biasParts] = gb !== null ? biasAt : 0;
  i32[p + WEIGHT_GRAD.parts] = partsAt;
  i32[p + WEIGHT_GRAD.count] = count;
  i32[p + WEIGHT_GRAD.chunk] = chunk;
  for (let first = 0; first < parts; first += round) {
    i32[p + WEIGHT_GRAD.first] = first;
    rt.runTasks(Math.min(round, parts - first), 2 * cOut * rowsG * positions * count >= rt.minParallelFlops);
  }
  const size = cOut * rowsG;
  const at = partsAt >> 2;
  for (let i = 0; i < size; i++) {
    let sum = 0;
    for (let t = 0, j = at + i; t < parts; t++, j += size) sum += f32[j]!;
    gw[i] = sum;
  }
  if (gb !== null) {
    const f64 = rt.f64;
    const base = biasAt >> 3;
    for (let c = 0; c < cOut; c++) {
      let sum = 0;
      for (let t = 0; t < parts; t++) sum += f64[base + t * cOut + c]!;
      gb[c] = sum;
    }
  }
  return true;
}

/**
 * The sizes in a planar conv geometry (13 numbers, see `ConvBatchTask`), read once, and what both tasks
 * derive from them with `groups` of `cOutG` output channels: a group's weight rows `(C / groups)·kH·kW`,
 * output positions, and a sample's input, output and columns (in floats).
 */
function planarLayout(g: readonly number[], groups: number, cOutG: number) {
  const [channels, inH, inW, kH, kW, outH, outW] = [g[0]!, g[1]!, g[2]!, g[3]!, g[4]!, g[11]!, g[12]!];
  const cOut = cOutG * groups;
  const positions = outH * outW;
  return {
    cOut,
    rowsG: (channels / groups) * kH * kW,
    positions,
    xStride: channels * inH * inW,
    yStride: cOut * positions,
    sampleCols: channels * kH * kW * positions,
    outH,
    outW,
  };
}

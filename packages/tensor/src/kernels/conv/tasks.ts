/**
 * Conv capabilities on a backend that runs convolutions as tasks over samples (the WebAssembly and the
 * native backends): `convBatch` runs `count` samples of a convolution (1-D/2-D, or of any rank where
 * the tasks say so; forward, with the fused relu → max-pool epilogue when asked, or adjoint),
 * `convWeightGrad` a weight gradient over a batch, `maxPoolReluBackward` the epilogue's backward. Each
 * returns false when it declines (a dtype it does not run, no room). This turns a `ConvPlan` call into
 * those tasks: the geometry as numbers, and the samples in chunks whose columns fit `chunkSamples`
 * (all at once when the columns are kept).
 */
import type { GemmArray } from '../seam.js';
import type {
  ConvAdjointCall,
  ConvForwardCall,
  ConvKernels,
  ConvReluMaxPoolBackwardCall,
  ConvReluMaxPoolCall,
  ConvReluMaxPoolKernels,
  ConvWeightGradCall,
} from '../seam.js';
import { chunkSamples, planar, spatial, type ConvPlan } from './plan.js';

/** A backend's conv tasks (see the module comment). */
export interface ConvTasks {
  /** Whether the tasks take direct plans (1×1, stride 1, no padding: the columns are the input itself). */
  readonly runsDirect?: boolean;
  /** Whether `convBatch` and `convWeightGrad` take geometries of 3 to 8 axes (`spatial`'s form); else 1-D/2-D only. */
  readonly runsAnyRank?: boolean;
  convBatch(call: ConvBatchTask): boolean;
  convWeightGrad(call: WeightGradTask): boolean;
  maxPoolReluBackward(call: PoolBackwardTask): boolean;
}

/** The `conv` capability of a backend with these tasks. */
export function convKernelsOnTasks(tasks: ConvTasks): ConvKernels {
  return {
    forward: (call) => forward(tasks, call),
    adjoint: (call) => adjoint(tasks, call),
    weightGrad: (call) => weightGrad(tasks, call),
  };
}

/** The `convReluMaxPool` capability of a backend with these tasks. */
export function convReluMaxPoolOnTasks(tasks: ConvTasks): ConvReluMaxPoolKernels {
  return {
    forward: (call) => reluMaxPoolForward(tasks, call),
    backward: (call) => reluMaxPoolBackward(tasks, call),
  };
}

/** What every conv task starts from: `count` samples of one convolution's geometry, its input side at `x`. */
export interface ConvSamplesTask {
  /**
   * `[C, H, W, kH, kW, sH, sW, pH, pW, dH, dW, Hout, Wout]` (1-D as H = 1), C being all the convolution
   * input side's channels; with `runsAnyRank`, the same layout over 3 to 8 axes (`spatial`, plan.ts).
   */
  geometry: readonly number[];
  groups: number;
  /** Channels of the convolution output side per group (Cout / groups). */
  cOutG: number;
  count: number;
  /**
   * The convolution input side `[count, C, ...inputSize]` from `xOffset`: read (forward), added onto
   * (adjoint), or read to make the columns (weight gradient, when `cols` is null).
   */
  x: GemmArray;
  xOffset: number;
}

/** `count` samples of one convolution, as `ConvTasks.convBatch` takes them. */
export interface ConvBatchTask extends ConvSamplesTask {
  mode: 'forward' | 'adjoint';
  /** The weight `[Cout, C/groups·∏kernelSize]` from `wOffset`. */
  w: GemmArray;
  wOffset: number;
  /** The convolution output side `[count, Cout, ∏outputSize]` from `yOffset`: written (forward) or read (adjoint). */
  y: GemmArray;
  yOffset: number;
  /** Forward only: where to leave every sample's columns `[count, C·∏kernelSize, ∏outputSize]`, or null. */
  cols: GemmArray | null;
  /** Forward only: 1 adds onto what y holds, 0 overwrites it. */
  beta: number;
  /** Forward only: `[Cout]`, y's starting value per channel instead of what it holds (beta is then ignored). */
  bias?: GemmArray | null;
  /**
   * Forward only, 1-D/2-D: also `maxPool(relu(y))` of every sample over 2×2 windows (`windowRows` 2, as
   * `maxPool2d(relu(y), 2)`) or 1×2 (`windowRows` 1, a 1-D conv: `maxPool1d(relu(y), 2)`), floor mode,
   * written from `offset` into `pooled` `[count, Cout, Hout/windowRows, ⌊Wout/2⌋]`, with each maximum's
   * index `ih·Wout + iw` in its plane into `indices` (same shape). y is then not copied out unless it
   * is resident (WebAssembly): pass a resident y to keep it, or any array of the right length to drop it.
   */
  reluMaxPool?: { pooled: GemmArray; indices: Int32Array; offset: number; windowRows: 1 | 2 } | null;
}

/** The weight (and bias) gradient over `count` samples, as `ConvTasks.convWeightGrad` takes it. */
export interface WeightGradTask extends ConvSamplesTask {
  /** The columns the forward kept, `[count, C·∏kernelSize, ∏outputSize]` (used in place when resident), or null. */
  cols: GemmArray | null;
  /** The output gradient `[count, Cout, ∏outputSize]` from `yOffset`. */
  y: GemmArray;
  yOffset: number;
  /** Written: `[Cout, C/groups·∏kernelSize]`. */
  gw: GemmArray;
  /** Written when given: `[Cout]`. */
  gb: GemmArray | null;
}

/** The backward of `convBatch`'s `reluMaxPool` for `count` samples, as `ConvTasks.maxPoolReluBackward` takes it. */
export interface PoolBackwardTask {
  /** Planes per sample and their size: y is `[count, channels, h, w]`. */
  channels: number;
  h: number;
  w: number;
  /** The windows' rows: 2 (2×2) or 1 (1×2, h = 1). */
  windowRows: 1 | 2;
  count: number;
  /** `[count, channels, h/windowRows, ⌊w/2⌋]` each: the pooled output's gradient, the pooled output, and the indices the forward wrote. */
  gradPooled: GemmArray;
  pooled: GemmArray;
  indices: Int32Array;
  /** Written whole: y's gradient `[count, channels, h, w]`. */
  gradY: GemmArray;
}

/**
 * Runs `run(done, count)` on chunks of `chunk` samples from the first until one returns false.
 * @returns the samples run
 */
function inChunks(batch: number, chunk: number, run: (done: number, count: number) => boolean): number {
  let done = 0;
  for (; done < batch; done += chunk) if (!run(done, Math.min(chunk, batch - done))) break;
  return Math.min(done, batch);
}

/** The fields of a `convBatch` call for samples [done, done + count) of `plan` that every mode shares. */
function samples(plan: ConvPlan, geometry: number[], done: number, count: number) {
  const { groups, cIn, cOut, inPositions, outPositions } = plan;
  const at = { xOffset: done * cIn * inPositions, wOffset: 0, yOffset: done * cOut * outPositions };
  return { geometry, groups, cOutG: cOut / groups, count, ...at };
}

/**
 * Samples in chunks, until one is declined: all at once when the columns are kept; otherwise as many
 * as fit the column budget by their input and output (a forward makes no columns it does not keep:
 * the backends pack the GEMM's panels straight from the input), which bounds what is staged at once.
 */
function forwardChunks(
  tasks: ConvTasks,
  plan: ConvPlan,
  keep: GemmArray | null,
  call: (done: number, count: number, cols: GemmArray | null) => ConvBatchTask,
): number {
  const sampleCols = plan.cIn * plan.kernelVolume * plan.outPositions;
  const sampleStaged = plan.cIn * plan.inPositions + plan.cOut * plan.outPositions;
  const chunk = keep ? plan.batch : chunkSamples(plan.batch, sampleStaged);
  return inChunks(plan.batch, chunk, (done, count) =>
    tasks.convBatch(call(done, count, keep ? keep.subarray(done * sampleCols) : null)),
  );
}

/** The geometry a plan's tasks get, or null where they do not run it (the generic path then does). */
function geometryFor(tasks: ConvTasks, plan: ConvPlan): number[] | null {
  if (plan.direct && tasks.runsDirect !== true) return null;
  return tasks.runsAnyRank === true ? spatial(plan.geom) : planar(plan.geom);
}

/** `conv.forward`. */
function forward(tasks: ConvTasks, { plan, x, w, y, accumulate, bias, keep }: ConvForwardCall): number {
  const geometry = geometryFor(tasks, plan);
  if (geometry === null) return 0;
  const beta = accumulate || bias !== null ? 1 : 0;
  return forwardChunks(tasks, plan, keep, (done, count, cols) => ({
    ...samples(plan, geometry, done, count),
    mode: 'forward',
    x,
    w,
    y,
    cols,
    beta,
    bias,
  }));
}

/** `conv.adjoint`: samples in chunks whose columns fit, until one is declined. */
function adjoint(tasks: ConvTasks, { plan, y, w, x }: ConvAdjointCall): number {
  const geometry = geometryFor(tasks, plan);
  if (geometry === null) return 0;
  const chunk = chunkSamples(plan.batch, plan.cIn * plan.kernelVolume * plan.outPositions);
  return inChunks(plan.batch, chunk, (done, count) =>
    tasks.convBatch({ ...samples(plan, geometry, done, count), mode: 'adjoint', x, w, y, cols: null, beta: 0 }),
  );
}

/** `conv.weightGrad`: the whole batch at once (the backend sums it in fixed partitions). */
function weightGrad(tasks: ConvTasks, { plan, x, y, gw, kept, gb }: ConvWeightGradCall): boolean {
  const geometry = geometryFor(tasks, plan);
  if (geometry === null) return false;
  return tasks.convWeightGrad({
    geometry,
    groups: plan.groups,
    cOutG: plan.cOut / plan.groups,
    count: plan.batch,
    x,
    xOffset: 0,
    cols: kept,
    y,
    yOffset: 0,
    gw,
    gb,
  });
}

/** `convReluMaxPool.forward`: the conv forward with the epilogue in its tasks, chunked as `forward`. */
function reluMaxPoolForward(tasks: ConvTasks, call: ConvReluMaxPoolCall): number {
  const { plan, x, w, bias, y, keep, pooled, indices } = call;
  const geometry = planar(plan.geom);
  if (geometry === null) return 0;
  const windowRows = plan.geom.outputSize.length === 2 ? 2 : 1;
  const perSample = plan.cOut * Math.floor(geometry[11]! / windowRows) * (geometry[12]! >> 1);
  return forwardChunks(tasks, plan, keep, (done, count, cols) => ({
    ...samples(plan, geometry, done, count),
    mode: 'forward',
    x,
    w,
    y,
    cols,
    beta: 0,
    bias,
    reluMaxPool: { pooled, indices, offset: done * perSample, windowRows },
  }));
}

/** `convReluMaxPool.backward`, a sample per task. */
function reluMaxPoolBackward(
  tasks: ConvTasks,
  { plan, gradPooled, pooled, indices, gradY }: ConvReluMaxPoolBackwardCall,
): boolean {
  const size = plan.geom.outputSize;
  const windowRows = size.length === 2 ? 2 : 1;
  return tasks.maxPoolReluBackward({
    channels: plan.cOut,
    h: windowRows === 2 ? size[0]! : 1,
    w: size[size.length - 1]!,
    windowRows,
    count: plan.batch,
    gradPooled,
    pooled,
    indices,
    gradY,
  });
}

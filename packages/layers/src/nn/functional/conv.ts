import { defineOp, pad, sum, type BackwardContext, type ForwardContext, type Variable } from '@torchlet/autograd';
import { convInputGrad, convWeightGrad } from './conv-grads.js';
import {
  col2imInto,
  convGeometry,
  formatShape,
  getGemm,
  im2colInto,
  rangeError,
  shapeError,
  Tensor,
  uninitializedArrayFor,
  WasmGemm,
  type ConvGeometry,
  describeOption,
  formatSize,
  dilatedSpan,
  floatArray,
  floatData,
  type FloatArray,
} from '@torchlet/tensor';
import {
  checkConvChannels,
  checkConvSizes,
  checkConvTensors,
  isUnbatched,
  normalizeConvOptions,
  type ConvOptions,
  type ConvParams,
  type TensorInput,
} from './conv-options.js';
import { columnScratch, takeColumns } from '../../functional/conv-columns.js';
import { checkInputWeightBias } from './check-tensors.js';

/*
 * One convolution, three uses. A ConvPlan describes a correlation from a "wide" side
 * `x [N, Cin, ...inputSize]` to a "narrow" side `y [N, Cout, ...outputSize]` through a weight whose
 * group g is the matrix `W_g [Cout/groups, (Cin/groups)·∏k]`. Then
 *   y  = W · im2col(x)            (conv forward;   convTranspose input gradient)
 *   x += col2im(Wᵀ · y)           (conv input gradient; convTranspose forward)
 *   gW = Σn y[n] · im2col(x[n])ᵀ   (both weight gradients, with the roles of x and y swapped)
 * and a conv weight `[Cout, Cin/g, ...k]` and a transposed-conv weight `[Cin, Cout/g, ...k]` are
 * both exactly that matrix layout. Every GEMM goes through `getGemm()`.
 */
export interface ConvPlan {
  readonly batch: number;
  readonly groups: number;
  /** Channels of the convolution input side (the conv input). */
  readonly cIn: number;
  /** Channels of the convolution output side (the conv output). */
  readonly cOut: number;
  /** Geometry of one sample of the convolution input side; `channels` is all of `cIn`, so one im2col serves every group. */
  readonly geom: ConvGeometry;
  /** ∏ inputSize, ∏ outputSize, ∏ kernelSize. */
  readonly inPositions: number;
  readonly outPositions: number;
  readonly kernelVolume: number;
  /** 1×1 kernel, stride 1, no padding: the columns are the input itself, so im2col is skipped. */
  readonly direct: boolean;
}

export function convPlan(batch: number, groups: number, cIn: number, cOut: number, geom: ConvGeometry): ConvPlan {
  const prod = (v: readonly number[]) => v.reduce((a, b) => a * b, 1);
  const direct =
    geom.kernelSize.every((k) => k === 1) &&
    geom.stride.every((s) => s === 1) &&
    geom.padBefore.every((p) => p === 0) &&
    geom.outputSize.every((o, i) => o === geom.inputSize[i]);
  return {
    batch,
    groups,
    cIn,
    cOut,
    geom,
    inPositions: prod(geom.inputSize),
    outPositions: prod(geom.outputSize),
    kernelVolume: prod(geom.kernelSize),
    direct,
  };
}

/*
 * The forward's columns are kept for the weight gradient when a graph is recorded: im2col then runs
 * once per step instead of twice (LeNet-5's conv2 at batch 64: 1.6 ms per pass). The buffers come
 * from conv-columns.ts and go back when backward frees the graph.
 */
// Columns of at most this many elements are kept (16 MB in float32); larger ones are recomputed.
const KEPT_COLUMNS_MAX = 1 << 22;

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

/*
 * Under the WebAssembly kernel, float32 convs hand the GEMMs of many samples to one `gemmBatch` call,
 * which spreads them over the worker threads (one sample's product per task, or for the weight
 * gradient slices of gW each summed over every sample), instead of one small per-sample GEMM at a
 * time, each below the size worth splitting (LeNet-5's are all below it). The columns of those samples
 * then have to exist at once, so they are made chunk by chunk into a pooled buffer of at most
 * BATCH_COLUMNS_MAX floats. Same bits as the per-sample loop, for any thread count (see gemmBatch).
 */
const BATCH_COLUMNS_MAX = 1 << 22;

/** The kernel's batched GEMM when it runs this dtype (float32 under 'wasm'), else null. */
function batchKernel(data: FloatArray): WasmGemm | null {
  const gemm = getGemm();
  return gemm instanceof WasmGemm && data instanceof Float32Array ? gemm : null;
}

/**
 * `[C, H, W, kH, kW, sH, sW, pH, pW, dH, dW, Hout, Wout]` of a 1-D or 2-D geometry (1-D as H = 1), the
 * form `WasmGemm.convBatch` takes; null for 3-D, and for sizes the kernel's 32-bit signed integers
 * cannot hold (a stride or dilation of 2^31 and more, or a window span or stride·output past it),
 * which stay on the generic path.
 */
export function planar(geom: ConvGeometry): number[] | null {
  const dims = geom.inputSize.length;
  if (dims > 2) return null;
  const pick = (v: readonly number[], unit: number) => (dims === 1 ? [unit, v[0]!] : [v[0]!, v[1]!]);
  const [inH, inW] = pick(geom.inputSize, 1);
  const [kH, kW] = pick(geom.kernelSize, 1);
  const [sH, sW] = pick(geom.stride, 1);
  const [pH, pW] = pick(geom.padBefore, 0);
  const [dH, dW] = pick(geom.dilation, 1);
  const [outH, outW] = pick(geom.outputSize, 1);
  const values = [geom.channels, inH!, inW!, kH!, kW!, sH!, sW!, pH!, pW!, dH!, dW!, outH!, outW!];
  const spans = [(kH! - 1) * dH! + 1, (kW! - 1) * dW! + 1, sH! * outH!, sW! * outW!, inH! + 2 * pH!, inW! + 2 * pW!];
  return [...values, ...spans].every((v) => v < 2 ** 31) ? values : null;
}

/** Samples whose columns go in one buffer: as many as fit in BATCH_COLUMNS_MAX, at least one. */
export function chunkSamples(batch: number, sampleCols: number): number {
  return Math.max(1, Math.min(batch, Math.floor(BATCH_COLUMNS_MAX / Math.max(1, sampleCols))));
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

/**
 * `gW = Σn y[n] · im2col(x[n])ᵀ`, per group, overwriting `gw` (`[Cout, Cin/groups, ...k]`).
 * @param kept the columns `convForwardInto` kept, if it did; else they are recomputed
 * @param gb when given, also the bias gradient `Σ_{n,p} y[n, c, p]` (`[Cout]`), as `channelSums`
 * Under the wasm kernel (float32, 1-D/2-D) the batch is summed in fixed partitions on the worker
 * threads (see `WasmGemm.convWeightGrad`): bits depend on the batch size, not on the thread count.
 */
export function convWeightGradInto(
  x: FloatArray,
  y: FloatArray,
  plan: ConvPlan,
  gw: FloatArray,
  kept: FloatArray | null = null,
  gb: FloatArray | null = null,
): void {
  const { batch, groups, cIn, cOut, geom, inPositions, outPositions: p, kernelVolume } = plan;
  const { gemm } = getGemm();
  const cOutG = cOut / groups;
  const rowsG = (cIn / groups) * kernelVolume;
  if (batch === 0) {
    gw.fill(0);
    gb?.fill(0);
    return;
  }
  const sampleCols = cIn * kernelVolume * p;
  const wasm = batchKernel(x);
  const planarGeom = wasm !== null && !plan.direct ? planar(geom) : null;
  if (
    wasm !== null &&
    planarGeom !== null &&
    wasm.convWeightGrad({
      geometry: planarGeom,
      groups,
      cOutG,
      count: batch,
      x,
      xOffset: 0,
      cols: kept as Float32Array | null,
      y,
      yOffset: 0,
      gw,
      gb,
    })
  ) {
    return;
  }
  if (gb !== null) channelSums(y, batch, cOut, p, gb);
  if (wasm !== null) {
    const colsStride = plan.direct ? cIn * inPositions : sampleCols;
    const chunk = plan.direct || kept ? batch : chunkSamples(batch, sampleCols);
    const temp = plan.direct || kept ? null : takeColumns('float32', chunk * sampleCols);
    const cols = plan.direct ? x : (kept ?? temp!.columns);
    for (let n0 = 0; n0 < batch; n0 += chunk) {
      const count = Math.min(chunk, batch - n0);
      const colsAt = plan.direct || kept ? n0 * colsStride : 0;
      if (!plan.direct && !kept) {
        for (let s = 0; s < count; s++) im2colInto(x, (n0 + s) * cIn * inPositions, geom, cols, s * sampleCols);
      }
      // One chain per chunk: its first sample overwrites gW only in the first chunk.
      for (let g = 0; g < groups; g++) {
        wasm.gemmBatch(
          false,
          true,
          cOutG,
          rowsG,
          p,
          1,
          y,
          n0 * cOut * p + g * cOutG * p,
          p,
          cOut * p,
          cols,
          colsAt + g * rowsG * p,
          p,
          colsStride,
          n0 === 0 ? 0 : 1,
          gw,
          g * cOutG * rowsG,
          rowsG,
          0,
          count,
          true,
        );
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

/** What the conv op needs beyond its tensors: the resolved options of `normalizeConvOptions`. */
export interface ConvCall extends ConvParams {
  op: string;
}

/** The plan of a conv op's forward on `input` (batched or not) and `weight`, with `call`'s options. */
export function planConvCall(input: Tensor, weight: Tensor, call: ConvCall): { plan: ConvPlan; unbatched: boolean } {
  const dims = weight.ndim - 2;
  const unbatched = isUnbatched(input, dims);
  const [n, cIn, ...inputSize] = unbatched ? [1, ...input.shape] : input.shape;
  const geom = convGeometry(call.op, {
    channels: cIn!,
    inputSize,
    kernelSize: weight.shape.slice(2),
    stride: call.stride,
    padding: call.padBefore,
    paddingAfter: call.padAfter,
    dilation: call.dilation,
  });
  return { plan: convPlan(n!, call.groups, cIn!, weight.shape[0]!, geom), unbatched };
}

/** What a conv op's forward leaves for `convGradients`. */
export interface ConvSaved {
  input: Tensor;
  weight: Tensor;
  plan: ConvPlan;
  /** The forward's im2col columns, kept for the weight gradient (see `keepConvColumns`), or null. */
  columns: FloatArray | null;
}

/**
 * Columns for the forward to leave for the weight gradient (when one is wanted and they are not too
 * large), given back to the pool when the graph releases the op's saved record; null when they are
 * not kept.
 */
export function keepConvColumns<S>(ctx: ForwardContext<S>, input: Tensor, plan: ConvPlan): FloatArray | null {
  const columns = plan.batch * plan.cIn * plan.kernelVolume * plan.outPositions;
  if (!ctx.needsInputGrad[1] || plan.direct || columns > KEPT_COLUMNS_MAX) return null;
  const keep = takeColumns(input.dtype, columns);
  ctx.onRelease(() => keep.give());
  return keep.columns;
}

/**
 * The gradients of a conv op's (input, weight, bias), each only if asked for, from the conv output's
 * gradient `gy` `[N, Cout, ...outputSize]`.
 */
export function convGradients(
  ctx: BackwardContext<ConvSaved>,
  gy: FloatArray,
): [Tensor | null, Tensor | null, Tensor | null] {
  const { input, weight, plan, columns } = ctx.saved;
  const dtype = input.dtype;
  let gradInput: Tensor | null = null;
  let gradWeight: Tensor | null = null;
  let gradBias: Tensor | null = null;
  if (ctx.needsInputGrad[0]) {
    const gx = floatArray(dtype, input.size);
    convAdjointInto(gy, floatData(weight), plan, gx);
    gradInput = new Tensor(gx, input.shape);
  }
  if (ctx.needsInputGrad[1]) {
    const gw = floatArray(dtype, weight.size);
    // The bias gradient comes along: under the wasm kernel the same tasks sum gy's channels.
    const gb = ctx.needsInputGrad[2] ? floatArray(dtype, plan.cOut) : null;
    convWeightGradInto(floatData(input), gy, plan, gw, columns, gb);
    gradWeight = new Tensor(gw, weight.shape);
    if (gb) gradBias = new Tensor(gb, [plan.cOut]);
  }
  if (ctx.needsInputGrad[2] && !gradBias) {
    const gb = floatArray(dtype, plan.cOut);
    channelSums(gy, plan.batch, plan.cOut, plan.outPositions, gb);
    gradBias = new Tensor(gb, [plan.cOut]);
  }
  return [gradInput, gradWeight, gradBias];
}

/**
 * The differentiable convolution shared by conv1d/2d/3d: forward im2col + GEMM with the bias in
 * the same pass; backward gradInput = col2im(Wᵀ·gradOutput), gradWeight = gradOutput·colsᵀ summed
 * over the batch, gradBias = Σ gradOutput, each only if asked for. Inputs are validated by the
 * public functions; an unbatched input `[Cin, ...]` runs as a batch of one.
 */
export const convOp = defineOp({
  name: 'conv',
  forward(ctx: ForwardContext<ConvSaved>, input: Tensor, weight: Tensor, bias: Tensor | null, call: ConvCall): Tensor {
    const { plan, unbatched } = planConvCall(input, weight, call);
    // convForwardInto writes all of it: from the bias, or by GEMMs with beta = 0, which do not read C.
    const out = uninitializedArrayFor(input.dtype, plan.batch * plan.cOut * plan.outPositions) as FloatArray;
    const keep = keepConvColumns(ctx, input, plan);
    convForwardInto(floatData(input), floatData(weight), plan, out, false, keep, bias ? floatData(bias) : null);
    ctx.save({ input, weight, plan, columns: keep });
    const outShape = [plan.cOut, ...plan.geom.outputSize];
    return new Tensor(out, unbatched ? outShape : [plan.batch, ...outShape]);
  },
  backward(ctx, gradOutput: Tensor): (Tensor | null)[] {
    return [...convGradients(ctx, floatData(gradOutput)), null];
  },
  differentiableBackward(ctx, gradOutput): (Variable | null)[] {
    const [input, weight] = ctx.inputs;
    const { plan } = ctx.saved;
    return [
      ctx.needsInputGrad[0] ? convInputGrad(gradOutput, weight, plan, input.shape) : null,
      ctx.needsInputGrad[1] ? convWeightGrad(input, gradOutput, plan, weight.shape) : null,
      ctx.needsInputGrad[2] ? sum(gradOutput, channelSumAxes(gradOutput.ndim, input.ndim === weight.ndim - 1)) : null,
      null,
    ];
  },
});

/** How a weight of `dims` spatial axes is laid out, for error messages: `[Cout, Cin / groups, kH, kW]`. */
export function weightLayout(dims: number, channels = '[Cout, Cin / groups'): string {
  const named = ['', ', k', ', kH, kW', ', kD, kH, kW'];
  const axes = named[dims] ?? Array.from({ length: dims }, (_, i) => `, k${i + 1}`).join('');
  return `${channels}${axes}]`;
}

/** The axes a bias gradient sums over: all but the channel axis (0 unbatched, else 1). */
export function channelSumAxes(ndim: number, unbatched: boolean): number[] {
  const channel = unbatched ? 0 : 1;
  return Array.from({ length: ndim }, (_, i) => i).filter((i) => i !== channel);
}

/**
 * Validation and padding shared by convNd and conv1d/2d/3d (see `conv2d` for the contract): the input to
 * convolve (padded here unless the padding mode is zeros) and the options for `convOp`.
 */
export function prepareConv(
  op: string,
  dims: number,
  input: TensorInput,
  weight: TensorInput,
  bias: TensorInput | null | undefined,
  options: ConvOptions,
): { x: TensorInput; call: ConvCall; outputShape: number[] } {
  checkConvTensors(op, dims, input, weight, bias, weightLayout(dims));
  const params = normalizeConvOptions(op, weight.shape.slice(2), options);
  checkConvChannels(op, dims, input, weight, bias, params.groups, 1);
  const spatial = input.shape.slice(input.ndim - dims);
  const kernel = weight.shape.slice(2);
  const padded = spatial.map((l, i) => l + params.padBefore[i]! + params.padAfter[i]!);
  const span = kernel.map((k, i) => dilatedSpan(k, params.dilation[i]!));
  if (padded.some((p, i) => p < span[i]!)) {
    throw shapeError(
      op,
      `input ${formatShape(input.shape)} padded to ${formatSize(padded)} is smaller than the dilated kernel ${formatSize(span)}`,
    );
  }
  const unbatched = isUnbatched(input, dims);
  const n = unbatched ? 1 : input.shape[0]!;
  const cIn = input.shape[input.ndim - dims - 1]!;
  const outSize = padded.map((p, i) => Math.floor((p - span[i]!) / params.stride[i]!) + 1);
  const positions = outSize.reduce((a, d) => a * d, 1);
  const outputShape = unbatched ? [weight.shape[0]!, ...outSize] : [n, weight.shape[0]!, ...outSize];
  checkConvSizes(
    op,
    input,
    outputShape,
    { rows: cIn * kernel.reduce((a, k) => a * k, 1), positions },
    `padding=${describeOption(options.padding ?? 0)}, stride=${describeOption(options.stride ?? 1)}, dilation=${describeOption(options.dilation ?? 1)}`,
  );
  const { paddingMode } = params;
  let x = input;
  let call: ConvCall = {
    op,
    stride: params.stride,
    padBefore: params.padBefore,
    padAfter: params.padAfter,
    dilation: params.dilation,
    groups: params.groups,
  };
  if (paddingMode !== 'zeros' && params.padBefore.some((p, i) => p > 0 || params.padAfter[i]! > 0)) {
    spatial.forEach((l, i) => {
      const most = Math.max(params.padBefore[i]!, params.padAfter[i]!);
      if (paddingMode === 'reflect' && most >= l) {
        throw rangeError(
          op,
          `paddingMode='reflect' needs padding < input size on every axis; input ${formatShape(input.shape)} with padding=${describeOption(options.padding)}`,
        );
      }
      if (paddingMode === 'circular' && most > l) {
        throw rangeError(
          op,
          `paddingMode='circular' needs padding <= input size on every axis; input ${formatShape(input.shape)} with padding=${describeOption(options.padding)}`,
        );
      }
    });
    // As PyTorch: pad in that mode, then convolve without padding.
    const widths = spatial.map((_, i) => [params.padBefore[i]!, params.padAfter[i]!] as [number, number]);
    x = pad(input, widths, { mode: paddingMode });
    const zero = new Array<number>(dims).fill(0);
    call = { ...call, padBefore: zero, padAfter: zero };
  }
  return { x, call, outputShape };
}

/** What the convolution over no input channels keeps for backward: shapes only. */
interface NoChannelSaved {
  inputShape: number[];
  weightShape: number[];
  channels: number;
  positions: number;
}

/**
 * A convolution over `Cin = 0` channels is an empty sum: every output is its channel's bias (0 without
 * one), as `linear` with no input features. Backward: empty input and weight gradients, the bias
 * gradient the per-channel sums of gradOutput.
 */
const noChannelConvOp = defineOp({
  name: 'conv',
  forward(
    ctx: ForwardContext<NoChannelSaved>,
    input: Tensor,
    weight: Tensor,
    bias: Tensor | null,
    outputShape: number[],
  ): Tensor {
    const channels = weight.shape[0]!;
    const positions = outputShape.slice(outputShape.length - (weight.ndim - 2)).reduce((a, d) => a * d, 1);
    const out = floatArray(
      input.dtype,
      outputShape.reduce((a, d) => a * d, 1),
    );
    if (bias)
      fillChannelBias(out, floatData(bias), out.length / Math.max(1, channels * positions), channels, positions);
    ctx.save({ inputShape: input.shape.slice(), weightShape: weight.shape.slice(), channels, positions });
    return new Tensor(out, outputShape);
  },
  backward(ctx, gradOutput: Tensor): (Tensor | null)[] {
    const { inputShape, weightShape, channels, positions } = ctx.saved;
    const dtype = gradOutput.dtype;
    const empty = (shape: number[]) => new Tensor(floatArray(dtype, 0), shape);
    let gradBias: Tensor | null = null;
    if (ctx.needsInputGrad[2]) {
      const g = floatData(gradOutput);
      const gb = floatArray(dtype, channels);
      channelSums(g, g.length / Math.max(1, channels * positions), channels, positions, gb);
      gradBias = new Tensor(gb, [channels]);
    }
    return [
      ctx.needsInputGrad[0] ? empty(inputShape) : null,
      ctx.needsInputGrad[1] ? empty(weightShape) : null,
      gradBias,
      null,
    ];
  },
});

/** The convolution every public conv function runs: validation, then the op over one ConvPlan. */
function runConv(
  op: string,
  dims: number,
  input: TensorInput,
  weight: TensorInput,
  bias: TensorInput | null | undefined,
  options: ConvOptions,
): Variable {
  const { x, call, outputShape } = prepareConv(op, dims, input, weight, bias, options);
  if (x.shape[x.ndim - dims - 1] === 0) return noChannelConvOp(x, weight, bias ?? null, outputShape);
  return convOp(x, weight, bias ?? null, call);
}

/**
 * Convolution (cross-correlation, as in PyTorch) over any number of spatial axes, by im2col + GEMM;
 * the rank comes from the weight. conv1d/2d/3d are this op with the rank fixed; PyTorch stops at 3.
 *
 * @param input  `[N, Cin, ...spatial]` or unbatched `[Cin, ...spatial]`, `d = weight.ndim − 2` spatial axes
 * @param weight `[Cout, Cin / groups, k1, ..., kd]`, d ≥ 1
 * @param bias   `[Cout]` or null
 * @param options `{ stride = 1, padding = 0 | 'same' | 'valid', dilation = 1, groups = 1, paddingMode = 'zeros' }`,
 *   numbers or one entry per spatial axis
 * @returns `[N, Cout, ...outSize]`, each axis `convOutputSize(size, k, { stride, padding, dilation })`
 * @throws ShapeError for a weight of rank < 3, an input that is not of rank d + 1 or d + 2, and the
 *   rest as `conv2d`
 * @example convNd(randn([1, 2, 5, 6, 7, 8]), randn([3, 2, 3, 3, 3, 3]), null, { padding: 1 }).shape // [1, 3, 5, 6, 7, 8]
 */
export function convNd(
  input: TensorInput,
  weight: TensorInput,
  bias?: TensorInput | null,
  options: ConvOptions = {},
): Variable {
  checkInputWeightBias('convNd', input, weight, bias);
  if (weight.ndim < 3) {
    throw shapeError(
      'convNd',
      `weight must be [Cout, Cin / groups, ...kernel] with at least one spatial axis, got ${formatShape(weight.shape)}`,
    );
  }
  return runConv('convNd', weight.ndim - 2, input, weight, bias, options);
}

/**
 * 1-D convolution (cross-correlation, as in PyTorch), by im2col + GEMM.
 *
 * @param input  `[N, Cin, L]` or unbatched `[Cin, L]`
 * @param weight `[Cout, Cin / groups, k]`
 * @param bias   `[Cout]` or null
 * @param options `{ stride = 1, padding = 0 | 'same' | 'valid', dilation = 1, groups = 1, paddingMode = 'zeros' }`
 * @returns `[N, Cout, Lout]`, `Lout = convOutputSize(L, k, { stride, padding, dilation })`
 * @throws see `conv2d`
 * @example conv1d(randn([2, 4, 16]), randn([8, 4, 3]), null, { padding: 'same' }).shape // [2, 8, 16]
 */
export function conv1d(
  input: TensorInput,
  weight: TensorInput,
  bias?: TensorInput | null,
  options: ConvOptions = {},
): Variable {
  return runConv('conv1d', 1, input, weight, bias, options);
}

/**
 * 2-D convolution (cross-correlation, as in PyTorch), by im2col + GEMM.
 *
 * @param input  `[N, Cin, H, W]` or unbatched `[Cin, H, W]`
 * @param weight `[Cout, Cin / groups, kH, kW]`
 * @param bias   `[Cout]` or null
 * @param options `{ stride = 1, padding = 0 | 'same' | 'valid', dilation = 1, groups = 1, paddingMode = 'zeros' }`,
 *   numbers or `[h, w]` pairs
 * @returns `[N, Cout, Hout, Wout]`, `Hout = convOutputSize(H, kH, { stride, padding, dilation })`
 * @throws ShapeError for a wrong rank, `Cin !== weight.shape[1] * groups`, groups not dividing the
 *   channels, a bias that is not `[Cout]`, or the dilated kernel exceeding the padded input
 * @throws RangeError for stride/dilation < 1, negative padding, `'same'` with stride > 1, or a
 *   reflect/circular padding larger than the input; TypeError for mixed dtypes
 * Differs from PyTorch: `paddingMode` is accepted here too (torch has it only on the modules).
 * Differs from PyTorch 1.13: with `Cin = 0` the result is `[N, Cout, Hout, Wout]` of the bias (zeros
 *   without), the empty sum, as `linear` with no features; torch 1.13 returns an empty `[N, 0, Hout, Wout]`.
 * @throws RangeError if the output or one sample's im2col columns would exceed `MAX_ELEMENTS`
 * @example conv2d(randn([1, 3, 8, 8]), randn([4, 3, 3, 3]), null, { padding: 1 }).shape // [1, 4, 8, 8]
 */
export function conv2d(
  input: TensorInput,
  weight: TensorInput,
  bias?: TensorInput | null,
  options: ConvOptions = {},
): Variable {
  return runConv('conv2d', 2, input, weight, bias, options);
}

/**
 * 3-D convolution (cross-correlation, as in PyTorch), by im2col + GEMM.
 *
 * @param input  `[N, Cin, D, H, W]` or unbatched `[Cin, D, H, W]`
 * @param weight `[Cout, Cin / groups, kD, kH, kW]`
 * @param bias   `[Cout]` or null
 * @param options as `conv2d`, numbers or `[d, h, w]` triples
 * @returns `[N, Cout, Dout, Hout, Wout]`, each axis as `convOutputSize`
 * @throws see `conv2d`
 * @example conv3d(randn([1, 2, 4, 4, 4]), randn([3, 2, 3, 3, 3]), null, { padding: 1 }).shape // [1, 3, 4, 4, 4]
 */
export function conv3d(
  input: TensorInput,
  weight: TensorInput,
  bias?: TensorInput | null,
  options: ConvOptions = {},
): Variable {
  return runConv('conv3d', 3, input, weight, bias, options);
}

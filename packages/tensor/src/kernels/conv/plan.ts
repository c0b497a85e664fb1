import type { ConvGeometry } from '../conv-geometry.js';
import type { FloatArray } from '../../dtype.js';

/*
 * One convolution, three uses. A ConvPlan describes a correlation from a "wide" side
 * `x [N, Cin, ...inputSize]` to a "narrow" side `y [N, Cout, ...outputSize]` through a weight whose
 * group g is the matrix `W_g [Cout/groups, (Cin/groups)·∏k]`. Then
 *   y  = W · im2col(x)            (conv forward;   convTranspose input gradient)
 *   x += col2im(Wᵀ · y)           (conv input gradient; convTranspose forward)
 *   gW = Σn y[n] · im2col(x[n])ᵀ   (both weight gradients, with the roles of x and y swapped)
 * and a conv weight `[Cout, Cin/g, ...k]` and a transposed-conv weight `[Cin, Cout/g, ...k]` are
 * both exactly that matrix layout. The drivers (forward.ts, adjoint.ts, weight-grad.ts) ask the backend
 * (`getBackend()`) for its conv capability first, and otherwise run im2col/col2im around its GEMMs.
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
  /** One group's GEMM sizes: the rows of `W_g` (Cout/groups) and its columns ((Cin/groups)·∏k). */
  readonly cOutG: number;
  readonly rowsG: number;
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
  const kernelVolume = prod(geom.kernelSize);
  return {
    batch,
    groups,
    cIn,
    cOut,
    geom,
    inPositions: prod(geom.inputSize),
    outPositions: prod(geom.outputSize),
    kernelVolume,
    cOutG: cOut / groups,
    rowsG: (cIn / groups) * kernelVolume,
    direct,
  };
}

/*
 * Under a backend that prefers batches (`Backend.prefersBatches`: the WebAssembly one, float32), convs
 * hand the GEMMs of many samples to one `gemmBatch` call, which spreads them over the worker threads (one sample's product per task, or for the weight
 * gradient slices of gW each summed over every sample), instead of one small per-sample GEMM at a
 * time, each below the size worth splitting (LeNet-5's are all below it). The columns of those samples
 * then have to exist at once, so they are made chunk by chunk into a pooled buffer of at most
 * BATCH_COLUMNS_MAX floats. Same bits as the per-sample loop, for any thread count (see gemmBatch).
 */
const BATCH_COLUMNS_MAX = 1 << 22;

/**
 * `[C, H, W, kH, kW, sH, sW, pH, pW, dH, dW, Hout, Wout]` of a 1-D or 2-D geometry (1-D as H = 1), the
 * form the WebAssembly conv tasks take; null for 3-D, and for sizes the kernel's 32-bit signed integers
 * cannot hold, which stay on the generic path: a stride or dilation of 2^31 and more, a window span or
 * stride·output past it, a padded size plus a stride past it (its ceiling division `(a + s − 1) / s`
 * adds them), or an output axis of 2^16 and more (`insideRange` packs two window indices of 16 bits
 * into one i32; a 1-D conv with 70,000 outputs gave wrong values there).
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
  const spans = [
    (kH! - 1) * dH! + 1,
    (kW! - 1) * dW! + 1,
    sH! * outH!,
    sW! * outW!,
    inH! + 2 * pH! + sH!,
    inW! + 2 * pW! + sW!,
  ];
  return [...values, ...spans].every((v) => v < 2 ** 31) && outH! < 2 ** 16 && outW! < 2 ** 16 ? values : null;
}

/** The most spatial axes `spatial` encodes (the native kernels' CONV_MAX_DIMS). */
const SPATIAL_MAX_AXES = 8;

/**
 * A geometry of any rank as the native conv tasks take it: `planar`'s 13 numbers for 1-D and 2-D, and
 * for 3 to 8 axes `[C, ...inputSize, ...kernelSize, ...stride, ...padBefore, ...dilation, ...outputSize]`
 * (the planar form is that layout with 2 axes). Null where planar is, and for more axes, or a value of
 * 2^31 and more (the kernels' sizes are 64-bit, but they take every value through a 31-bit check); those
 * stay on the generic path.
 */
export function spatial(geom: ConvGeometry): number[] | null {
  const dims = geom.inputSize.length;
  if (dims <= 2) return planar(geom);
  if (dims > SPATIAL_MAX_AXES) return null;
  const { channels, inputSize, kernelSize, stride, padBefore, dilation, outputSize } = geom;
  const values = [channels, ...inputSize, ...kernelSize, ...stride, ...padBefore, ...dilation, ...outputSize];
  return values.every((v) => v < 2 ** 31) ? values : null;
}

/** Samples whose columns go in one buffer: as many as fit in BATCH_COLUMNS_MAX, at least one. */
export function chunkSamples(batch: number, sampleCols: number): number {
  return Math.max(1, Math.min(batch, Math.floor(BATCH_COLUMNS_MAX / Math.max(1, sampleCols))));
}

/** The dtype of a float array, as `Backend.prefersBatches` and `takeColumns` take it. */
export function dtypeOf(array: FloatArray): 'float32' | 'float64' {
  return array instanceof Float32Array ? 'float32' : 'float64';
}

/**
 * The kernel seam: what every backend must do, and what it may.
 *
 * A `Backend` has a required core, GEMM and batched GEMM on float32 and float64 (a backend may hand
 * a dtype it does not run to the JS kernel, as the WebAssembly one does with float64), and optional
 * capabilities: whole loops it runs faster than the generic path built on its GEMM. A backend
 * declares a capability by having the property (`conv`, `convReluMaxPool`, `optimizer`, `resident`);
 * a caller asks for it (`backend.conv?.forward(call)`) and, when it is absent or declines a call (a
 * dtype, a geometry or a size it does not run, no room), takes the generic path. Nothing tests a
 * backend's class. Every capability works on the callers' own Float32Array/Float64Array buffers; a
 * backend that needs its operands elsewhere (the WebAssembly memory) copies them itself, and may
 * offer `resident` arrays it reads in place. Each must give the generic path's bits, on any number
 * of threads.
 */
import type { ConvPlan } from './conv/plan.js';

/** Storage a GEMM reads and writes: a, b and c normally share one dtype (the JS kernel accepts any mix). */
export type GemmArray = Float32Array | Float64Array;

/**
 * A GEMM implementation, the core every backend has (`getBackend` in backend.ts hands it to matmul
 * and conv). Row-major BLAS convention: `C = alpha·op(A)·op(B) + beta·C` with `op(A): [m, k]`,
 * `op(B): [k, n]`, `C: [m, n]`. Element `(i, p)` of A sits at `a[aOffset + i·lda + p]`, or at
 * `a[aOffset + p·lda + i]` when `transA` (A is stored `[k, m]`); likewise B and `ldb`; `C(i, j)` at
 * `c[cOffset + i·ldc + j]`. Leading dimensions are storage distances (0 repeats a row, as a broadcast
 * does). `beta = 0` overwrites C without reading it (old NaNs vanish); `alpha = 0` or `k = 0` never
 * reads A or B.
 */
export interface Gemm {
  /** Short label for benchmarks and logs, e.g. `'js'`. */
  readonly name: string;
  /** `C = alpha·op(A)·op(B) + beta·C`, in the layout above. */
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: GemmArray,
    aOffset: number,
    lda: number,
    b: GemmArray,
    bOffset: number,
    ldb: number,
    beta: number,
    c: GemmArray,
    cOffset: number,
    ldc: number,
  ): void;
}

/**
 * What `Backend.gemmBatch` runs: `C_s = alpha·op(A_s)·op(B_s) + beta·C_s` for s < count, operand s
 * starting `s·stride` elements after `offset` (the layout of each product as `Gemm.gemm`'s, above).
 */
export interface GemmBatchCall {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  alpha: number;
  a: GemmArray;
  aOffset: number;
  lda: number;
  strideA: number;
  b: GemmArray;
  bOffset: number;
  ldb: number;
  strideB: number;
  beta: number;
  c: GemmArray;
  cOffset: number;
  ldc: number;
  strideC: number;
  count: number;
  chain: boolean;
}

/** A batched GEMM (see `Backend.gemmBatch`). */
export type GemmBatch = (call: GemmBatchCall) => void;

/** A kernel backend: the GEMM core every op may rely on, and the optional capabilities below. */
export interface Backend extends Gemm {
  /** Threads a large product is split across, the caller included (1 for the JS kernel). */
  readonly threads: number;
  /**
   * A batch of products `C_s = alpha·op(A_s)·op(B_s) + beta·C_s`, s = 0 … count−1, operand s starting
   * `s·stride` elements after operand 0 (stride 0 repeats one matrix, say a conv weight). With `chain`
   * they are summed into one C instead: `C = beta·C + Σ_s alpha·op(A_s)·op(B_s)` (strideC is then 0).
   * The bits of calling `gemm` once per s, in order (beta = 1 after the first for a chain).
   */
  readonly gemmBatch: GemmBatch;
  /**
   * Whether `gemmBatch` on operands of this dtype beats one `gemm` per product (it spreads the
   * products over threads): the conv engine then gathers many samples' columns for one call instead
   * of making one sample's at a time.
   */
  readonly prefersBatches: (dtype: 'float32' | 'float64') => boolean;
  /** Convolution over a `ConvPlan` (see conv/plan.ts): forward, input gradient, weight gradient. */
  readonly conv?: ConvKernels;
  /** The fused conv → relu → max-pool (2×2, or 1×2 for a 1-D conv) forward and its backward. */
  readonly convReluMaxPool?: ConvReluMaxPoolKernels;
  /** Optimizer updates. */
  readonly optimizer?: OptimizerKernels;
  /** Memory the backend's kernels read in place (no copy per call), for buffers filled call after call. */
  readonly resident?: ResidentMemory;
}

/** What `ConvKernels.forward` runs: `y[n] = W · im2col(x[n])` for every sample and group. */
export interface ConvForwardCall {
  plan: ConvPlan;
  /** `[N, Cin, ...inputSize]`, contiguous. */
  x: GemmArray;
  /** `[Cout, Cin/groups · ∏kernelSize]`. */
  w: GemmArray;
  /** `[N, Cout, ...outputSize]`: written, or added onto when `accumulate`. */
  y: GemmArray;
  accumulate: boolean;
  /** `[Cout]`: y's starting value per channel instead (accumulate is then ignored), or null. */
  bias: GemmArray | null;
  /** Where to leave every sample's columns `[N, Cin·∏k, ∏outputSize]` for `weightGrad`, or null. */
  keep: GemmArray | null;
}

/** What `ConvKernels.adjoint` runs: `x[n] += col2im(Wᵀ · y[n])` for every sample and group. */
export interface ConvAdjointCall {
  plan: ConvPlan;
  /** `[N, Cout, ...outputSize]`. */
  y: GemmArray;
  w: GemmArray;
  /** `[N, Cin, ...inputSize]`: added onto. */
  x: GemmArray;
}

/** What `ConvKernels.weightGrad` runs: `gW = Σn y[n] · im2col(x[n])ᵀ` per group. */
export interface ConvWeightGradCall {
  plan: ConvPlan;
  /** `[N, Cin, ...inputSize]`. */
  x: GemmArray;
  /** `[N, Cout, ...outputSize]`. */
  y: GemmArray;
  /** Overwritten: `[Cout, Cin/groups · ∏kernelSize]`. */
  gw: GemmArray;
  /** The columns `forward` kept (`keep`), or null: then they are made again. */
  kept: GemmArray | null;
  /** Overwritten when given: the bias gradient `Σ_{n,p} y[n, c, p]`, `[Cout]`. */
  gb: GemmArray | null;
}

/**
 * Convolution loops over a plan. `forward` and `adjoint` return how many samples, from the first,
 * they ran (`plan.batch` when all; fewer, 0 included, when they decline the rest, which the caller
 * then runs by the generic path); `weightGrad` runs all or nothing and says which.
 */
export interface ConvKernels {
  forward(call: ConvForwardCall): number;
  adjoint(call: ConvAdjointCall): number;
  weightGrad(call: ConvWeightGradCall): boolean;
  /**
   * Whether a forward that records gradients should keep this plan's columns for `weightGrad`; absent
   * means it should. Kept columns save the weight gradient an im2col, but the whole batch's columns
   * are then written to memory and read back, which can cost more than remaking one sample's at a time
   * in cache.
   */
  keepsColumns?(plan: ConvPlan): boolean;
}

/** What `ConvReluMaxPoolKernels.forward` runs: `maxPool(relu(y), 2)` of the conv `y = bias + W·im2col(x)`. */
export interface ConvReluMaxPoolCall {
  /** A 1-D or 2-D conv whose output is at least 2 on every axis. */
  plan: ConvPlan;
  x: Float32Array;
  w: Float32Array;
  bias: Float32Array | null;
  /** Scratch for the conv output `[N, Cout, ...outputSize]` (its contents are left unspecified). */
  y: Float32Array;
  /** As `ConvForwardCall.keep`. */
  keep: Float32Array | null;
  /** Written: `[N, Cout, ...⌊outputSize/2⌋]` (a 1-D conv's windows are 1×2). */
  pooled: Float32Array;
  /** Written, same shape: each maximum's index `ih·Wout + iw` (or `iw`) in its plane. */
  indices: Int32Array;
}

/** What `ConvReluMaxPoolKernels.backward` runs: the conv output's gradient from the pooled output's. */
export interface ConvReluMaxPoolBackwardCall {
  plan: ConvPlan;
  /** `[N, Cout, ...⌊outputSize/2⌋]` each: the pooled output's gradient, the pooled output, the forward's indices. */
  gradPooled: Float32Array;
  pooled: Float32Array;
  indices: Int32Array;
  /**
   * Written whole, `[N, Cout, ...outputSize]`: `0 + gradPooled` at each window's maximum where the
   * pooled value is > 0, +0 elsewhere (the bits of max pooling's backward and relu's, one after the other).
   */
  gradY: Float32Array;
}

/** The fused block: `forward` returns the samples it ran, as `ConvKernels.forward`; `backward` all or nothing. */
export interface ConvReluMaxPoolKernels {
  forward(call: ConvReluMaxPoolCall): number;
  backward(call: ConvReluMaxPoolBackwardCall): boolean;
}

/** What `OptimizerKernels.adam` runs: one Adam update of a parameter, without weight decay or AMSGrad. */
export interface AdamStepCall {
  /** The parameter, `grad.length` elements from `paramOffset`: updated in place. */
  param: GemmArray;
  paramOffset: number;
  grad: GemmArray;
  /** The first and second moments, `grad.length` elements each: updated in place. */
  m: GemmArray;
  v: GemmArray;
  /** −1 to maximize, else 1. */
  sign: number;
  beta1: number;
  beta2: number;
  /** lr / (1 − beta1^step). */
  stepSize: number;
  /** √(1 − beta2^step). */
  bias2Sqrt: number;
  eps: number;
}

/**
 * Optimizer updates, each with the bits of `@torchlet/layers`' JS loop (float64 arithmetic in its
 * order, moments rounded to the parameter's dtype when stored); false when declined.
 */
export interface OptimizerKernels {
  adam(call: AdamStepCall): boolean;
}

/** Buffers inside a backend's own memory. */
export interface ResidentMemory {
  /**
   * A zeroed Float32Array of `length` elements that the backend's kernels read in place, kept for the
   * backend's lifetime (allocate once and reuse), or null when it has none to give.
   */
  array(length: number): Float32Array | null;
}

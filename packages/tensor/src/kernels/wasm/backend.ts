/**
 * The WebAssembly SIMD backend: the runtime (runtime.ts) and its kernel families behind the `Backend`
 * seam — the GEMM core (gemm.ts), the conv and fused conv → relu → max-pool capabilities through the
 * planar conv tasks (conv.ts, pool.ts, ../conv/tasks.ts), Adam (adam.ts) and resident memory. float32
 * only; float64 goes to the JS kernel or the generic path. Results are bit-identical for any thread
 * count: each task owns whole blocks of its output and sums in a fixed order (see the kernel sources).
 */
import {
  convKernelsOnTasks,
  convReluMaxPoolOnTasks,
  type ConvBatchTask,
  type PoolBackwardTask,
  type WeightGradTask,
} from '../conv/tasks.js';
import type { Backend, ConvKernels, ConvReluMaxPoolKernels, OptimizerKernels, ResidentMemory } from '../seam.js';
import { adamKernels } from './adam.js';
import { convBatch, convWeightGrad } from './conv.js';
import { wasmGemm, wasmGemmBatch } from './gemm.js';
import { maxPoolReluBackward } from './pool.js';
import { WasmRuntime, type WasmGemmOptions } from './runtime.js';

export { wasmSimdSupported, type WasmGemmOptions } from './runtime.js';

/** The WebAssembly backend (see the module comment). */
export class WasmGemm implements Backend {
  readonly name = 'wasm';
  readonly #runtime: WasmRuntime;

  /** @throws Error if WebAssembly SIMD is unavailable (check `wasmSimdSupported()` first) */
  constructor(options: WasmGemmOptions = {}) {
    const rt = new WasmRuntime(options);
    this.#runtime = rt;
    this.threads = rt.threads;
    this.gemm = wasmGemm(rt);
    this.gemmBatch = wasmGemmBatch(rt, this.gemm);
    const tasks = {
      convBatch: (call: ConvBatchTask) => convBatch(rt, call),
      convWeightGrad: (call: WeightGradTask) => convWeightGrad(rt, call),
      maxPoolReluBackward: (call: PoolBackwardTask) => maxPoolReluBackward(rt, call),
    };
    this.conv = convKernelsOnTasks(tasks);
    this.convReluMaxPool = convReluMaxPoolOnTasks(tasks);
    this.optimizer = adamKernels(rt);
  }

  /** Threads actually used for large GEMMs (1 when threads were asked for but are unavailable). */
  readonly threads: number;

  /** `C = alpha·op(A)·op(B) + beta·C` (see gemm.ts); bound, so `const { gemm } = getGemm()` works. */
  readonly gemm: Backend['gemm'];

  /** See `Backend.gemmBatch`: without `chain` a product per task, with it slices of C over the pool. */
  readonly gemmBatch: Backend['gemmBatch'];

  /** The conv engine gathers float32 samples into batches: `gemmBatch` spreads them over the pool. */
  readonly prefersBatches: Backend['prefersBatches'] = (dtype) => dtype === 'float32';

  /** Float32 1-D/2-D convolutions, a sample per task (im2col or col2im and the GEMMs, in that core's cache). */
  readonly conv: ConvKernels;

  /** Relu and 2×2 (1×2) max pooling inside the conv's tasks, and their backward. */
  readonly convReluMaxPool: ConvReluMaxPoolKernels;

  /** Adam on float32 parameters, large ones split over the pool. */
  readonly optimizer: OptimizerKernels;

  /** Float32 arrays in this backend's memory (see `residentArray`). */
  readonly resident: ResidentMemory = { array: (length) => this.residentArray(length) };

  /**
   * A zeroed Float32Array of `length` elements inside this backend's memory, which its kernels read in
   * place; kept for the backend's lifetime (allocate once and reuse). Null where the memory is not
   * shared (a browser page that is not cross-origin isolated).
   */
  residentArray(length: number): Float32Array | null {
    return this.#runtime.residentArray(length);
  }

  /** Workers that have started (0 until the first GEMM large enough to be split). */
  readyWorkers(): number {
    return this.#runtime.readyWorkers();
  }

  /** Tasks the workers have run so far (the caller ran the rest). */
  workerTasks(): number {
    return this.#runtime.workerTasks();
  }

  /** Bytes of wasm memory: scratch and operand regions grow to the largest call and never shrink. */
  memoryBytes(): number {
    return this.#runtime.memoryBytes();
  }
}

/**
 * The WebAssembly SIMD GEMM (source: packages/tensor/wasm/gemm.as.ts) behind the `Gemm` interface,
 * single-threaded or split across a worker pool that shares one `WasmMemory`.
 *
 * float32 only: any float64 operand goes to the JS kernel (float64 serves gradchecks, where the JS
 * kernel's double accumulation is the point). Operands live in JS typed arrays, so each call copies A,
 * B (and C when beta ≠ 0) into a staging region of the wasm memory, reused across calls and grown on
 * demand, and copies C back; operands already inside the memory (`residentArray`) are used in place.
 */
import {
  convKernelsOnTasks,
  convReluMaxPoolOnTasks,
  type ConvBatchTask,
  type ConvTasks,
  type PoolBackwardTask,
  type WeightGradTask,
} from './conv/tasks.js';
import { gemmEach, jsGemm, type GemmArray } from './gemm.js';
import { GEMM_WASM, GEMM_WASM_SHARED } from './gemm-wasm-binary.js';
import { MAX_TASKS, ThreadPool, threadsAvailable, type WorkerSetup } from './thread-pool.js';
import { wasm, wasmApi, type WasmMemory, type WasmModule } from './wasm-api.js';
import type {
  AdamStepCall,
  Backend,
  ConvKernels,
  ConvReluMaxPoolKernels,
  OptimizerKernels,
  ResidentMemory,
} from './seam.js';

interface GemmExports {
  scratchBytes(): number;
  threadColsFloats(): number;
  tileRows(): number;
  tileCols(): number;
  heapBase(): number;
  gemm(
    transA: number,
    transB: number,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    beta: number,
    c: number,
    ldc: number,
    scratch: number,
  ): void;
  gemmTask(params: number, task: number, scratch: number): void;
  packedWholeFloats(rows: number, k: number): number;
  packWhole(which: number, trans: number, rows: number, k: number, src: number, ld: number, dst: number): void;
}

const PAGE = 65536;
// The modules declare this maximum (4 GiB, the wasm32 limit); see scripts/build-wasm.mjs.
const MAX_PAGES = 65536;
// But this kernel uses only the first 2 GiB: byte addresses are shifted as signed 32-bit integers
// (`at >> 2`) on the JS side, so an address at or past 2^31 would turn negative. An operand that does
// not fit below that goes to the JS kernel, as any other that finds no room.
const USED_PAGES = 32768;
// Bytes of the parameter block gemmTask reads (slots 0–15 for one product, 16–21 for a batch, 16–46
// for a conv batch or weight gradient).
const PARAMS_BYTES = 192;

// Partitions of a conv weight gradient's batch (see convWeightGrad): a constant, so that results do
// not depend on the thread count; 8 keeps 2–8 threads busy, and the partials cost little to add up.
const WEIGHT_GRAD_PARTS = 8;
// Most floats of im2col buffers a weight gradient stages at once (16 MB), as conv's column chunks.
const WEIGHT_GRAD_COLUMNS_MAX = 1 << 22;

// Below this many flops (2·m·n·k) a GEMM stays on the calling thread: waking workers costs more than
// it saves. On the development VM (2 cores, Node 20) a futex round trip to a worker took 75 µs; 2
// threads lost at 128³ (4.2 Mflop: 34–40 vs 42 GFLOP/s on 1) and won from 192³ (14 Mflop: 52–62 vs 44).
// In a training step, where the worker is still polling from the previous batch, they already win at
// LeNet-5's first linear layer (64×120×400, 6.1 Mflop): forward 0.176 → 0.132 ms, backward (two such
// products) 0.497 → 0.396 ms (benchmarks/profile/lenet-layers.ts).
const PARALLEL_MIN_FLOPS = 5e6;
// Tasks per thread: more than one lets the caller take over the share of a worker that wakes late or
// is descheduled (on a shared 2-core VM, often). Cheap since the operand all tasks read is packed once.
const TASKS_PER_THREAD = 4;

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

let simd: boolean | undefined;

/** Whether this engine runs the SIMD module (validated once, from the module's own bytes). */
export function wasmSimdSupported(): boolean {
  if (simd === undefined) {
    const api = wasmApi();
    simd = api !== undefined && typeof api.validate === 'function' && api.validate(decode(GEMM_WASM));
  }
  return simd;
}

const modules = new Map<boolean, WasmModule>();

// Compiled once per variant and shared by every WasmGemm (and posted to the workers).
function compiled(shared: boolean): WasmModule {
  let module = modules.get(shared);
  if (module === undefined) {
    module = new (wasm().Module)(decode(shared ? GEMM_WASM_SHARED : GEMM_WASM));
    modules.set(shared, module);
  }
  return module;
}

function align(x: number, to: number): number {
  return Math.ceil(x / to) * to;
}

/** Options for `new WasmGemm`. */
export interface WasmGemmOptions {
  /**
   * Threads that share each large GEMM, the caller included (default 1). More than 1 needs worker
   * threads and shared memory; where those are unavailable the GEMM runs on 1 (see `threads`).
   */
  threads?: number;
  /**
   * Smallest product, in flops (2·m·n·k), that is split across threads; smaller ones run on the caller.
   * The default is measured (see the README); tests pass 0 to split even tiny products.
   */
  minParallelFlops?: number;
}

// An Adam update of at least this many elements is split over the pool (a memory-bound pass).
const ADAM_PARALLEL_MIN = 1 << 14;
// Below this many elements copying into the wasm memory costs more than the JS loop saves.
const ADAM_MIN = 4096;

/**
 * The backend on the WebAssembly SIMD module: the GEMM core and the conv, fused conv → relu → max-pool
 * and Adam capabilities (float32; float64 goes to the JS kernel or the generic path). Results are
 * bit-identical for any thread count: each task owns whole blocks of C and sums over k in a fixed
 * order (see the kernel source).
 */
export class WasmGemm implements Backend {
  readonly name = 'wasm';
  /** Threads actually used for large GEMMs (1 when threads were asked for but are unavailable). */
  readonly threads: number;
  private readonly memory: WasmMemory;
  private readonly kernel: GemmExports;
  private readonly pool: ThreadPool | null;
  private readonly params: number;
  private readonly scratch: number;
  // Where per-call staging starts: after the scratch, and after every region `residentArray` handed out.
  private operands: number;
  // Every buffer object the memory has had: a view on any of them is resident (growing a shared memory
  // gives memory.buffer a new, longer SharedArrayBuffer object, but old views stay valid).
  private readonly residentBuffers = new WeakSet<ArrayBufferLike>();
  private readonly tileRows: number;
  private readonly tileCols: number;
  // A conv sample whose columns fit in this many floats makes them in its thread's own buffer.
  private readonly threadColsFloats: number;
  private readonly minParallelFlops: number;
  private readonly shared: boolean;
  private f32: Float32Array;
  private i32: Int32Array;
  private f64: Float64Array;

  /** @throws Error if WebAssembly SIMD is unavailable (check `wasmSimdSupported()` first) */
  constructor(options: WasmGemmOptions = {}) {
    if (!wasmSimdSupported()) throw new Error('WasmGemm: this engine has no WebAssembly SIMD');
    let threads = Math.max(1, Math.floor(options.threads ?? 1));
    this.minParallelFlops = options.minParallelFlops ?? PARALLEL_MIN_FLOPS;
    if (threads > 1 && !threadsAvailable()) threads = 1;
    // The layout is the same for both variants, so read it from a probe instance first.
    const probe = new (wasm().Instance)(compiled(false), {
      env: { memory: new (wasm().Memory)({ initial: 1, maximum: 1 }) },
    }).exports as unknown as GemmExports;
    const scratchBytes = align(probe.scratchBytes(), 64);
    this.tileRows = probe.tileRows();
    this.tileCols = probe.tileCols();
    this.threadColsFloats = probe.threadColsFloats();
    this.params = align(probe.heapBase(), 64);
    this.scratch = this.params + PARAMS_BYTES;
    this.operands = this.scratch + threads * scratchBytes;
    const initial = Math.ceil(this.operands / PAGE) + 16;
    // Shared memory wherever it exists, threads or not: its views survive growth, which `residentArray`
    // relies on (an unshared memory detaches its old buffer on every grow).
    let memory: WasmMemory | null = null;
    if (typeof SharedArrayBuffer !== 'undefined') {
      try {
        memory = new (wasm().Memory)({ initial, maximum: MAX_PAGES, shared: true });
      } catch {
        // a browser without cross-origin isolation: unshared, single-threaded
      }
    }
    // An engine with SIMD but without the threads feature cannot compile the shared variant.
    const shared = memory !== null && wasm().validate(decode(GEMM_WASM_SHARED));
    if (!shared) {
      memory = null;
      threads = 1;
    }
    this.shared = shared;
    this.memory = memory ?? new (wasm().Memory)({ initial, maximum: MAX_PAGES });
    const module = compiled(shared);
    this.kernel = new (wasm().Instance)(module, { env: { memory: this.memory } }).exports as unknown as GemmExports;
    this.threads = threads;
    if (threads > 1) {
      const setups: WorkerSetup[] = [];
      for (let t = 1; t < threads; t++) {
        setups.push({ module, memory: this.memory, params: this.params, scratch: this.scratch + t * scratchBytes });
      }
      this.pool = new ThreadPool(setups);
    } else {
      this.pool = null;
    }
    this.f32 = new Float32Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
    this.f64 = new Float64Array(this.memory.buffer);
    this.residentBuffers.add(this.memory.buffer);
  }

  /** The conv engine gathers float32 samples into batches: `gemmBatch` spreads them over the pool. */
  readonly prefersBatches: Backend['prefersBatches'] = (dtype) => dtype === 'float32';

  /** Float32 1-D/2-D convolutions, a sample per task (im2col or col2im and the GEMMs, in that core's cache). */
  readonly conv: ConvKernels = convKernelsOnTasks(this.tasks());

  /** Relu and 2×2 (1×2) max pooling inside the conv's tasks, and their backward. */
  readonly convReluMaxPool: ConvReluMaxPoolKernels = convReluMaxPoolOnTasks(this.tasks());

  /** Adam on float32 parameters of at least ADAM_MIN elements, large ones split over the pool. */
  readonly optimizer: OptimizerKernels = {
    adam: (call) => {
      const { param, grad, m, v } = call;
      if (grad.length < ADAM_MIN) return false;
      if (!(param instanceof Float32Array && grad instanceof Float32Array)) return false;
      if (!(m instanceof Float32Array && v instanceof Float32Array)) return false;
      return this.adamStep({ ...call, param, grad, m, v });
    },
  };

  /** Float32 arrays in this kernel's memory (see `residentArray`). */
  readonly resident: ResidentMemory = { array: (length) => this.residentArray(length) };

  /**
   * A zeroed Float32Array of `length` elements inside this kernel's memory: `gemm` reads such an operand
   * (A, B or C) in place instead of copying it, so a caller that fills the same buffer call after call
   * (im2col columns, say) saves the copy. Every call takes new memory, kept for the kernel's lifetime:
   * allocate once and reuse. Null where the memory is not shared (a browser page that is not
   * cross-origin isolated), because growing an unshared memory would detach the view.
   */
  residentArray(length: number): Float32Array | null {
    if (!this.shared || !Number.isInteger(length) || length < 0) return null;
    const at = this.operands;
    const end = align(at + length * 4, 64);
    if (!this.reserve(end)) return null;
    this.operands = end;
    const view = new Float32Array(this.memory.buffer, at, length);
    view.fill(0);
    return view;
  }

  /** Workers that have started (0 until the first GEMM large enough to be split). */
  readyWorkers(): number {
    return this.pool?.readyWorkers() ?? 0;
  }

  /** Tasks the workers have run so far (the caller ran the rest). */
  workerTasks(): number {
    return this.pool?.workerTasks() ?? 0;
  }

  /** Bytes of wasm memory: scratch and operand regions grow to the largest call and never shrink. */
  memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** `C = alpha·op(A)·op(B) + beta·C` (see gemm.ts); bound, so `const { gemm } = getGemm()` works. */
  readonly gemm: Backend['gemm'] = (
    transA,
    transB,
    m,
    n,
    k,
    alpha,
    a,
    aOffset,
    lda,
    b,
    bOffset,
    ldb,
    beta,
    c,
    cOffset,
    ldc,
  ) => {
    if (
      m === 0 ||
      n === 0 ||
      k === 0 ||
      alpha === 0 ||
      !(a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array)
    ) {
      // Nothing to multiply (C = beta·C), or float64 somewhere: the JS kernel's job.
      jsGemm.gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
      return;
    }
    // Operands outside the wasm memory are copied in compactly (leading dimension = row length), so odd
    // strides cost nothing later; resident ones (see residentArray) are used where they are.
    const aRows = transA ? k : m;
    const aCols = transA ? m : k;
    const bRows = transB ? n : k;
    const bCols = transB ? k : n;
    const aResident = this.residentBuffers.has(a.buffer);
    const bResident = this.residentBuffers.has(b.buffer);
    const cResident = this.residentBuffers.has(c.buffer);
    const pool = this.pool;
    const split = pool === null ? 1 : this.taskSplit(m, n, k, pool.size);
    // A split product cuts C along its longer side; the other operand, which every task reads whole, is
    // packed once up front into its own region instead of by every task.
    const rows = m >= n;
    let end = this.operands;
    const aAt = aResident ? a.byteOffset + aOffset * 4 : end;
    if (!aResident) end = align(end + aRows * aCols * 4, 64);
    const bAt = bResident ? b.byteOffset + bOffset * 4 : end;
    if (!bResident) end = align(end + bRows * bCols * 4, 64);
    const cAt = cResident ? c.byteOffset + cOffset * 4 : end;
    if (!cResident) end = align(end + m * n * 4, 64);
    const packedAt = end;
    if (split > 1) end += this.kernel.packedWholeFloats(rows ? n : m, k) * 4;
    if (!this.reserve(end)) {
      jsGemm.gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
      return;
    }
    const f32 = this.f32;
    const aLd = aResident ? lda : aCols;
    const bLd = bResident ? ldb : bCols;
    const cLd = cResident ? ldc : n;
    if (!aResident) copyIn(f32, aAt >> 2, a, aOffset, lda, aRows, aCols);
    if (!bResident) copyIn(f32, bAt >> 2, b, bOffset, ldb, bRows, bCols);
    if (!cResident && beta !== 0) copyIn(f32, cAt >> 2, c, cOffset, ldc, m, n);

    const kernel = this.kernel;
    if (split === 1) {
      kernel.gemm(+transA, +transB, m, n, k, alpha, aAt, aLd, bAt, bLd, beta, cAt, cLd, this.scratch);
    } else {
      if (rows) kernel.packWhole(1, +transB, n, k, bAt, bLd, packedAt);
      else kernel.packWhole(0, +transA, m, k, aAt, aLd, packedAt);
      // Whole micro-tiles per task; column slices also start on a 64-byte line (16 floats), so two
      // threads never write one cache line of C.
      const unit = rows ? this.tileRows : Math.max(this.tileCols, 16);
      const chunk = align(Math.ceil((rows ? m : n) / split), unit);
      const tasks = Math.ceil((rows ? m : n) / chunk);
      this.writeTaskParams(transA, transB, m, n, k, alpha, aAt, aLd, bAt, bLd, beta, cAt, cLd, rows, chunk, packedAt);
      this.i32[(this.params >> 2) + 16] = 0; // one product, not a batch
      this.runTasks(tasks, true);
    }
    if (!cResident) copyOut(f32, cAt >> 2, c, cOffset, ldc, m, n);
  };

  /**
   * A batch of products `C_s = alpha·op(A_s)·op(B_s) + beta·C_s`, s = 0 … count−1, where operand s starts
   * `s·stride` elements after operand 0 (stride 0 repeats one matrix, say a conv weight). With `chain`,
   * they are summed into one C instead: `C = beta·C + Σ_s alpha·op(A_s)·op(B_s)` (strideC is then 0).
   * Same bits as calling `gemm` once per s, in order, on one thread (with beta = 1 after the first for a
   * chain), whatever the thread count: without `chain` each product runs whole on one thread; a chain
   * is split across threads along C, each task summing its slice of C over every s in order.
   * float64 operands, or operands larger than the memory can take, go through `gemm` one by one.
   */
  readonly gemmBatch: Backend['gemmBatch'] = (
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: GemmArray,
    aOffset: number,
    lda: number,
    strideA: number,
    b: GemmArray,
    bOffset: number,
    ldb: number,
    strideB: number,
    beta: number,
    c: GemmArray,
    cOffset: number,
    ldc: number,
    strideC: number,
    count: number,
    chain: boolean,
  ): void => {
    if (count <= 0) return;
    const oneByOne = () =>
      gemmEach(this.gemm)(
        transA,
        transB,
        m,
        n,
        k,
        alpha,
        a,
        aOffset,
        lda,
        strideA,
        b,
        bOffset,
        ldb,
        strideB,
        beta,
        c,
        cOffset,
        ldc,
        strideC,
        count,
        chain,
      );
    // A few products each large enough to split are better split one by one than left one per thread
    // (same bits either way).
    const fewLarge =
      !chain && this.pool !== null && count < 2 * this.pool.size && 2 * m * n * k >= this.minParallelFlops;
    if (
      count === 1 ||
      fewLarge ||
      m === 0 ||
      n === 0 ||
      k === 0 ||
      alpha === 0 ||
      !(a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array)
    ) {
      oneByOne();
      return;
    }
    // Each operand's whole span (every sample, gaps included) is used in place when resident, else
    // copied verbatim, so leading dimensions and strides stay as given.
    const span = (stride: number, rows: number, cols: number, ld: number) =>
      (count - 1) * stride + (rows - 1) * ld + cols;
    const aSpan = span(strideA, transA ? k : m, transA ? m : k, lda);
    const bSpan = span(strideB, transB ? n : k, transB ? k : n, ldb);
    const cSpan = span(strideC, m, n, ldc);
    const aResident = this.residentBuffers.has(a.buffer);
    const bResident = this.residentBuffers.has(b.buffer);
    const cResident = this.residentBuffers.has(c.buffer);
    let end = this.operands;
    const aAt = aResident ? a.byteOffset + aOffset * 4 : end;
    if (!aResident) end = align(end + aSpan * 4, 64);
    const bAt = bResident ? b.byteOffset + bOffset * 4 : end;
    if (!bResident) end = align(end + bSpan * 4, 64);
    const cAt = cResident ? c.byteOffset + cOffset * 4 : end;
    if (!cResident) end = align(end + cSpan * 4, 64);
    if (!this.reserve(end)) {
      oneByOne();
      return;
    }
    const f32 = this.f32;
    if (!aResident) f32.set(a.subarray(aOffset, aOffset + aSpan), aAt >> 2);
    if (!bResident) f32.set(b.subarray(bOffset, bOffset + bSpan), bAt >> 2);
    // C's gaps (other groups' channels, say) are copied in too, so copying the span back keeps them.
    if (!cResident) f32.set(c.subarray(cOffset, cOffset + cSpan), cAt >> 2);

    const pool = this.pool;
    const rows = m >= n;
    let tasks = count;
    let chunk = 0;
    if (chain) {
      // Slices of C in whole micro-tiles (column slices on 64-byte lines), as for a split product.
      const unit = rows ? this.tileRows : Math.max(this.tileCols, 16);
      const extent = rows ? m : n;
      const threads = pool === null ? 1 : pool.size;
      chunk = align(Math.ceil(extent / Math.min(threads * TASKS_PER_THREAD, Math.ceil(extent / unit))), unit);
      tasks = Math.ceil(extent / chunk);
    }
    this.writeTaskParams(transA, transB, m, n, k, alpha, aAt, lda, bAt, ldb, beta, cAt, ldc, rows, chunk, 0);
    const p = this.params >> 2;
    const i32 = this.i32;
    i32[p + 16] = 1; // a batch
    i32[p + 17] = strideA * 4;
    i32[p + 18] = strideB * 4;
    i32[p + 19] = strideC * 4;
    i32[p + 20] = count;
    i32[p + 21] = +chain;
    this.runTasks(tasks, 2 * m * n * k * count >= this.minParallelFlops);
    if (!cResident) (c as Float32Array).set(f32.subarray(cAt >> 2, (cAt >> 2) + cSpan), cOffset);
  };

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
  private convBatch(call: ConvBatchTask): boolean {
    const { mode, geometry: g, groups, count, x, xOffset, w, wOffset, y, yOffset, cols, beta } = call;
    const bias = call.bias ?? null;
    const reluMaxPool = mode === 'forward' ? (call.reluMaxPool ?? null) : null;
    if (g.length !== 13) return false;
    if (!(x instanceof Float32Array && w instanceof Float32Array && y instanceof Float32Array)) return false;
    if (bias !== null && !(bias instanceof Float32Array)) return false;
    if (count <= 0) return true;
    const [channels, inH, inW, kH, kW, , , , , , , outH, outW] = g as [
      number,
      number,
      number,
      number,
      number,
      ...number[],
    ];
    const cOutG = call.cOutG;
    const cOut = cOutG * groups;
    const rowsG = (channels! / groups) * kH! * kW!;
    const positions = outH! * outW!;
    const xStride = channels! * inH! * inW!;
    const yStride = cOut * positions;
    const sampleCols = channels! * kH! * kW! * positions;
    const forward = mode === 'forward';
    const has = (array: GemmArray) => this.residentBuffers.has(array.buffer);
    if (cols !== null && !has(cols)) return false;
    const xResident = has(x);
    const wResident = has(w);
    const yResident = has(y);
    let end = this.operands;
    const xAt = xResident ? x.byteOffset + xOffset * 4 : end;
    if (!xResident) end = align(end + count * xStride * 4, 64);
    const wAt = wResident ? w.byteOffset + wOffset * 4 : end;
    if (!wResident) end = align(end + cOut * rowsG * 4, 64);
    const yAt = yResident ? y.byteOffset + yOffset * 4 : end;
    if (!yResident) end = align(end + count * yStride * 4, 64);
    // Columns not kept go to each thread's own buffer when they fit (stride 0), staying in its cache.
    const ownCols = cols === null && sampleCols <= this.threadColsFloats;
    const colsAt = cols !== null ? cols.byteOffset : end;
    if (cols === null && !ownCols) end = align(end + count * sampleCols * 4, 64);
    const withBias = forward && bias !== null;
    const biasAt = end;
    if (withBias) end = align(end + cOut * 4, 64);
    const windowRows = reluMaxPool?.windowRows ?? 2;
    const pooledSize = count * cOut * Math.floor(outH! / windowRows) * (outW! >> 1);
    const pooledAt = end;
    const indicesAt = align(pooledAt + pooledSize * 4, 64);
    if (reluMaxPool !== null) end = align(indicesAt + pooledSize * 4, 64);
    if (!this.reserve(end)) return false;
    const f32 = this.f32;
    if (!xResident) f32.set(x.subarray(xOffset, xOffset + count * xStride), xAt >> 2);
    if (!wResident) f32.set(w.subarray(wOffset, wOffset + cOut * rowsG), wAt >> 2);
    if (!yResident && (!forward || (beta !== 0 && !withBias)))
      f32.set(y.subarray(yOffset, yOffset + count * yStride), yAt >> 2);
    if (withBias) f32.set(bias.subarray(0, cOut), biasAt >> 2);
    const i32 = this.i32;
    const p = this.params >> 2;
    i32[p + 16] = 2; // a conv batch
    i32[p + 17] = forward ? 0 : 1;
    i32[p + 18] = xAt;
    i32[p + 19] = xStride * 4;
    i32[p + 20] = colsAt;
    i32[p + 21] = ownCols ? 0 : sampleCols * 4;
    i32[p + 22] = withBias ? biasAt : 0;
    i32[p + 23] = wAt;
    i32[p + 24] = yAt;
    i32[p + 25] = yStride * 4;
    i32[p + 26] = groups;
    i32[p + 27] = cOutG;
    i32[p + 28] = rowsG;
    i32[p + 29] = positions;
    f32[p + 30] = forward ? beta : 0;
    for (let i = 0; i < 13; i++) i32[p + 31 + i] = g[i]!;
    // Slot 44 is the weight gradient's sample count otherwise: always written, 0 = no epilogue.
    i32[p + 44] = reluMaxPool !== null ? pooledAt : 0;
    i32[p + 45] = indicesAt;
    i32[p + 47] = windowRows;
    this.runTasks(count, 2 * cOut * rowsG * positions * count >= this.minParallelFlops);
    if (forward && !yResident && reluMaxPool === null)
      y.set(f32.subarray(yAt >> 2, (yAt >> 2) + count * yStride), yOffset);
    if (!forward && !xResident) x.set(f32.subarray(xAt >> 2, (xAt >> 2) + count * xStride), xOffset);
    if (reluMaxPool !== null) {
      reluMaxPool.pooled.set(f32.subarray(pooledAt >> 2, (pooledAt >> 2) + pooledSize), reluMaxPool.offset);
      reluMaxPool.indices.set(this.i32.subarray(indicesAt >> 2, (indicesAt >> 2) + pooledSize), reluMaxPool.offset);
    }
    return true;
  }

  /**
   * The backward of `maxPool2x2(relu(y))` (convBatch's `reluMaxPool` epilogue), a sample per task: y's
   * gradient is `0 + gradPooled` at each window's maximum where the pooled value is > 0, and +0
   * everywhere else, the bits the JS max-pool backward and relu backward give one after the other.
   * `gradY` is written in place when resident (the conv backward then reads it without a copy).
   * @returns false when nothing ran (no room): take another path
   */
  private maxPoolReluBackward(call: PoolBackwardTask): boolean {
    const { channels, h, w, windowRows, count, gradPooled, pooled, indices, gradY } = call;
    if (count <= 0) return true;
    const pooledSize = count * channels * Math.floor(h / windowRows) * (w >> 1);
    const ySize = count * channels * h * w;
    const yResident = this.residentBuffers.has(gradY.buffer);
    let end = this.operands;
    const gAt = end;
    end = align(end + pooledSize * 4, 64);
    const pooledAt = end;
    end = align(end + pooledSize * 4, 64);
    const indicesAt = end;
    end = align(end + pooledSize * 4, 64);
    const yAt = yResident ? gradY.byteOffset : end;
    if (!yResident) end = align(end + ySize * 4, 64);
    if (!this.reserve(end)) return false;
    const f32 = this.f32;
    const i32 = this.i32;
    f32.set(gradPooled.subarray(0, pooledSize), gAt >> 2);
    f32.set(pooled.subarray(0, pooledSize), pooledAt >> 2);
    i32.set(indices.subarray(0, pooledSize), indicesAt >> 2);
    const p = this.params >> 2;
    i32[p + 16] = 4; // max-pool + relu backward
    i32[p + 17] = gAt;
    i32[p + 18] = pooledAt;
    i32[p + 19] = indicesAt;
    i32[p + 20] = yAt;
    i32[p + 21] = channels;
    i32[p + 22] = h;
    i32[p + 23] = w;
    i32[p + 24] = windowRows;
    // A memory-bound pass: worth the workers only when there is a fair amount of it.
    this.runTasks(count, ySize >= 1 << 16);
    if (!yResident) gradY.set(f32.subarray(yAt >> 2, (yAt >> 2) + ySize));
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
  private convWeightGrad(call: WeightGradTask): boolean {
    const { geometry: g, groups, cOutG, count, x, xOffset, y, yOffset, gw, gb } = call;
    if (g.length !== 13) return false;
    if (!(x instanceof Float32Array && y instanceof Float32Array && gw instanceof Float32Array)) return false;
    if (gb !== null && !(gb instanceof Float32Array)) return false;
    if (count <= 0) return false;
    const [channels, inH, inW, kH, kW, , , , , , , outH, outW] = g as [
      number,
      number,
      number,
      number,
      number,
      ...number[],
    ];
    const cOut = cOutG * groups;
    const rowsG = (channels! / groups) * kH! * kW!;
    const positions = outH! * outW!;
    const xStride = channels! * inH! * inW!;
    const yStride = cOut * positions;
    const sampleCols = channels! * kH! * kW! * positions;
    const has = (array: GemmArray) => this.residentBuffers.has(array.buffer);
    // Columns outside the memory are made again rather than copied in (im2col is exact: same bits).
    const cols = call.cols !== null && has(call.cols) ? call.cols : null;
    const chunk = Math.ceil(count / WEIGHT_GRAD_PARTS);
    const parts = Math.ceil(count / chunk);
    const xResident = cols !== null || has(x);
    const yResident = has(y);
    let end = this.operands;
    const xAt = cols !== null ? 0 : xResident ? x.byteOffset + xOffset * 4 : end;
    if (!xResident) end = align(end + count * xStride * 4, 64);
    const yAt = yResident ? y.byteOffset + yOffset * 4 : end;
    if (!yResident) end = align(end + count * yStride * 4, 64);
    // Columns made in the tasks need a buffer per partition running at once: all partitions in one
    // round if their buffers fit in WEIGHT_GRAD_COLUMNS_MAX floats, else rounds of one per thread.
    const threads = this.pool === null ? 1 : this.pool.size;
    // Or, when a sample's columns fit, each thread's own buffer (stride 0), whatever the partition.
    const ownCols = cols === null && sampleCols <= this.threadColsFloats;
    const round =
      cols !== null || ownCols || parts * sampleCols <= WEIGHT_GRAD_COLUMNS_MAX ? parts : Math.min(parts, threads);
    const colsAt = cols !== null ? cols.byteOffset : end;
    if (cols === null && !ownCols) end = align(end + round * sampleCols * 4, 64);
    const partsAt = end;
    end = align(end + parts * cOut * rowsG * 4, 64);
    const biasAt = end;
    if (gb !== null) end = align(end + parts * cOut * 8, 64);
    if (!this.reserve(end)) return false;
    const f32 = this.f32;
    if (!xResident) f32.set(x.subarray(xOffset, xOffset + count * xStride), xAt >> 2);
    if (!yResident) f32.set(y.subarray(yOffset, yOffset + count * yStride), yAt >> 2);
    const i32 = this.i32;
    const p = this.params >> 2;
    i32[p + 16] = 3; // a weight gradient
    i32[p + 17] = cols === null ? 1 : 0;
    i32[p + 18] = xAt;
    i32[p + 19] = xStride * 4;
    i32[p + 20] = colsAt;
    i32[p + 21] = ownCols ? 0 : sampleCols * 4;
    i32[p + 22] = gb !== null ? biasAt : 0;
    i32[p + 23] = partsAt;
    i32[p + 24] = yAt;
    i32[p + 25] = yStride * 4;
    i32[p + 26] = groups;
    i32[p + 27] = cOutG;
    i32[p + 28] = rowsG;
    i32[p + 29] = positions;
    for (let i = 0; i < 13; i++) i32[p + 31 + i] = g[i]!;
    i32[p + 44] = count;
    i32[p + 45] = chunk;
    for (let first = 0; first < parts; first += round) {
      i32[p + 46] = first;
      this.runTasks(Math.min(round, parts - first), 2 * cOut * rowsG * positions * count >= this.minParallelFlops);
    }
    const size = cOut * rowsG;
    const at = partsAt >> 2;
    for (let i = 0; i < size; i++) {
      let sum = 0;
      for (let t = 0, j = at + i; t < parts; t++, j += size) sum += f32[j]!;
      gw[i] = sum;
    }
    if (gb !== null) {
      const f64 = this.f64;
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
   * One Adam update without weight decay or AMSGrad, as `@torchlet/layers`' JS loop computes it and
   * with the same bits (float64 arithmetic in the same order, moments rounded to float32 when stored):
   * `g = sign·grad; m = beta1·m + (1 − beta1)·g; v = beta2·v + (1 − beta2)·g·g;
   * param −= stepSize·m / (√v / bias2Sqrt + eps)`, large parameters split over the pool.
   * @returns false when nothing ran (no room): take the JS loop
   */
  private adamStep(
    call: AdamStepCall & { param: Float32Array; grad: Float32Array; m: Float32Array; v: Float32Array },
  ): boolean {
    const { param, paramOffset, grad, m, v } = call;
    const count = grad.length;
    if (count === 0) return true;
    const has = (array: Float32Array) => this.residentBuffers.has(array.buffer);
    const at: number[] = [];
    let end = this.operands;
    const arrays = [param.subarray(paramOffset, paramOffset + count), grad, m, v];
    for (const array of arrays) {
      if (has(array)) {
        at.push(array.byteOffset);
      } else {
        at.push(end);
        end = align(end + count * 4, 64);
      }
    }
    if (!this.reserve(end)) return false;
    const f32 = this.f32;
    arrays.forEach((array, i) => {
      if (!has(array)) f32.set(array, at[i]! >> 2);
    });
    const p = this.params >> 2;
    const i32 = this.i32;
    const threads = this.pool === null ? 1 : this.pool.size;
    // Slices on 64-byte lines (16 floats), so two threads never write one cache line.
    const chunk = align(Math.ceil(count / (threads * TASKS_PER_THREAD)), 16);
    const tasks = Math.ceil(count / chunk);
    i32[p + 16] = 5; // an Adam update
    for (let i = 0; i < 4; i++) i32[p + 17 + i] = at[i]!;
    i32[p + 21] = count;
    i32[p + 22] = chunk;
    const f64 = this.f64;
    const q = (this.params + 96) >> 3;
    f64[q] = call.sign;
    f64[q + 1] = call.beta1;
    f64[q + 2] = call.beta2;
    f64[q + 3] = call.stepSize;
    f64[q + 4] = call.bias2Sqrt;
    f64[q + 5] = call.eps;
    this.runTasks(tasks, count >= ADAM_PARALLEL_MIN);
    // The parameter and the moments were written: back out, unless they live here.
    for (const i of [0, 2, 3]) {
      const array = arrays[i]!;
      if (!has(array)) array.set(f32.subarray(at[i]! >> 2, (at[i]! >> 2) + count));
    }
    return true;
  }

  /** The conv tasks below, for conv/tasks.ts. */
  private tasks(): ConvTasks {
    return {
      convBatch: (call) => this.convBatch(call),
      convWeightGrad: (call) => this.convWeightGrad(call),
      maxPoolReluBackward: (call) => this.maxPoolReluBackward(call),
    };
  }

  /**
   * Runs tasks 0 … count−1 of the parameter block: across the pool when `parallel` (and there is a
   * pool, more than one task, and at most one pool round of them), else one after another on the
   * caller. Either way each task computes the same bits.
   */
  private runTasks(count: number, parallel: boolean): void {
    const { kernel, params, scratch, pool } = this;
    if (pool === null || !parallel || count === 1 || count > MAX_TASKS) {
      for (let t = 0; t < count; t++) kernel.gemmTask(params, t, scratch);
    } else {
      pool.run(count, (task) => kernel.gemmTask(params, task, scratch));
    }
  }

  /** How many tasks to cut an m×n×k product into (1: run it on the caller alone). */
  private taskSplit(m: number, n: number, k: number, threads: number): number {
    if (2 * m * n * k < this.minParallelFlops) return 1;
    const units = m >= n ? Math.ceil(m / this.tileRows) : Math.ceil(n / this.tileCols);
    return Math.min(threads * TASKS_PER_THREAD, units, MAX_TASKS);
  }

  /** Grows the memory to at least `bytes`; false if it cannot (the caller then uses the JS kernel). */
  /**
   * Writes the parameter block the wasm task entry points read (word offsets as in gemm.as.ts):
   * one product's operands, how C is sliced into tasks, and where a pre-packed operand sits.
   * Words 16 and up (batch or not, batch strides) are the caller's.
   */
  private writeTaskParams(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    aAt: number,
    lda: number,
    bAt: number,
    ldb: number,
    beta: number,
    cAt: number,
    ldc: number,
    rows: boolean,
    chunk: number,
    packedAt: number,
  ): void {
    const p = this.params >> 2;
    const i32 = this.i32;
    const f32 = this.f32;
    i32[p] = +transA;
    i32[p + 1] = +transB;
    i32[p + 2] = m;
    i32[p + 3] = n;
    i32[p + 4] = k;
    f32[p + 5] = alpha;
    i32[p + 6] = aAt;
    i32[p + 7] = lda;
    i32[p + 8] = bAt;
    i32[p + 9] = ldb;
    f32[p + 10] = beta;
    i32[p + 11] = cAt;
    i32[p + 12] = ldc;
    i32[p + 13] = rows ? 0 : 1;
    i32[p + 14] = chunk;
    i32[p + 15] = packedAt;
  }

  private reserve(bytes: number): boolean {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return true;
    // Grow geometrically, so a run of slowly growing shapes does not grow (and re-view) every call.
    const pages = Math.min(USED_PAGES, Math.max(Math.ceil(bytes / PAGE), Math.ceil((have / PAGE) * 1.5)));
    if (pages * PAGE < bytes) return false;
    try {
      this.memory.grow(pages - have / PAGE);
    } catch {
      return false;
    }
    this.f32 = new Float32Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
    this.f64 = new Float64Array(this.memory.buffer);
    this.residentBuffers.add(this.memory.buffer);
    return true;
  }
}

/** Copies the rows×cols matrix at src[offset + r·ld + col] to dst[at…] as a dense row-major block. */
function copyIn(
  dst: Float32Array,
  at: number,
  src: Float32Array,
  offset: number,
  ld: number,
  rows: number,
  cols: number,
): void {
  if (ld === cols || rows === 1) {
    dst.set(src.subarray(offset, offset + rows * cols), at);
    return;
  }
  for (let r = 0, s = offset, d = at; r < rows; r++, s += ld, d += cols) {
    // A subarray per short row would allocate more than it copies.
    if (cols >= 64) dst.set(src.subarray(s, s + cols), d);
    else for (let j = 0; j < cols; j++) dst[d + j] = src[s + j]!;
  }
}

/** The inverse of `copyIn`: the dense block at src[at…] back to dst[offset + r·ld + col]. */
function copyOut(
  src: Float32Array,
  at: number,
  dst: Float32Array,
  offset: number,
  ld: number,
  rows: number,
  cols: number,
): void {
  if (ld === cols || rows === 1) {
    dst.set(src.subarray(at, at + rows * cols), offset);
    return;
  }
  for (let r = 0, s = at, d = offset; r < rows; r++, s += cols, d += ld) {
    if (cols >= 64) dst.set(src.subarray(s, s + cols), d);
    else for (let j = 0; j < cols; j++) dst[d + j] = src[s + j]!;
  }
}

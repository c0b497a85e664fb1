/**
 * The WebAssembly SIMD GEMM (source: packages/tensor/wasm/gemm.as.ts) behind the `Gemm` interface,
 * single-threaded or split across a worker pool that shares one `WebAssembly.Memory`.
 *
 * float32 only: any float64 operand goes to the JS kernel (float64 serves gradchecks, where the JS
 * kernel's double accumulation is the point). Operands live in JS typed arrays, so each call copies A,
 * B (and C when beta ≠ 0) into a staging region of the wasm memory, reused across calls and grown on
 * demand, and copies C back; operands already inside the memory (`residentArray`) are used in place.
 */
import { jsGemm, type Gemm } from './gemm.js';
import { GEMM_WASM, GEMM_WASM_SHARED } from './gemm-wasm-binary.js';
import { MAX_TASKS, ThreadPool, threadsAvailable, type WorkerSetup } from './thread-pool.js';

interface GemmExports {
  scratchBytes(): number;
  tileRows(): number;
  tileCols(): number;
  heapBase(): number;
  gemm(
    transA: number, transB: number, m: number, n: number, k: number, alpha: number,
    a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number, scratch: number,
  ): void;
  gemmTask(params: number, task: number, scratch: number): void;
  packedWholeFloats(rows: number, k: number): number;
  packWhole(which: number, trans: number, rows: number, k: number, src: number, ld: number, dst: number): void;
}

const PAGE = 65536;
// The modules declare this maximum (4 GiB, the wasm32 limit); see scripts/build-wasm.mjs.
const MAX_PAGES = 65536;
// Bytes of the parameter block gemmTask reads (16 i32/f32 slots: one cache line).
const PARAMS_BYTES = 64;

// Below this many flops (2·m·n·k) a GEMM stays on the calling thread: waking workers costs more than
// it saves. On the development VM (2 cores, Node 20) a futex round trip to a worker took 75 µs; 2
// threads lost at 128³ (4.2 Mflop: 34–40 vs 42 GFLOP/s on 1) and won from 192³ (14 Mflop: 52–62 vs 44).
const PARALLEL_MIN_FLOPS = 2 ** 23;
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
    simd = typeof WebAssembly === 'object' && typeof WebAssembly.validate === 'function' && WebAssembly.validate(decode(GEMM_WASM));
  }
  return simd;
}

const modules = new Map<boolean, WebAssembly.Module>();

// Compiled once per variant and shared by every WasmGemm (and posted to the workers).
function compiled(shared: boolean): WebAssembly.Module {
  let module = modules.get(shared);
  if (module === undefined) {
    module = new WebAssembly.Module(decode(shared ? GEMM_WASM_SHARED : GEMM_WASM));
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

/**
 * `Gemm` on the WebAssembly SIMD module. Results are bit-identical for any thread count: each task owns
 * whole blocks of C and sums over k in a fixed order (see the kernel source).
 */
export class WasmGemm implements Gemm {
  readonly name = 'wasm';
  /** Threads actually used for large GEMMs (1 when threads were asked for but are unavailable). */
  readonly threads: number;
  private readonly memory: WebAssembly.Memory;
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
  private readonly minParallelFlops: number;
  private readonly shared: boolean;
  private f32: Float32Array;
  private i32: Int32Array;

  /** @throws Error if WebAssembly SIMD is unavailable (check `wasmSimdSupported()` first) */
  constructor(options: WasmGemmOptions = {}) {
    if (!wasmSimdSupported()) throw new Error('WasmGemm: this engine has no WebAssembly SIMD');
    let threads = Math.max(1, Math.floor(options.threads ?? 1));
    this.minParallelFlops = options.minParallelFlops ?? PARALLEL_MIN_FLOPS;
    if (threads > 1 && !threadsAvailable()) threads = 1;
    // The layout is the same for both variants, so read it from a probe instance first.
    const probe = new WebAssembly.Instance(compiled(false), { env: { memory: new WebAssembly.Memory({ initial: 1, maximum: 1 }) } })
      .exports as unknown as GemmExports;
    const scratchBytes = align(probe.scratchBytes(), 64);
    this.tileRows = probe.tileRows();
    this.tileCols = probe.tileCols();
    this.params = align(probe.heapBase(), 64);
    this.scratch = this.params + PARAMS_BYTES;
    this.operands = this.scratch + threads * scratchBytes;
    const initial = Math.ceil(this.operands / PAGE) + 16;
    // Shared memory wherever it exists, threads or not: its views survive growth, which `residentArray`
    // relies on (an unshared memory detaches its old buffer on every grow).
    let memory: WebAssembly.Memory | null = null;
    if (typeof SharedArrayBuffer !== 'undefined') {
      try {
        memory = new WebAssembly.Memory({ initial, maximum: MAX_PAGES, shared: true });
      } catch {
        // a browser without cross-origin isolation: unshared, single-threaded
      }
    }
    // An engine with SIMD but without the threads feature cannot compile the shared variant.
    const shared = memory !== null && WebAssembly.validate(decode(GEMM_WASM_SHARED));
    if (!shared) {
      memory = null;
      threads = 1;
    }
    this.shared = shared;
    this.memory = memory ?? new WebAssembly.Memory({ initial, maximum: MAX_PAGES });
    const module = compiled(shared);
    this.kernel = new WebAssembly.Instance(module, { env: { memory: this.memory } }).exports as unknown as GemmExports;
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
    this.residentBuffers.add(this.memory.buffer);
  }

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
  readonly gemm: Gemm['gemm'] = (
    transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc,
  ) => {
    if (
      m === 0 || n === 0 || k === 0 || alpha === 0 ||
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
      const p = this.params >> 2;
      const i32 = this.i32;
      i32[p] = +transA;
      i32[p + 1] = +transB;
      i32[p + 2] = m;
      i32[p + 3] = n;
      i32[p + 4] = k;
      f32[p + 5] = alpha;
      i32[p + 6] = aAt;
      i32[p + 7] = aLd;
      i32[p + 8] = bAt;
      i32[p + 9] = bLd;
      f32[p + 10] = beta;
      i32[p + 11] = cAt;
      i32[p + 12] = cLd;
      i32[p + 13] = rows ? 0 : 1;
      i32[p + 14] = chunk;
      i32[p + 15] = packedAt;
      const params = this.params;
      const scratch = this.scratch;
      pool!.run(tasks, (task) => kernel.gemmTask(params, task, scratch));
    }
    if (!cResident) copyOut(f32, cAt >> 2, c, cOffset, ldc, m, n);
  };

  /** How many tasks to cut an m×n×k product into (1: run it on the caller alone). */
  private taskSplit(m: number, n: number, k: number, threads: number): number {
    if (2 * m * n * k < this.minParallelFlops) return 1;
    const units = m >= n ? Math.ceil(m / this.tileRows) : Math.ceil(n / this.tileCols);
    return Math.min(threads * TASKS_PER_THREAD, units, MAX_TASKS);
  }

  /** Grows the memory to at least `bytes`; false if it cannot (the caller then uses the JS kernel). */
  private reserve(bytes: number): boolean {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return true;
    // Grow geometrically, so a run of slowly growing shapes does not grow (and re-view) every call.
    const pages = Math.min(MAX_PAGES, Math.max(Math.ceil(bytes / PAGE), Math.ceil((have / PAGE) * 1.5)));
    if (pages * PAGE < bytes) return false;
    try {
      this.memory.grow(pages - have / PAGE);
    } catch {
      return false;
    }
    this.f32 = new Float32Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
    this.residentBuffers.add(this.memory.buffer);
    return true;
  }
}

/** Copies the rows×cols matrix at src[offset + r·ld + col] to dst[at…] as a dense row-major block. */
function copyIn(dst: Float32Array, at: number, src: Float32Array, offset: number, ld: number, rows: number, cols: number): void {
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
function copyOut(src: Float32Array, at: number, dst: Float32Array, offset: number, ld: number, rows: number, cols: number): void {
  if (ld === cols || rows === 1) {
    dst.set(src.subarray(at, at + rows * cols), offset);
    return;
  }
  for (let r = 0, s = at, d = offset; r < rows; r++, s += cols, d += ld) {
    if (cols >= 64) dst.set(src.subarray(s, s + cols), d);
    else for (let j = 0; j < cols; j++) dst[d + j] = src[s + j]!;
  }
}

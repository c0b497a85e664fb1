/**
 * The WebAssembly backend's runtime: the compiled SIMD module (source: packages/tensor/wasm/*.as.ts),
 * one linear memory (shared wherever the engine allows, so views survive growth), the layout inside it
 * (the parameter block of wasm/slots.ts, each thread's scratch, then operands: resident buffers, and
 * per-call staging above them), and the worker pool that runs tasks against the same memory. The
 * kernel families (gemm.ts, conv.ts, pool.ts, adam.ts) stage their operands here, write the parameter
 * block and call `runTasks`.
 */
import { GEMM_WASM, MEMORY_FLAGS_AT } from '../gemm-wasm-binary.js';
import { MAX_TASKS, ThreadPool, threadsAvailable, type WorkerSetup } from '../thread-pool.js';
import { wasm, wasmApi, type WasmMemory, type WasmModule } from '../wasm-api.js';
import { PARAMS_BYTES } from './slots.js';
import { checkBackendOptions } from '../backend-options.js';

export interface GemmExports {
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

// Below this many flops (2·m·n·k) a GEMM stays on the calling thread: waking workers costs more than
// it saves. On the development VM (2 cores, Node 20) a futex round trip to a worker took 75 µs; 2
// threads lost at 128³ (4.2 Mflop: 34–40 vs 42 GFLOP/s on 1) and won from 192³ (14 Mflop: 52–62 vs 44).
// In a training step, where the worker is still polling from the previous batch, they already win at
// LeNet-5's first linear layer (64×120×400, 6.1 Mflop): forward 0.176 → 0.132 ms, backward (two such
// products) 0.497 → 0.396 ms (benchmarks/profile/lenet-layers.ts).
const PARALLEL_MIN_FLOPS = 5e6;
// Tasks per thread: more than one lets the caller take over the share of a worker that wakes late or
// is descheduled (on a shared 2-core VM, often). Cheap since the operand all tasks read is packed once.
export const TASKS_PER_THREAD = 4;

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

// In a memory import's limits flags, the bit that makes the memory shared (the threads proposal).
const SHARED_FLAG = 0x02;

/**
 * The kernel module's bytes: importing an unshared memory, or with `shared` a shared one. The two
 * builds differ only in that import's flags (scripts/build-wasm.mjs checks it), so one is embedded.
 */
export function gemmWasmBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const bytes = decode(GEMM_WASM);
  if (shared) bytes[MEMORY_FLAGS_AT] = bytes[MEMORY_FLAGS_AT]! | SHARED_FLAG;
  return bytes;
}

let simd: boolean | undefined;

/** Whether this engine runs the SIMD module (validated once, from the module's own bytes). */
export function wasmSimdSupported(): boolean {
  if (simd === undefined) {
    const api = wasmApi();
    simd = api !== undefined && typeof api.validate === 'function' && api.validate(gemmWasmBytes(false));
  }
  return simd;
}

const modules = new Map<boolean, WasmModule>();

// Compiled once per variant and shared by every WasmGemm (and posted to the workers).
function compiled(shared: boolean): WasmModule {
  let module = modules.get(shared);
  if (module === undefined) {
    module = new (wasm().Module)(gemmWasmBytes(shared));
    modules.set(shared, module);
  }
  return module;
}

export function align(x: number, to: number): number {
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

/** The module, its memory and its workers (see the module comment); single-threaded or split across a pool. */
export class WasmRuntime {
  /** Threads actually used for large GEMMs (1 when threads were asked for but are unavailable). */
  readonly threads: number;
  readonly memory: WasmMemory;
  readonly kernel: GemmExports;
  readonly pool: ThreadPool | null;
  /** Byte address of the parameter block, and of the calling thread's scratch. */
  readonly params: number;
  readonly scratch: number;
  /** Where per-call staging starts: after the scratch, and after every region `residentArray` handed out. */
  operands: number;
  // Every buffer object the memory has had: a view on any of them is resident (growing a shared memory
  // gives memory.buffer a new, longer SharedArrayBuffer object, but old views stay valid).
  private readonly residentBuffers = new WeakSet<ArrayBufferLike>();
  readonly tileRows: number;
  readonly tileCols: number;
  /** A conv sample whose columns fit in this many floats makes them in its thread's own buffer. */
  readonly threadColsFloats: number;
  readonly minParallelFlops: number;
  readonly shared: boolean;
  /** Views of the whole memory, renewed when it grows. */
  f32: Float32Array;
  i32: Int32Array;
  f64: Float64Array;

  /** @throws Error if WebAssembly SIMD is unavailable (check `wasmSimdSupported()` first) */
  /** @throws Error if WebAssembly SIMD is unavailable (check `wasmSimdSupported()` first) */
  constructor(options: WasmGemmOptions = {}) {
    if (!wasmSimdSupported()) throw new Error('WasmGemm: this engine has no WebAssembly SIMD');
    const checked = checkBackendOptions('WasmGemm', options);
    let threads = checked.threads;
    this.minParallelFlops = checked.minParallelFlops ?? PARALLEL_MIN_FLOPS;
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
    const shared = memory !== null && wasm().validate(gemmWasmBytes(true));
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

  /** Whether `array` lies inside this memory (then the kernels read it in place). */
  has(array: ArrayBufferView): boolean {
    return this.residentBuffers.has(array.buffer);
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

  /**
   * Runs tasks 0 … count−1 of the parameter block: across the pool when `parallel` (and there is a
   * pool, more than one task, and at most one pool round of them), else one after another on the
   * caller. Either way each task computes the same bits.
   */
  runTasks(count: number, parallel: boolean): void {
    const { kernel, params, scratch, pool } = this;
    if (pool === null || !parallel || count === 1 || count > MAX_TASKS) {
      for (let t = 0; t < count; t++) kernel.gemmTask(params, t, scratch);
    } else {
      pool.run(count, (task) => kernel.gemmTask(params, task, scratch));
    }
  }

  /** Grows the memory to at least `bytes`; false if it cannot (the caller then uses the JS kernel). */
  reserve(bytes: number): boolean {
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

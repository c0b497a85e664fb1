/**
 * A pool of worker threads that run tasks of the WebAssembly GEMM against one shared memory.
 *
 * The kernel API is synchronous, so the calling thread publishes a batch of tasks, works on them itself,
 * and blocks with `Atomics.wait` until the workers have finished theirs: no postMessage per call, only
 * shared-memory words. Workers start lazily on the first batch, are unref'ed (they never keep a Node
 * process alive), and take tasks only once they are ready, so a batch never waits for a worker to boot:
 * the caller runs whatever nobody else has claimed.
 *
 * Node-only code (`worker_threads`) is reached through `process.getBuiltinModule`, never an import, so
 * the browser bundle carries none of it; browsers get Web Workers from a Blob URL instead.
 */
import type * as WorkerThreads from 'node:worker_threads';
import type { WasmMemory, WasmModule, WebWorkerApi } from './wasm-api.js';

// Control words (Int32 slots of a SharedArrayBuffer).
// The task board: (count << 16) | next, one word so that claiming a task is one compareExchange and a
// worker that wakes late can never claim against a stale count.
const BOARD = 0;
// Tasks finished in the current batch; the last finisher wakes the caller.
const DONE = 1;
// Set when a task threw in a worker; the caller rethrows after the batch.
const FAILED = 2;
// Workers that have instantiated the module (for `readyWorkers`, tests and logs).
const READY = 3;
// Tasks the workers (not the caller) have run, ever (for `workerTasks`).
const WORKER_TASKS = 4;
const CONTROL_WORDS = 5;
// How long the caller polls for the workers' last task, and a worker for the next batch, before
// sleeping in Atomics.wait. A futex round trip took 75 µs on the development VM; with workers polling
// 0.1–0.5 ms, back-to-back 2-thread products ran at 72 vs 62 GFLOP/s (256³), 66 vs 58 (192³), 61 vs 53
// (128×196×576). Short, so an idle pool costs nothing measurable.
const SPIN_MS = 0.2;

/** The largest batch: `next` and `count` share one 32-bit word. */
export const MAX_TASKS = 0x7fff;

/** What a worker needs to run tasks: the compiled module, the shared memory and its own arguments. */
export interface WorkerSetup {
  module: WasmModule;
  memory: WasmMemory;
  /** Address of the parameter block `gemmTask` reads. */
  params: number;
  /** Address of this worker's packing scratch. */
  scratch: number;
}

// The worker's whole program, as plain JS source (not a function's toString, which a bundler may rewrite):
// instantiate the module on the shared memory, then claim tasks from the board until the process ends.
const WORKER_BODY = `
function start(d) {
  const control = new Int32Array(d.control);
  let run;
  try {
    run = new WebAssembly.Instance(d.module, { env: { memory: d.memory } }).exports.gemmTask;
  } catch (e) {
    return; // never ready: the caller and the other workers do its share
  }
  Atomics.add(control, ${READY}, 1);
  for (;;) {
    const w = Atomics.load(control, ${BOARD});
    const count = w >>> 16, next = w & 0xffff;
    if (next >= count) {
      // Poll briefly before sleeping: back-to-back products then skip the futex wake-up.
      const until = performance.now() + ${SPIN_MS};
      while (Atomics.load(control, ${BOARD}) === w && performance.now() < until);
      if (Atomics.load(control, ${BOARD}) === w) Atomics.wait(control, ${BOARD}, w);
      continue;
    }
    if (Atomics.compareExchange(control, ${BOARD}, w, w + 1) !== w) continue;
    try { run(d.params, next, d.scratch); } catch (e) { Atomics.store(control, ${FAILED}, 1); }
    Atomics.add(control, ${WORKER_TASKS}, 1);
    if (Atomics.add(control, ${DONE}, 1) + 1 === count) Atomics.notify(control, ${DONE});
  }
}
`;

type Spawn = (setup: WorkerSetup & { control: SharedArrayBuffer }) => void;

/** How this environment starts a worker, or null when it cannot (or must not block waiting for one). */
function workerSpawner(): Spawn | null {
  if (typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined') return null;
  const proc = (globalThis as { process?: NodeJS.Process }).process;
  if (proc?.versions?.node !== undefined) {
    const threads = proc.getBuiltinModule?.('node:worker_threads') as typeof WorkerThreads | undefined;
    if (threads === undefined) return null;
    return (data) => {
      const worker = new threads.Worker(`${WORKER_BODY}\nstart(require('node:worker_threads').workerData);`, {
        eval: true,
        workerData: data,
      });
      // A worker that fails is one fewer helper, not a crash: its tasks fall to the others and the caller.
      worker.on('error', () => {});
      worker.unref();
    };
  }
  // Browsers: Atomics.wait throws on a window's main thread, and shared memory needs cross-origin
  // isolation, so only an isolated worker context (which can start nested workers) runs threaded.
  const g = globalThis as {
    crossOriginIsolated?: boolean;
    document?: unknown;
    Worker?: WebWorkerApi['Worker'];
    Blob?: WebWorkerApi['Blob'];
    URL: { createObjectURL(blob: object): string };
  };
  if (g.crossOriginIsolated !== true || g.document !== undefined || g.Worker === undefined || g.Blob === undefined) {
    return null;
  }
  const url = g.URL.createObjectURL(
    new g.Blob([`${WORKER_BODY}\nself.onmessage = (e) => start(e.data);`], { type: 'text/javascript' }),
  );
  return (data) => new g.Worker!(url).postMessage(data);
}

/** Whether this environment can run a thread pool (workers, shared memory, and a caller that may block). */
export function threadsAvailable(): boolean {
  return workerSpawner() !== null;
}

/** The number of logical cores, as the environment reports it (1 when it does not). */
export function coreCount(): number {
  const proc = (globalThis as { process?: NodeJS.Process }).process;
  if (proc?.versions?.node !== undefined) {
    const os = proc.getBuiltinModule?.('node:os') as typeof import('node:os') | undefined;
    if (os !== undefined) return os.availableParallelism?.() ?? os.cpus().length;
    return 1;
  }
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}

/**
 * The caller plus `workers.length` workers, running batches of tasks `0 … count−1`: each task is
 * `gemmTask(params, task, scratch)` with the runner's own scratch. Which thread runs which task is not
 * fixed, so tasks must write disjoint memory and not depend on their order.
 */
export class ThreadPool {
  /** Threads that run tasks, the caller included. */
  readonly size: number;
  private readonly control: Int32Array;
  private readonly controlBuffer: SharedArrayBuffer;
  private readonly spawn: Spawn;
  private started = false;

  /**
   * @param workerSetups one per worker (the caller is not among them); `size` is their count + 1
   * @throws Error if this environment cannot start workers (check `threadsAvailable()` first)
   */
  constructor(private readonly workerSetups: readonly WorkerSetup[]) {
    const spawn = workerSpawner();
    if (spawn === null) throw new Error('ThreadPool: this environment cannot run worker threads');
    this.spawn = spawn;
    this.size = workerSetups.length + 1;
    this.controlBuffer = new SharedArrayBuffer(CONTROL_WORDS * 4);
    this.control = new Int32Array(this.controlBuffer);
  }

  /** Workers that have started and can take tasks. */
  readyWorkers(): number {
    return Atomics.load(this.control, READY);
  }

  /** Tasks the workers have run since the pool was made (the rest ran on the caller). */
  workerTasks(): number {
    return Atomics.load(this.control, WORKER_TASKS);
  }

  /**
   * Runs tasks `0 … count−1` (count ≤ MAX_TASKS), the caller's share through `runLocal`, and returns
   * when all are done. Tasks the workers have not claimed by the time the caller is free, it runs too.
   * @throws Error if a task failed in a worker
   */
  run(count: number, runLocal: (task: number) => void): void {
    if (!this.started) this.start();
    const control = this.control;
    Atomics.store(control, DONE, 0);
    Atomics.store(control, FAILED, 0);
    // Publishing the board (a sequentially consistent store) also publishes the parameters the caller
    // wrote before it: a worker reads them only after claiming a task from this board.
    Atomics.store(control, BOARD, count << 16);
    Atomics.notify(control, BOARD);
    let localError: unknown = null;
    for (;;) {
      const w = Atomics.load(control, BOARD);
      const next = w & 0xffff;
      if (next >= count) break;
      if (Atomics.compareExchange(control, BOARD, w, w + 1) !== w) continue;
      try {
        runLocal(next);
      } catch (error) {
        localError ??= error;
      }
      Atomics.add(control, DONE, 1);
    }
    // The workers finish about when the caller does, and a futex wake-up costs tens of µs (75 µs for a
    // round trip on the development VM), so poll briefly before sleeping.
    const spinUntil = performance.now() + SPIN_MS;
    while (Atomics.load(control, DONE) < count && performance.now() < spinUntil);
    for (let done = Atomics.load(control, DONE); done < count; done = Atomics.load(control, DONE)) {
      Atomics.wait(control, DONE, done);
    }
    if (localError !== null) throw localError;
    if (Atomics.load(control, FAILED) !== 0) throw new Error('ThreadPool: a task failed in a worker thread');
  }

  private start(): void {
    this.started = true;
    for (const setup of this.workerSetups) {
      try {
        this.spawn({ ...setup, control: this.controlBuffer });
      } catch {
        // as above: fewer helpers, same results
      }
    }
  }
}

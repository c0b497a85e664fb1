import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { coreCount, ThreadPool, threadsAvailable } from '../../src/kernels/thread-pool.js';
import { gemmWasmBytes } from '../../src/kernels/wasm/runtime.js';
import { until, WORKER_PATIENCE_MS } from '../helpers/until.js';

// A pool of `workers` workers on the real shared-memory GEMM module, with a parameter block describing
// C[8, 8·tasks] = A[8, 4]·B[4, 8·tasks], one 8-column task each; A and B are all ones, so C is all 4s.
function gemmPool(workers: number, tasks: number) {
  const module = new WebAssembly.Module(gemmWasmBytes(true));
  const memory = new WebAssembly.Memory({ initial: 4 * (workers + 2), maximum: 65536, shared: true });
  const kernel = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as {
    heapBase(): number;
    scratchBytes(): number;
    gemmTask(params: number, task: number, scratch: number): void;
  };
  const params = Math.ceil(kernel.heapBase() / 64) * 64;
  const scratchBytes = Math.ceil(kernel.scratchBytes() / 64) * 64;
  const scratch = (t: number) => params + 64 + t * scratchBytes;
  const n = 8 * tasks;
  const a = scratch(workers + 1);
  const b = a + 8 * 4 * 4;
  const c = b + 4 * n * 4;
  memory.grow(Math.ceil((c + 8 * n * 4) / 65536));
  const f32 = new Float32Array(memory.buffer);
  const i32 = new Int32Array(memory.buffer);
  f32.fill(1, a / 4, c / 4);
  // transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, axis (1: columns), chunk, packed (0: none)
  const block = [0, 0, 8, n, 4, 0, a, 4, b, n, 0, c, n, 1, 8, 0];
  block.forEach((v, i) => (i32[params / 4 + i] = v));
  f32[params / 4 + 5] = 1; // alpha
  const setups = Array.from({ length: workers }, (_, t) => ({ module, memory, params, scratch: scratch(t + 1) }));
  const result = () => Array.from(new Float32Array(memory.buffer, c, 8 * n));
  const runLocal = (task: number) => kernel.gemmTask(params, task, scratch(0));
  return { pool: new ThreadPool(setups), i32, params, result, runLocal };
}

async function untilReady(pool: ThreadPool, workers: number) {
  await until(() => pool.readyWorkers() >= workers);
  expect(pool.readyWorkers()).toBe(workers);
}

describe('ThreadPool', () => {
  it('sees workers, shared memory and the machine cores under Node', () => {
    expect(threadsAvailable()).toBe(true);
    expect(coreCount()).toBe(availableParallelism());
  });

  it('runs every task exactly once, on the caller and the workers together', async () => {
    const { pool, result, runLocal } = gemmPool(2, 64);
    expect(pool.size).toBe(3);
    pool.run(64, runLocal); // starts the workers; the caller may do everything this time
    await untilReady(pool, 2);
    // On a loaded machine the workers may get no CPU for a while: keep offering batches for up to 20 s.
    const deadline = Date.now() + WORKER_PATIENCE_MS;
    for (let round = 0; round < 3 || (pool.workerTasks() === 0 && Date.now() < deadline); round++) {
      await new Promise((r) => setTimeout(r, 1));
      const local: number[] = [];
      const before = pool.workerTasks();
      pool.run(64, (task) => {
        local.push(task);
        runLocal(task);
      });
      // Tasks the caller ran + tasks the workers ran = all of them, each once.
      expect(new Set(local).size).toBe(local.length);
      expect(local.length + pool.workerTasks() - before).toBe(64);
    }
    expect(pool.workerTasks()).toBeGreaterThan(0);
    expect(result().every((v) => v === 4)).toBe(true);
  });

  it("rethrows the caller's failing task after the batch, and keeps working", () => {
    const { pool, runLocal } = gemmPool(1, 4);
    expect(() =>
      pool.run(4, (task) => {
        if (task === 0) throw new Error('task 0 failed');
        runLocal(task);
      }),
    ).toThrow('task 0 failed');
    expect(() => pool.run(4, runLocal)).not.toThrow();
  });

  it("reports a worker's failing task (a wasm trap) as an error of the batch", async () => {
    const { pool, i32, params } = gemmPool(1, 8);
    pool.run(8, () => {}); // start the worker; the caller claims and skips everything
    await untilReady(pool, 1);
    i32[params / 4 + 11] = -64; // C far outside memory: any task the worker runs traps
    let failed = false;
    for (const deadline = Date.now() + WORKER_PATIENCE_MS; !failed && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 1));
      try {
        pool.run(8, () => {
          // the caller's share is slow, so the worker gets some of the batch
          const busyUntil = performance.now() + 1;
          while (performance.now() < busyUntil);
        });
      } catch (error) {
        expect(String(error)).toContain('ThreadPool: a task failed in a worker thread');
        failed = true;
      }
    }
    expect(failed).toBe(true);
  });

  it('never keeps a Node process alive: a script that used the pool exits by itself', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'torchlet-pool-'));
    try {
      const outfile = join(dir, 'main.mjs');
      const kernels = fileURLToPath(new URL('../../src/kernels/wasm/backend.ts', import.meta.url));
      await build({
        stdin: {
          contents: `import { WasmGemm } from ${JSON.stringify(kernels)};
            const g = new WasmGemm({ threads: 2, minParallelFlops: 0 });
            const a = new Float32Array(64 * 64).fill(1), c = new Float32Array(64 * 64);
            for (let i = 0; i < 20; i++) g.gemm(false, false, 64, 64, 64, 1, a, 0, 64, a, 0, 64, 0, c, 0, 64);
            // a worker has started (on a loaded machine it may take seconds), and is still there at the end
            for (const until = Date.now() + ${WORKER_PATIENCE_MS}; g.readyWorkers() < 1 && Date.now() < until; )
              await new Promise((r) => setTimeout(r, 25));
            console.log(g.readyWorkers(), c[0]);`,
          resolveDir: dir,
          loader: 'ts',
        },
        outfile,
        bundle: true,
        format: 'esm',
        platform: 'node',
        logLevel: 'silent',
      });
      const child = spawnSync(process.execPath, [outfile], { encoding: 'utf8', timeout: 240_000 });
      expect(child.error).toBeUndefined();
      expect(child.status).toBe(0);
      expect(child.stdout.trim()).toBe('1 64');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * PyTorch's column: benchmarks/pytorch/bench.py times the same workloads (same shapes, layers and
 * optimizers) in one Python process, when `/usr/bin/python3 -c "import torch"` works (Debian's
 * python3-torch); otherwise every PyTorch row says "not installed" and the bench goes on.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { benchDir, firstLine } from './tfjs.js';

/** What bench.py runs for one workload (see its KINDS). */
export type PytorchSpec =
  | { kind: 'gemm'; m: number; k: number; n: number }
  | { kind: 'conv'; x: readonly number[]; w: readonly number[]; padding: number; backward: boolean }
  | { kind: 'lenet-step' | 'cifar-step'; batch: number; lr: number }
  | { kind: 'mnist-epoch'; batch: number; images: number; dir: string };

export interface PytorchTime {
  ms: number | null;
  runs: number;
  note?: string;
}

export interface PytorchRun {
  /** e.g. 'PyTorch 1.13.0a0, 2 threads', or why there is no PyTorch column. */
  description: string;
  available: boolean;
  times: Map<string, PytorchTime>;
}

const PYTHON = process.env.TORCHLET_BENCH_PYTHON ?? '/usr/bin/python3';

/** Runs `jobs` (id → spec) in one PyTorch process on `threads` threads, `budgetS` seconds per workload. */
export function runPytorch(jobs: ReadonlyMap<string, PytorchSpec>, threads: number, budgetS: number): PytorchRun {
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    return {
      description: `PyTorch not installed (${PYTHON} -c "import torch" fails)`,
      available: false,
      times: new Map(),
    };
  }
  const input = JSON.stringify([...jobs].map(([id, spec]) => ({ id, ...spec })));
  const child = spawnSync(PYTHON, [join(benchDir(), 'pytorch', 'bench.py'), String(threads), String(budgetS)], {
    input,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = child.stdout?.trim().split('\n').pop() ?? '';
  try {
    const parsed = JSON.parse(line) as {
      meta: { version: string; threads: number };
      results: Record<string, PytorchTime>;
    };
    return {
      description: `PyTorch ${parsed.meta.version} (benchmarks/pytorch/bench.py: one process for the PyTorch pass, one per paired round), ${parsed.meta.threads} threads`,
      available: true,
      times: new Map(Object.entries(parsed.results)),
    };
  } catch (e) {
    return {
      description: `PyTorch run failed (exit ${child.status ?? child.signal}): ${firstLine(e)}`,
      available: false,
      times: new Map(),
    };
  }
}

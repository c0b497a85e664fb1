import { describe, expect, it } from 'vitest';
import { pairedPytorchRow } from '../src/paired.js';
import { cannotRow, runWorkload, type Row } from '../src/runner.js';
import { QUICK } from '../src/timing.js';
import type { TorchletBackend } from '../src/torchlet-backends.js';
import type { Workload } from '../src/workloads/workload.js';

// A workload whose Torchlet result is whatever `result(i)` says for the i-th backend that prepared it:
// the runner compares each backend's first run with the first backend's (the reference) before timing.
function fakeWorkload(result: (calls: number) => number[]): Workload {
  let prepared = 0;
  return {
    name: 'fake',
    scalableBatch: null,
    flops: () => 2e6,
    images: null,
    pytorch: { kind: 'gemm', m: 1, k: 1, n: 1 },
    torchlet: () => {
      const values = Float32Array.from(result(prepared++));
      return { run: () => {}, outputs: () => [values], dispose: () => {} };
    },
    tfjs: () => {
      throw new Error('no TF.js here');
    },
  };
}

const js = (label: string): TorchletBackend => ({ label, name: 'js', threads: 1 });
const quiet = { policy: { ...QUICK, targetMs: 1, minRuns: 1, maxRuns: 2 }, peerMaxRunMs: 100, log: () => {} };

describe('bench runner', () => {
  it('marks a Torchlet row whose results differ from the reference beyond rounding WRONG, and never best', async () => {
    // The reference is [100, -200]; "fast" is off by 1 (5e-3 of the scale), "close" by 1e-4 (rounding).
    const w = fakeWorkload((i) => (i === 1 ? [101, -200] : i === 2 ? [100, -200.0001] : [100, -200]));
    const rows = await runWorkload(w, [js('reference'), js('fast'), js('close')], null, quiet);
    const [reference, fast, close] = rows;
    expect(reference!.scale).toBe(200);
    expect(fast!.wrong).toBe(true);
    expect(fast!.note).toMatch(/^WRONG: differs from the plain-JS reference by 1\.0 \(its largest \|value\| is 200\)/);
    expect(close!.wrong).toBe(false);
    expect(close!.note).toBeNull();
    expect(rows.filter((r) => r.best).map((r) => r.impl)).not.toContain('fast');
  });
});

describe('PyTorch paired with the fastest Torchlet backend', () => {
  const peer: Row = {
    ...cannotRow('conv', 'pytorch', false, ''),
    ms: 10,
    runs: 40,
    gflops: 100,
    imagesPerSecond: null,
    note: 'own random inputs',
  };

  it("gives the median round ratio as the speed-up and PyTorch's median round as its time", () => {
    const row = pairedPytorchRow(peer, 'torchlet native×2', [
      { torchletMs: 10, pytorchMs: 8 },
      { torchletMs: 20, pytorchMs: 8 },
      { torchletMs: 5, pytorchMs: 12 },
    ]);
    // Ratios 0.8, 0.4, 2.4: the median is 0.8 (a single pass would have read any of them).
    expect(row.speedup).toBeCloseTo(0.8, 12);
    expect(row.ms).toBe(8);
    expect(row.runs).toBe(3);
    expect(row.gflops).toBeCloseTo(125, 9);
    expect(row.note).toBe(
      '3 rounds, each torchlet native×2 then PyTorch: torchlet native×2 10.0, 20.0, 5.00 ms, PyTorch 8.00, 8.00, 12.0 ms, ' +
        "speed-up 0.80, 0.40, 2.4 (median shown; ms and runs: PyTorch's per round); own random inputs",
    );
  });

  it('leaves the row as it was when no round ran', () => {
    expect(pairedPytorchRow(peer, 'torchlet native×2', [])).toBe(peer);
  });
});

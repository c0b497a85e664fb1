import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../src/args.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** `pnpm pytorch-mnist` with these flags, from source (scripts/run.mjs bundles it first). */
function run(flags: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['scripts/run.mjs', 'examples/pytorch-mnist/src/main.ts', ...flags], {
    cwd: root,
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('pnpm pytorch-mnist', () => {
  it('learns from a small subset: test accuracy far above chance, test loss far below ln 10', () => {
    // 1024 training images (16 Adadelta steps per epoch), 500 test images: seconds, not the full run.
    const { status, stdout, stderr } = run(['--limit', '1024', '--test-limit', '500', '--epochs', '2']);
    expect(status, stderr).toBe(0);
    const losses = [...stdout.matchAll(/Test set: Average loss: ([\d.]+), Accuracy: (\d+)\/500/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]);
    expect(losses).toHaveLength(2);
    const accuracy = Number(/test accuracy: ([\d.]+) after 2 epoch\(s\)/.exec(stdout)?.[1]);
    expect(accuracy).toBeGreaterThan(0.6); // chance is 0.1
    expect(losses[1]![0]).toBeLessThan(1.2); // an untrained net scores ln 10 ≈ 2.3
    expect(accuracy).toBe(losses[1]![1]! / 500);
  });

  it('flags: defaults as main.py, ours (--limit, --test-limit), and errors naming the flag', () => {
    expect(parseArgs([])).toMatchObject({ batchSize: 64, testBatchSize: 1000, lr: 1, gamma: 0.7, seed: 1 });
    expect(parseArgs(['--limit', '100', '--test-limit=50'])).toMatchObject({ limit: 100, testLimit: 50 });
    expect(() => parseArgs(['--test-limit=-1'])).toThrow(UsageError);
    expect(() => parseArgs(['--test-limit=-1'])).toThrow(/--test-limit must be an integer >= 0, got -1/);
    expect(() => parseArgs(['--epoch', '2'])).toThrow(/unknown flag --epoch/);
  });
});

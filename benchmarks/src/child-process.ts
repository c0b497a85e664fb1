import { spawnSync } from 'node:child_process';

/**
 * Runs this same bundle again in a fresh Node process with `flag` and the job as JSON (so a child's
 * memory, threads and crashes stay its own) and returns how it ended and the last line it printed,
 * where a child writes its result. Its stderr goes straight to ours.
 */
export function runChild(
  flag: string,
  job: unknown,
): { status: number | null; signal: NodeJS.Signals | null; error: Error | undefined; line: string } {
  const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, flag, JSON.stringify(job)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = child.stdout?.trim().split('\n').pop() ?? '';
  return { status: child.status, signal: child.signal, error: child.error, line };
}

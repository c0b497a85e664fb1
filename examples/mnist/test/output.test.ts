import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asFileError, checkWritableDir, fileError, FileError, writing } from '../src/output.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'torchlet-mnist-out-'));
// The example bundled once by scripts/run.mjs (`--help` only prints the usage), then run by plain node
// so that a shell limit applies to the run, not to the bundling.
const bundle = join(root, 'examples/mnist/.out/main.mjs');
beforeAll(() => {
  spawnSync(process.execPath, ['scripts/run.mjs', 'examples/mnist/src/main.ts', '--help'], { cwd: root });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const systemError = (code: string, syscall: string, path?: string) =>
  Object.assign(new Error(`${code}: something, ${syscall}`), { code, syscall, ...(path ? { path } : {}) });

/** `pnpm mnist` with these flags; `shell` goes before the node command (e.g. a ulimit). */
function mnist(flags: string[], shell = ''): { status: number | null; stdout: string; stderr: string } {
  const command = [process.execPath, bundle, ...flags].map((a) => `'${a}'`).join(' ');
  const result = spawnSync('bash', ['-c', `${shell} exec ${command}`], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('pnpm mnist output files', () => {
  it('an --out that cannot be a directory fails before training, in one line naming it and what to do', () => {
    const file = join(work, 'a-file');
    writeFileSync(file, 'x');
    const run = mnist(['--out', join(file, 'run'), '--epochs', '1', '--limit', '64']);
    expect(run.status).toBe(1);
    expect(run.stdout).not.toMatch(/epoch|training/); // nothing was trained
    expect(run.stderr.trim().split('\n')).toEqual([
      `pnpm mnist: cannot create ${join(file, 'run')}: a part of the path is a file, not a directory (ENOTDIR); choose another path (--out DIR)`,
    ]);
  });

  it('an --out without room for the checkpoint fails before training (a write limit stands in for a full disk)', () => {
    const dir = join(work, 'small');
    const run = mnist(['--out', dir, '--epochs', '1', '--limit', '64'], 'ulimit -f 64;');
    expect(run.status).toBe(1);
    expect(run.stdout).not.toMatch(/epoch|training/);
    expect(run.stderr.trim().split('\n')).toEqual([
      `pnpm mnist: cannot write to ${dir}: the file would exceed the size this process may write (ulimit -f) (EFBIG); raise the limit or write less (--out DIR)`,
    ]);
    expect(readdirSync(dir)).toEqual([]); // the probe file is gone
  });

  it('--export and --plots directories are checked too', () => {
    const file = join(work, 'another-file');
    writeFileSync(file, 'x');
    const run = mnist(['--out', join(work, 'ok'), '--plots', join(file, 'plots'), '--epochs', '1', '--limit', '64']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^pnpm mnist: cannot create .*another-file\/plots: .*\(--plots DIR\)\n$/);
  });

  it('a write that fails mid-way names the file, even when the system error does not (ENOSPC on write)', () => {
    const path = join('out', 'mnist', 'lenet.safetensors');
    const call = () =>
      writing(path, '--out DIR', () => {
        throw systemError('ENOSPC', 'write');
      });
    expect(call).toThrow(FileError);
    expect(call).toThrow(
      `cannot write ${path}: the disk is full (ENOSPC); free some space or choose a directory on another disk (--out DIR)`,
    );
    expect(fileError(systemError('EROFS', 'open'), 'x.png', '--plots DIR').message).toBe(
      'cannot write x.png: the file system is read-only (EROFS); choose a directory on a writable disk (--plots DIR)',
    );
    expect(asFileError(systemError('ENOENT', 'open', '/data/train-images'))!.message).toMatch(
      /^cannot open \/data\/train-images: a directory on the way does not exist \(ENOENT\)/,
    );
    expect(asFileError(new TypeError('not a file error'))).toBeNull();
  });

  it('checkWritableDir makes the directory and leaves nothing behind', () => {
    const dir = join(work, 'made', 'deep');
    checkWritableDir(dir, 3 << 20, '--out DIR');
    expect(readdirSync(dir)).toEqual([]);
  });
});

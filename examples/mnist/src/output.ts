import { closeSync, fsyncSync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A file the run could not read or write, as one line for the terminal: the file, what went wrong in
 * words, and what to do — never a stack trace at the end of a long training run.
 */
export class FileError extends Error {
  override name = 'FileError';
}

/** What to tell the user for the usual `errno` codes; the fallback is the system's own message. */
const REASONS: Record<string, [what: string, todo: string]> = {
  ENOSPC: ['the disk is full', 'free some space or choose a directory on another disk'],
  EDQUOT: ['the disk quota is used up', 'free some space or choose a directory on another disk'],
  EFBIG: ['the file would exceed the size this process may write (ulimit -f)', 'raise the limit or write less'],
  EACCES: ['permission denied', 'choose a directory you can write to'],
  EPERM: ['operation not permitted', 'choose a directory you can write to'],
  EROFS: ['the file system is read-only', 'choose a directory on a writable disk'],
  ENOTDIR: ['a part of the path is a file, not a directory', 'choose another path'],
  EISDIR: ['it is a directory', 'choose a file name'],
  ENOENT: ['a directory on the way does not exist', 'create it or choose another path'],
  EEXIST: ['a file is in the way', 'remove it or choose another path'],
  ENAMETOOLONG: ['the name is too long', 'choose a shorter path'],
};

/**
 * `error` (from node:fs) as a FileError naming `path` and `flag`, the option that chose it.
 * @example fileError(enospc, 'out/mnist/lenet.safetensors', '--out').message
 *   // cannot write out/mnist/lenet.safetensors: the disk is full (ENOSPC); free some space or choose a directory on another disk (--out DIR)
 */
export function fileError(error: unknown, path: string, flag: string, verb = 'write'): FileError {
  const code = (error as NodeJS.ErrnoException)?.code ?? '';
  const reason = REASONS[code];
  const detail = reason
    ? `${reason[0]} (${code}); ${reason[1]}`
    : `${(error as Error)?.message ?? String(error)}; choose another path`;
  return new FileError(`cannot ${verb} ${path}: ${detail} (${flag})`);
}

/** Runs `write` (which writes `path`), turning a file-system error into a FileError naming the file. */
export function writing<T>(path: string, flag: string, write: () => T, verb = 'write'): T {
  try {
    return write();
  } catch (e) {
    if (e instanceof FileError) throw e;
    throw fileError(e, path, flag, verb);
  }
}

/**
 * Any other Node system error (it has a `code` and a `syscall`) as one line naming its path; null for
 * errors that are not about files.
 */
export function asFileError(error: unknown): FileError | null {
  if (error instanceof FileError) return error;
  const e = error as NodeJS.ErrnoException;
  if (typeof e?.code !== 'string' || typeof e.syscall !== 'string') return null;
  return fileError(
    e,
    e.path ?? '(unnamed file)',
    'check the path',
    e.syscall.startsWith('read') || e.syscall === 'open' ? 'open' : e.syscall,
  );
}

/**
 * Makes `dir` (with its parents) and proves it takes `bytes` bytes now: writes that much to a probe
 * file, fsyncs and removes it. Called before training, so a read-only, missing or full output
 * directory fails in a second instead of after the whole run.
 * @throws FileError naming the directory, the reason and `flag`
 */
export function checkWritableDir(dir: string, bytes: number, flag: string): void {
  writing(dir, flag, () => mkdirSync(dir, { recursive: true }), 'create');
  const probe = join(dir, `.write-check.${process.pid}.tmp`);
  writing(
    dir,
    flag,
    () => {
      const fd = openSync(probe, 'w');
      try {
        const chunk = new Uint8Array(Math.min(bytes, 1 << 20));
        for (let written = 0; written < bytes; )
          written += writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - written));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
        try {
          unlinkSync(probe);
        } catch {
          /* never created */
        }
      }
    },
    'write to',
  );
}

import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

let tempCounter = 0;

function tempPath(path: string): string {
  // Unique per process and call; a stale temp file from a killed writer is never reused.
  tempCounter += 1;
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.${tempCounter}.tmp`);
}

function fsyncDirectory(dir: string): void {
  // Makes the rename itself durable. Some platforms (Windows) cannot open a directory: the rename
  // is still atomic there, only its durability across a power cut is not guaranteed.
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    /* best effort, see above */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Writes `bytes` to `path` through a temporary file in the same directory, fsynced, then renamed
 * over the target (a rename within one directory is atomic on POSIX file systems): a reader, or a
 * crash or kill mid-write, never sees half a file — a checkpoint, exported model or picture is
 * either the old one or the whole new one. Synchronous: the file is complete when the call returns.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const tmp = tempPath(path);
  const fd = openSync(tmp, 'wx');
  try {
    try {
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw e;
  }
  fsyncDirectory(dirname(path));
}

import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

let tempCounter = 0;

/**
 * Writes `bytes` to `path` through a temporary file in the same directory and a rename, so a
 * reader (or a crash mid-write) never sees half a file: an exported model or picture is either
 * the old one or the whole new one.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  tempCounter += 1;
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${tempCounter}.tmp`);
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
}

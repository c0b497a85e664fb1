import { closeSync, fsyncSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

let tempCounter = 0;

function tempPath(path: string): string {
  // Unique per process and call; a stale temp file from a killed writer is never reused.
  tempCounter += 1;
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.${tempCounter}.tmp`);
}

/** Whether a process with this id exists (EPERM: it does, owned by someone else). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files of earlier writes to `path` whose writer process is gone: a writer
 * killed mid-save (SIGKILL, power cut) leaves its temp file behind, and without this every such kill
 * of a large checkpoint would leak its size in disk space. A temp file whose writer still runs (a
 * concurrent save of the same target) is left alone. Writers are told apart by process id, so this
 * assumes the directory is not shared between machines writing the same target at once.
 */
function removeStaleTemps(path: string): void {
  const dir = dirname(path);
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // the write itself reports a missing or unreadable directory
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const match = /^(\d+)\.\d+\.\d+\.tmp$/.exec(name.slice(prefix.length));
    if (match === null) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || processExists(pid)) continue;
    try {
      unlinkSync(join(dir, name));
    } catch {
      /* another writer removed it first */
    }
  }
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
 * First removes temporaries of the same target left by writers that were killed (see removeStaleTemps).
 */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  removeStaleTemps(path);
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

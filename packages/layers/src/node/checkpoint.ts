import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  decodeTensors,
  encodeSafetensors,
  parseHeader,
  readHeaderLength,
  SafetensorsError,
  type SafetensorsMetadata,
  type TensorMap,
} from '../io/safetensors.js';

/**
 * Checkpoints on disk in the safetensors format. Writes are atomic: the bytes go to a temporary
 * file in the same directory, are fsynced, and only then renamed over the target, so a crash or
 * a kill mid-write leaves the previous checkpoint intact (a rename within one directory is atomic
 * on POSIX file systems). Reads validate the header before allocating the tensors' storage.
 */

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
 * Writes `tensors` (e.g. `model.stateDict()`) to `path` atomically (temp file + fsync + rename).
 * Synchronous, so a checkpoint is complete on disk when the call returns.
 * @param metadata optional strings stored in the header's `__metadata__`
 */
export function save(path: string, tensors: TensorMap, metadata?: SafetensorsMetadata): void {
  const bytes = encodeSafetensors(tensors, metadata);
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

export interface LoadedCheckpoint {
  tensors: TensorMap;
  /** The header's `__metadata__`, or null when the file has none. */
  metadata: SafetensorsMetadata | null;
}

function readExactly(fd: number, length: number, position: number): Uint8Array {
  const out = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, out, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? out : out.subarray(0, got);
}

/**
 * Reads a safetensors file with its metadata: the 8-byte length and the JSON header are read and
 * validated first; only then is the data region read.
 * @throws SafetensorsError for a truncated, corrupt or hostile file
 */
export function loadWithMetadata(path: string): LoadedCheckpoint {
  const fd = openSync(path, 'r');
  try {
    const fileLength = fstatSync(fd).size;
    const headerLength = readHeaderLength(readExactly(fd, Math.min(8, fileLength), 0), fileLength);
    const header = parseHeader(readExactly(fd, headerLength, 8), fileLength - 8 - headerLength);
    const data = readExactly(fd, fileLength - 8 - headerLength, 8 + headerLength);
    if (data.length !== fileLength - 8 - headerLength) {
      throw new SafetensorsError(`safetensors: ${path} shrank while being read (expected ${fileLength} bytes)`);
    }
    return { tensors: decodeTensors(header, data), metadata: header.metadata };
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads the tensors of a safetensors file, ready for `model.loadStateDict(load(path))`.
 * @throws SafetensorsError for a truncated, corrupt or hostile file
 */
export function load(path: string): TensorMap {
  return loadWithMetadata(path).tensors;
}

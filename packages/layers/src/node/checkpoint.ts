import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import {
  decodeTensors,
  encodeSafetensors,
  parseHeader,
  readHeaderLength,
  SafetensorsError,
  type SafetensorsMetadata,
  type TensorMap,
} from '../io/safetensors.js';
import { writeFileAtomic } from './write-file-atomic.js';

/**
 * Checkpoints on disk in the safetensors format. Writes are atomic: the bytes go to a temporary
 * file in the same directory, are fsynced, and only then renamed over the target, so a crash or
 * a kill mid-write leaves the previous checkpoint intact (a rename within one directory is atomic
 * on POSIX file systems). Reads validate the header before allocating the tensors' storage.
 */

/**
 * Writes `tensors` (e.g. `model.stateDict()`) to `path` atomically (temp file + fsync + rename).
 * Synchronous, so a checkpoint is complete on disk when the call returns.
 * @param metadata optional strings stored in the header's `__metadata__`
 */
export function save(path: string, tensors: TensorMap, metadata?: SafetensorsMetadata): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
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

import type { Module } from '../nn/modules/module.js';
import { toOnnxBytes, type OnnxExportOptions } from '../onnx/export.js';
import { writeFileAtomic } from './write-file-atomic.js';

/**
 * Writes `model` as an ONNX file at `path` (atomically), for ONNX Runtime and other consumers.
 * Tracing, supported layers and errors as `toOnnxBytes`.
 *
 * @param sampleInputShape the input's shape with its batch axis, e.g. `[1, 1, 28, 28]`
 * @returns the number of bytes written
 * @example exportOnnx(lenet, [1, 1, 28, 28], 'lenet.onnx')
 */
export function exportOnnx(
  model: Module,
  sampleInputShape: readonly number[],
  path: string,
  options: OnnxExportOptions = {},
): number {
  const bytes = toOnnxBytes(model, sampleInputShape, options);
  writeFileAtomic(path, bytes);
  return bytes.length;
}

import type { Row } from '@torchlet/benchmarks/portable';

/** Page → bench worker: which workloads (substrings of their names, none = the page's default set), how long. */
export interface BenchRequest {
  type: 'start';
  only: string[];
  quick: boolean;
  /** Time TF.js's webgl backend even when its WebGL is a software renderer (SwiftShader). */
  softwareGl: boolean;
}

/** Bench worker → page. */
export type BenchMessage =
  /** Where the numbers come from: browser, isolation, backends that started and those that could not. */
  | { type: 'setup'; lines: string[] }
  | { type: 'progress'; line: string }
  /** The rows of one workload, in table order. */
  | { type: 'rows'; rows: Row[] }
  | { type: 'done'; seconds: number }
  | { type: 'error'; message: string };

/**
 * Whether a row's results agree with the reference (Torchlet's plain-JS kernels on the same inputs):
 * its largest difference is within 1e-3 of the largest reference value. float32 kernels that sum in
 * different orders differ by far less; a wrong kernel (a transposed filter, a missing bias) by O(1).
 */
export function agrees(row: Row, referenceScale: number): boolean {
  return row.maxDiff === null || row.maxDiff <= 1e-3 * Math.max(1, referenceScale);
}

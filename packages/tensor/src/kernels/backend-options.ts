/**
 * The constructor options every compute backend takes (`new WasmGemm(options)`, `new NativeGemm(options)`),
 * checked in one place so that a typo or a fractional thread count is an error, not a silent default.
 */
import { checkOptions, optionKeys } from '../check.js';
import { rangeError } from '../errors.js';

export interface BackendOptions {
  /** Threads that share each large GEMM or conv, the caller included (default 1). */
  threads?: number;
  /** Smallest product, in flops (2·m·n·k), that is split across threads; tests pass 0 to split tiny ones. */
  minParallelFlops?: number;
}

const BACKEND_OPTION_KEYS = optionKeys<BackendOptions>({ threads: true, minParallelFlops: true });

/**
 * @throws TypeError for an unknown key; RangeError unless `threads` is an integer in [1, 256] and
 *   `minParallelFlops` a finite number ≥ 0
 */
export function checkBackendOptions(
  backend: string,
  options: BackendOptions | undefined,
): { threads: number; minParallelFlops: number | undefined } {
  const { threads = 1, minParallelFlops } = checkOptions(backend, options, BACKEND_OPTION_KEYS);
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
    throw rangeError(backend, `threads must be an integer in [1, 256], got ${String(threads)}`);
  }
  if (minParallelFlops !== undefined && !(Number.isFinite(minParallelFlops) && minParallelFlops >= 0)) {
    throw rangeError(backend, `minParallelFlops must be a finite number >= 0, got ${String(minParallelFlops)}`);
  }
  return { threads, minParallelFlops };
}

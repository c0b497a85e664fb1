import { getGemm, setGemm, WasmGemm } from '@torchlet/tensor';
import { afterAll } from 'vitest';

/**
 * The WebAssembly kernels the wasm tests compare: one thread, and three with every product split
 * (minParallelFlops 0 sends even tiny batches to the pool). Call at a test file's top level: the
 * kernel in use before the file ran is put back after it.
 */
export function wasmKernelsForFile(): { wasm1: WasmGemm; wasm3: WasmGemm } {
  const before = getGemm();
  afterAll(() => setGemm(before));
  return { wasm1: new WasmGemm({ threads: 1 }), wasm3: new WasmGemm({ threads: 3, minParallelFlops: 0 }) };
}

import { getBackendInfo, getGemm, NativeGemm, setGemm } from '@torchlet/tensor';
import { afterAll } from 'vitest';

/**
 * The native backend's kernels the native tests compare, where its addon loaded (else null: the
 * tensor package's tests check that it loads wherever a C++ compiler exists): one thread, and three
 * with every call split (minParallelFlops 0). Call at a test file's top level: the kernel in use before
 * the file ran is put back after it.
 */
export function nativeKernelsForFile(): { native1: NativeGemm; native3: NativeGemm } | null {
  if (!getBackendInfo().native) return null;
  const before = getGemm();
  afterAll(() => setGemm(before));
  return { native1: new NativeGemm({ threads: 1 }), native3: new NativeGemm({ threads: 3, minParallelFlops: 0 }) };
}

import { availableParallelism } from 'node:os';
import * as kernels from '@torchlet/tensor/kernels';

/** One way to run Torchlet: the JS kernels, or the WebAssembly SIMD kernels on some number of threads. */
export interface TorchletBackend {
  /** Table label, e.g. `torchlet js`, `torchlet wasm×2`. */
  label: string;
  name: 'js' | 'wasm';
  threads: number;
}

// The backend selection API (`setBackend('js' | 'wasm', { threads })`, `getBackendInfo()`) lands with the
// WebAssembly kernels; until then only the JS kernels exist. Looked up on the namespace at run time so
// the bench runs either way and shows every backend the tensor package offers.
interface BackendApi {
  setBackend(name: 'js' | 'wasm', options?: { threads?: number }): unknown;
  getBackendInfo(): unknown;
}

function backendApi(): BackendApi | null {
  const api: Partial<BackendApi> = kernels as unknown as Partial<BackendApi>;
  return typeof api.setBackend === 'function' && typeof api.getBackendInfo === 'function' ? (api as BackendApi) : null;
}

/** What the tensor package reports about its kernels (for the machine description), or a note that it cannot. */
export function backendInfo(): string {
  const api = backendApi();
  if (!api) return 'JS kernels only (no setBackend/getBackendInfo in @torchlet/tensor yet)';
  try {
    return JSON.stringify(api.getBackendInfo());
  } catch (e) {
    return `getBackendInfo failed: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/** Makes `backend` the one Torchlet's matmul and convolutions use. */
export async function useTorchlet(backend: TorchletBackend): Promise<void> {
  const api = backendApi();
  if (!api) {
    if (backend.name !== 'js') throw new Error(`bench: ${backend.label} needs setBackend in @torchlet/tensor`);
    return;
  }
  await api.setBackend(backend.name, backend.name === 'wasm' ? { threads: backend.threads } : {});
}

/**
 * Every backend this machine can run, in table order: js, then wasm on 1 thread up to every core.
 * A wasm configuration that fails to start is left out, with the reason in `skipped`.
 */
export async function torchletBackends(threadsFilter?: number[]): Promise<{ backends: TorchletBackend[]; skipped: string[] }> {
  const backends: TorchletBackend[] = [{ label: 'torchlet js', name: 'js', threads: 1 }];
  const skipped: string[] = [];
  const api = backendApi();
  if (!api) return { backends, skipped: ['torchlet wasm: not available in @torchlet/tensor yet'] };
  const cores = availableParallelism();
  const counts = threadsFilter ?? Array.from({ length: cores }, (_, i) => i + 1);
  for (const threads of counts) {
    const backend: TorchletBackend = { label: `torchlet wasm×${threads}`, name: 'wasm', threads };
    try {
      await useTorchlet(backend);
      backends.push(backend);
    } catch (e) {
      skipped.push(`${backend.label}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
  }
  await useTorchlet(backends[0]!);
  return { backends, skipped };
}

import { getBackendInfo, setBackend, type BackendName } from '@torchlet/tensor/kernels';

/** One way to run Torchlet: the JS kernels, or the WebAssembly SIMD or native kernels on some number of threads. */
export interface TorchletBackend {
  /** Table label, e.g. `torchlet js`, `torchlet wasm×2`, `torchlet native×2`. */
  label: string;
  name: BackendName;
  threads: number;
}

const label = (name: BackendName, threads: number) => (name === 'js' ? 'torchlet js' : `torchlet ${name}×${threads}`);

/** What the tensor package chose at start-up (environment, else native, else WASM SIMD on every core, else JS), for the machine description. */
export function backendInfo(): string {
  const info = getBackendInfo();
  const native = info.native ? `native ${info.nativeSimd}` : `native unavailable: ${info.nativeReason}`;
  return `default ${label(info.backend as BackendName, info.threads)} (${native}; WebAssembly SIMD ${info.wasmSimd ? 'yes' : 'no'}, worker threads ${info.threadsAvailable ? 'yes' : 'no'}, ${info.cores} cores)`;
}

/** Makes `backend` the one Torchlet's matmul and convolutions use. */
export function useTorchlet(backend: TorchletBackend): void {
  setBackend(backend.name, backend.name === 'js' ? {} : { threads: backend.threads });
}

/**
 * Every backend this machine runs, in table order: js, then wasm on 1 thread up to every core
 * (a thread count the environment cannot give, e.g. without worker threads, is left out), then
 * native on 1 thread up to every core where its addon loaded. Leaves the JS backend selected.
 */
export function torchletBackends(): { backends: TorchletBackend[]; skipped: string[] } {
  const backends: TorchletBackend[] = [{ label: label('js', 1), name: 'js', threads: 1 }];
  const skipped: string[] = [];
  const { wasmSimd, threadsAvailable, cores, native, nativeReason } = getBackendInfo();
  if (!wasmSimd) skipped.push('torchlet wasm: this engine has no WebAssembly SIMD');
  else {
    for (let threads = 1; threads <= (threadsAvailable ? cores : 1); threads++) {
      const got = setBackend('wasm', { threads }).threads;
      if (got === threads) backends.push({ label: label('wasm', threads), name: 'wasm', threads });
      else skipped.push(`${label('wasm', threads)}: runs on ${got}`);
    }
  }
  if (!native) skipped.push(`torchlet native: ${nativeReason}`);
  else
    for (let threads = 1; threads <= cores; threads++)
      backends.push({ label: label('native', threads), name: 'native', threads });
  setBackend('js');
  return { backends, skipped };
}

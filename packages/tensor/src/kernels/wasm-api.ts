/**
 * The slice of the WebAssembly and Web Worker APIs the kernels use, typed here rather than taken from the
 * DOM lib: the package's declarations then compile in a user's project whatever its `lib` (`["ES2022"]`
 * without DOM included) and declare no globals of their own that could clash with the user's.
 */

/** A compiled module (opaque: only handed back to `Instance` and to workers). */
export interface WasmModule {
  readonly [wasmModuleBrand]?: never;
}
declare const wasmModuleBrand: unique symbol;

/** A linear memory: `buffer` is replaced by a longer one when the memory grows. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(deltaPages: number): number;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

export interface WasmMemoryDescriptor {
  initial: number;
  maximum?: number;
  shared?: boolean;
}

interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: { env: { memory: WasmMemory } }) => WasmInstance;
  Memory: new (descriptor: WasmMemoryDescriptor) => WasmMemory;
}

/** The engine's `WebAssembly` object, or undefined where there is none. */
export function wasmApi(): WasmApi | undefined {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  return typeof api === 'object' && api !== null ? api : undefined;
}

/** `wasmApi()` where the caller has already checked that WebAssembly exists. */
export function wasm(): WasmApi {
  const api = wasmApi();
  if (api === undefined) throw new Error('this engine has no WebAssembly');
  return api;
}

/** A browser's `Worker` and `Blob`, the two a thread pool needs to start Web Workers. */
export interface WebWorkerApi {
  Worker: new (url: string) => { postMessage(data: unknown): void };
  Blob: new (parts: string[], options: { type: string }) => object;
}

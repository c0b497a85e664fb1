import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { matmul, randn, Generator } from '@torchlet/tensor';
import {
  getBackendInfo,
  getGemm,
  jsGemm,
  NativeGemm,
  setBackend,
  setGemm,
  WasmGemm,
  wasmSimdSupported,
  type BackendName,
} from '@torchlet/tensor/kernels';
import { startupGemm } from '../../src/kernels/backend.js';
import { maxRelError, naiveMatmul } from '../helpers/reference-kernels.js';

const saved = { backend: process.env.TORCHLET_BACKEND, threads: process.env.TORCHLET_THREADS };
const initial = getGemm();

afterEach(() => {
  setGemm(initial);
  for (const [key, value] of [
    ['TORCHLET_BACKEND', saved.backend],
    ['TORCHLET_THREADS', saved.threads],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

function withEnv<T>(backend: string | undefined, threads: string | undefined, body: () => T): T {
  if (backend === undefined) delete process.env.TORCHLET_BACKEND;
  else process.env.TORCHLET_BACKEND = backend;
  if (threads === undefined) delete process.env.TORCHLET_THREADS;
  else process.env.TORCHLET_THREADS = threads;
  return body();
}

describe('backend selection', () => {
  it('chooses native on all cores at start-up when nothing is forced and it loaded, else WASM SIMD', () => {
    expect(wasmSimdSupported()).toBe(true);
    const gemm = withEnv(undefined, undefined, startupGemm);
    expect(gemm.name).toBe(getBackendInfo().native ? 'native' : 'wasm');
    expect(gemm.threads).toBe(availableParallelism());
  });

  it('honours TORCHLET_BACKEND and TORCHLET_THREADS', () => {
    expect(withEnv('js', undefined, startupGemm)).toBe(jsGemm);
    expect(withEnv('js', '3', startupGemm)).toBe(jsGemm);
    if (getBackendInfo().native) {
      const native = withEnv('native', '1', startupGemm);
      expect(native).toBeInstanceOf(NativeGemm);
      expect((native as NativeGemm).threads).toBe(1);
    }
    const one = withEnv('wasm', '1', startupGemm);
    expect(one).toBeInstanceOf(WasmGemm);
    expect((one as WasmGemm).threads).toBe(1);
    expect(withEnv(undefined, '3', startupGemm).threads).toBe(3);
    expect((withEnv(' wasm ', ' 2 ', startupGemm) as WasmGemm).threads).toBe(2);
  });

  it('rejects a TORCHLET_BACKEND or TORCHLET_THREADS it does not understand, naming the variable', () => {
    expect(() => withEnv('gpu', undefined, startupGemm)).toThrow(RangeError);
    expect(() => withEnv('gpu', undefined, startupGemm)).toThrow(
      "backend: TORCHLET_BACKEND must be 'native', 'wasm' or 'js', got 'gpu'",
    );
    expect(() => withEnv('wasm', 'many', startupGemm)).toThrow(
      "backend: TORCHLET_THREADS must be a positive integer, got 'many'",
    );
    expect(() => withEnv('wasm', '0', startupGemm)).toThrow(
      'backend: TORCHLET_THREADS must be a positive integer, got 0',
    );
    expect(() => withEnv(undefined, '1.5', startupGemm)).toThrow(RangeError);
  });

  it('setBackend switches the kernel matmul uses and getBackendInfo reports it', () => {
    const js = setBackend('js');
    expect(getGemm()).toBe(jsGemm);
    expect(js).toMatchObject({
      backend: 'js',
      threads: 1,
      wasmSimd: true,
      threadsAvailable: true,
      cores: availableParallelism(),
    });
    const wasm = setBackend('wasm', { threads: 1 });
    expect(wasm).toMatchObject({ backend: 'wasm', threads: 1 });
    expect(getGemm()).toBeInstanceOf(WasmGemm);
    expect(getBackendInfo()).toEqual(wasm);
    // Same thread count, same kernel: its memory and workers are reused.
    const kernel = getGemm();
    setBackend('js');
    setBackend('wasm', { threads: 1 });
    expect(getGemm()).toBe(kernel);
    expect(setBackend('wasm', { threads: 2 }).threads).toBe(2);
    expect(getGemm()).not.toBe(kernel);
    if (getBackendInfo().native) {
      expect(setBackend('native', { threads: 3 })).toMatchObject({ backend: 'native', threads: 3, native: true });
      expect(getGemm()).toBeInstanceOf(NativeGemm);
    }
  });

  it('setBackend without threads takes TORCHLET_THREADS, else the core count', () => {
    expect(withEnv(undefined, '3', () => setBackend('wasm')).threads).toBe(3);
    expect(withEnv(undefined, undefined, () => setBackend('wasm')).threads).toBe(availableParallelism());
  });

  it('setBackend rejects an unknown backend or a bad thread count', () => {
    expect(() => setBackend('gpu' as BackendName)).toThrow(RangeError);
    expect(() => setBackend('gpu' as BackendName)).toThrow(
      "setBackend: backend must be 'native', 'wasm' or 'js', got 'gpu'",
    );
    expect(() => setBackend('wasm', { threads: 0 })).toThrow('setBackend: threads must be a positive integer, got 0');
    expect(() => setBackend('wasm', { threads: 2.5 })).toThrow(
      'setBackend: threads must be a positive integer, got 2.5',
    );
    expect(() => setBackend('wasm', { threads: '2' as unknown as number })).toThrow(
      "setBackend: threads must be a positive integer, got '2'",
    );
    expect(getGemm()).toBe(initial);
  });

  it('reports a Gemm installed with setGemm by its name', () => {
    setGemm({ name: 'counting', gemm: jsGemm.gemm });
    expect(getBackendInfo()).toMatchObject({ backend: 'counting', threads: 1 });
  });

  it('matmul agrees across backends: float32 within rounding on WASM and native, float64 bit for bit on WASM (JS either way), within rounding on native', () => {
    const g = new Generator(5);
    const a32 = randn([3, 37, 29], { generator: g });
    const b32 = randn([29, 41], { generator: g });
    const a64 = randn([37, 29], { dtype: 'float64', generator: g });
    const b64 = randn([29, 41], { dtype: 'float64', generator: g });
    setBackend('js');
    const js64 = matmul(a64, b64).toTypedArray();
    for (const threads of [1, 2]) {
      setBackend('wasm', { threads });
      expect(maxRelError(matmul(a32, b32).toTypedArray(), naiveMatmul(a32, b32).data)).toBeLessThan(1e-5);
      expect(Array.from(matmul(a64, b64).toTypedArray())).toEqual(Array.from(js64));
      if (getBackendInfo().native) {
        setBackend('native', { threads });
        expect(maxRelError(matmul(a32, b32).toTypedArray(), naiveMatmul(a32, b32).data)).toBeLessThan(1e-5);
        expect(maxRelError(matmul(a64, b64).toTypedArray(), naiveMatmul(a64, b64).data)).toBeLessThan(1e-13);
      }
    }
  });
});

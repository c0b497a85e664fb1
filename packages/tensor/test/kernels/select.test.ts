import { afterEach, describe, expect, it } from 'vitest';
import { matmul, ones } from '@torchlet/tensor';
import {
  getBackend,
  getBackendInfo,
  getGemm,
  jsGemm,
  setGemm,
  wasmSimdSupported,
  type Gemm,
} from '@torchlet/tensor/kernels';

afterEach(() => {
  setGemm(jsGemm);
});

describe('getGemm / setGemm', () => {
  it('starts with the start-up backend: native where it loaded (backend.ts), else WASM SIMD where the engine has it, else JS', () => {
    const forced = process.env.TORCHLET_BACKEND;
    expect(getGemm().name).toBe(forced || (getBackendInfo().native ? 'native' : wasmSimdSupported() ? 'wasm' : 'js'));
  });

  it('swaps the kernel matmul calls and returns the previous one', () => {
    let calls = 0;
    const counting: Gemm = {
      name: 'counting',
      gemm(...args: Parameters<Gemm['gemm']>) {
        calls++;
        jsGemm.gemm(...args);
      },
    };
    expect(setGemm(counting)).toBe(jsGemm);
    // A bare Gemm is installed as a backend around it: its name, its GEMM, no optional capabilities.
    expect(getGemm().name).toBe('counting');
    expect(getGemm().threads).toBe(1);
    expect(matmul(ones([2, 3]), ones([3, 2])).toArray()).toEqual([
      [3, 3],
      [3, 3],
    ]);
    expect(calls).toBe(1);
    expect(setGemm(jsGemm).name).toBe('counting');
    matmul(ones([2, 3]), ones([3, 2]));
    expect(calls).toBe(1);
  });

  it('gives a bare Gemm the backend core: gemmBatch as one gemm per product, in order, and no capabilities', () => {
    const calls: number[] = [];
    setGemm({
      name: 'recording',
      gemm(...args: Parameters<Gemm['gemm']>) {
        calls.push(args[7], args[10], args[12], args[14]);
        jsGemm.gemm(...args);
      },
    });
    const backend = getBackend();
    expect(backend.prefersBatches('float32')).toBe(false);
    expect([backend.conv, backend.convReluMaxPool, backend.optimizer, backend.resident]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    // Three 1×1·1×1 products chained into one C: aOffset, bOffset, beta and cOffset of each call.
    const a = Float32Array.of(1, 2, 3);
    const b = Float32Array.of(4, 5, 6);
    const c = Float32Array.of(10);
    backend.gemmBatch({
      transA: false,
      transB: false,
      m: 1,
      n: 1,
      k: 1,
      alpha: 1,
      a,
      aOffset: 0,
      lda: 1,
      strideA: 1,
      b,
      bOffset: 0,
      ldb: 1,
      strideB: 1,
      beta: 0,
      c,
      cOffset: 0,
      ldc: 1,
      strideC: 0,
      count: 3,
      chain: true,
    });
    expect(calls).toEqual([0, 0, 0, 0, 1, 1, 1, 0, 2, 2, 1, 0]);
    expect(c[0]).toBe(4 + 10 + 18);
    expect(getBackend()).toBe(backend);
  });

  it('rejects something without a gemm method', () => {
    expect(() => setGemm(null as never)).toThrow(TypeError);
    expect(() => setGemm(null as never)).toThrow('setGemm: gemm must be an object with a gemm(...) method, got null');
    expect(() => setGemm({ name: 'x' } as never)).toThrow(
      'setGemm: gemm must be an object with a gemm(...) method, got object',
    );
    expect(getGemm()).toBe(jsGemm);
  });
});

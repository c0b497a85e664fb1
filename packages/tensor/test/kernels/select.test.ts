import { afterEach, describe, expect, it } from 'vitest';
import { matmul, ones } from '@torchlet/tensor';
import { getBackendInfo, getGemm, jsGemm, setGemm, wasmSimdSupported, type Gemm } from '@torchlet/tensor/kernels';

afterEach(() => {
  setGemm(jsGemm);
});

describe('getGemm / setGemm', () => {
  it('starts with the start-up backend: WASM SIMD where the engine has it (backend.ts), else native where it loaded, else JS', () => {
    const forced = process.env.TORCHLET_BACKEND;
    expect(getGemm().name).toBe(forced || (wasmSimdSupported() ? 'wasm' : getBackendInfo().native ? 'native' : 'js'));
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
    expect(getGemm()).toBe(counting);
    expect(matmul(ones([2, 3]), ones([3, 2])).toArray()).toEqual([
      [3, 3],
      [3, 3],
    ]);
    expect(calls).toBe(1);
    expect(setGemm(jsGemm)).toBe(counting);
    matmul(ones([2, 3]), ones([3, 2]));
    expect(calls).toBe(1);
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

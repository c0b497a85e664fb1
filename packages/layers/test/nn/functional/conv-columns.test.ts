import { randn } from '@torchlet/autograd';
import * as T from '@torchlet/tensor';
import { columnScratch, getGemm, jsGemm, setGemm, takeColumns, WasmGemm, wasmSimdSupported } from '@torchlet/tensor';
import { afterEach, describe, expect, it } from 'vitest';
import { conv2d } from '../../../src/nn/functional/index.js';

const previous = getGemm();
afterEach(() => {
  setGemm(previous);
});

describe('conv columns', () => {
  it('a buffer given back is taken again (the smallest that fits, cut to the length asked for)', () => {
    setGemm(jsGemm);
    const big = takeColumns('float32', 1000);
    const small = takeColumns('float32', 300);
    const bigBuffer = big.columns.buffer;
    const smallBuffer = small.columns.buffer;
    big.give();
    small.give();
    const again = takeColumns('float32', 200);
    expect(again.columns.length).toBe(200);
    expect(again.columns.buffer).toBe(smallBuffer);
    const other = takeColumns('float32', 500);
    expect(other.columns.buffer).toBe(bigBuffer);
    // float64 has its own pool.
    expect(takeColumns('float64', 100).columns).toBeInstanceOf(Float64Array);
    again.give();
    other.give();
  });

  it.runIf(wasmSimdSupported())(
    'under the WebAssembly GEMM, float32 columns live in its (shared) memory; float64 ones do not',
    () => {
      const kernel = new WasmGemm({ threads: 1 });
      setGemm(kernel);
      const kept = takeColumns('float32', 4096);
      expect(kept.columns.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(columnScratch(new Float32Array(1), 64).buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(columnScratch(new Float64Array(1), 64)).toBeInstanceOf(Float64Array);
      kept.give();
      expect(takeColumns('float32', 100).columns.buffer).toBe(kept.columns.buffer);
    },
  );

  it.runIf(wasmSimdSupported())(
    'conv2d forward and gradients agree between resident columns (WebAssembly GEMM) and the JS GEMM',
    () => {
      const run = () => {
        const g = new T.Generator(5);
        const x = randn([4, 3, 9, 9], { generator: g, requiresGrad: true });
        const w = randn([5, 3, 3, 3], { generator: g, requiresGrad: true });
        const b = randn([5], { generator: g, requiresGrad: true });
        const y = conv2d(x, w, b, { padding: 1 });
        y.backward(T.randn(y.shape, { generator: g }));
        return [y.data, x.grad!, w.grad!, b.grad!];
      };
      setGemm(jsGemm);
      const want = run();
      setGemm(new WasmGemm({ threads: 1 }));
      const got = run();
      got.forEach((t, i) => expect(T.allClose(t, want[i]!, 1e-4, 1e-5)).toBe(true));
    },
  );
});

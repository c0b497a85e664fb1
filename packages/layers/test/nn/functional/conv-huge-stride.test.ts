import { afterAll, describe, expect, it } from 'vitest';
import { variable } from '@torchlet/autograd';
import { Generator, getBackendInfo, getGemm, randn, setBackend, setGemm, type BackendName } from '@torchlet/tensor';
import { conv1d, conv2d } from '../../../src/nn/functional/index.js';

const before = getGemm();
afterAll(() => {
  setGemm(before);
});

const backends: BackendName[] = getBackendInfo().native ? ['wasm', 'native'] : ['wasm'];

/** Output, input gradient and weight gradient of one conv on `backend` (gradient of y = y itself). */
function run(backend: BackendName, dims: 1 | 2, stride: number): number[] {
  setBackend(backend);
  const g = new Generator(3);
  const x = variable(randn(dims === 2 ? [2, 3, 5, 6] : [2, 3, 7], { generator: g }), { requiresGrad: true });
  const w = variable(randn(dims === 2 ? [4, 3, 2, 2] : [4, 3, 2], { generator: g }), { requiresGrad: true });
  const op = dims === 2 ? conv2d : conv1d;
  const y = op(x, w, null, { stride });
  y.backward(y.data);
  return [y.data, x.grad!, w.grad!].flatMap((t) => Array.from(t.toTypedArray()));
}

describe('conv with strides past 32-bit integers', () => {
  // The wasm kernels take their geometry as i32: a stride of 2^31 trapped ("divide by zero") or gave
  // zeros. Such convs now take the generic path there and agree with the JS kernels.
  for (const backend of backends) {
    it(`${backend}: a stride of 2^31 and 2^33 gives the JS result (1-D and 2-D, with gradients)`, () => {
      for (const dims of [1, 2] as const) {
        for (const stride of [2 ** 31, 2 ** 33]) {
          const expected = run('js', dims, stride);
          const actual = run(backend, dims, stride);
          expect(actual.every((v) => Number.isFinite(v))).toBe(true);
          expect(actual.length).toBe(expected.length);
          for (let i = 0; i < actual.length; i++) {
            expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(expected[i]!)));
          }
        }
      }
    });
  }
});

describe('conv sizes at the edge of the WebAssembly kernel', () => {
  /** conv1d output on `backend` for input length `length`, kernel 3, the given stride and padding. */
  const conv = (backend: BackendName, length: number, stride: number, padding: number) => {
    setBackend(backend);
    const g = new Generator(5);
    const x = randn([1, 2, length], { generator: g });
    const w = randn([3, 2, 3], { generator: g });
    return conv1d(x, w, null, { stride, padding }).data.toTypedArray();
  };
  for (const backend of backends) {
    it(`${backend}: 70,000 outputs on one axis, and a stride of 2^31 − 1, give the JS result`, () => {
      // The kernel packed two window indices into 16 bits each (wrong values past 65,535 outputs),
      // and its ceiling division overflowed for a stride just below 2^31 (all zeros).
      for (const [length, stride, padding] of [
        [70_000, 1, 1],
        [5, 2 ** 31 - 1, 0],
        [5, 2 ** 31 - 1, 2 ** 30],
      ] as const) {
        const expected = conv('js', length, stride, padding);
        const actual = conv(backend, length, stride, padding);
        expect(actual.length).toBe(expected.length);
        let worst = 0;
        for (let i = 0; i < actual.length; i++)
          worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / (1 + Math.abs(expected[i]!)));
        expect(worst).toBeLessThan(1e-5);
      }
    });
  }

  it('a stride of 2^53 and a dilation of 2^64 on a one-tap kernel give the small-size result on every backend', () => {
    // Before, the generic im2col multiplied by 2^53 and lost all taps but the first (all backends).
    const x = randn([1, 1, 2, 2], { generator: new Generator(6) });
    const w = randn([2, 1, 2, 2], { generator: new Generator(7) });
    const w1 = randn([2, 1, 1, 1], { generator: new Generator(8) });
    for (const backend of [...backends, 'js'] as const) {
      setBackend(backend);
      expect(conv2d(x, w, null, { stride: 2 ** 53 }).data.toArray()).toEqual(
        conv2d(x, w, null, { stride: 2 }).data.toArray(),
      );
      expect(conv2d(x, w1, null, { dilation: 2 ** 64 }).data.toArray()).toEqual(conv2d(x, w1, null).data.toArray());
    }
  });
});

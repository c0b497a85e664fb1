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

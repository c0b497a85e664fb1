import { Generator, jsGemm, randn, setGemm, Tensor, type Gemm } from '@torchlet/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Adam } from '../../src/optim/adam.js';
import { Parameter } from '../../src/nn/modules/parameter.js';
import { wasmKernelsForFile } from '../helpers/wasm-kernels.js';

// Adam's update of large float32 parameters runs in the WebAssembly kernel (over the worker threads
// from 16K elements); it must give the JS loop's bits, step after step.
const { wasm1, wasm3 } = wasmKernelsForFile();

/** Parameters (sizes from 4,096 up, one below, and a view at an offset) after `steps` Adam steps on `kernel`. */
function train(kernel: Gemm, sizes: number[], steps: number, maximize: boolean, seed: number): Float32Array[] {
  setGemm(kernel);
  const g = new Generator(seed);
  const params = sizes.map((n) => new Parameter(randn([n], { generator: g })));
  const opt = new Adam(params, { lr: 1e-2, betas: [0.8, 0.99], maximize });
  for (let s = 0; s < steps; s++) {
    for (const p of params) p.grad = randn([p.size], { generator: g });
    opt.step();
  }
  const moments = params.flatMap((p) =>
    ['expAvg', 'expAvgSq'].map((k) => (opt.state.get(p)![k] as Tensor).toTypedArray() as Float32Array),
  );
  return [...params.map((p) => p.data.toTypedArray() as Float32Array), ...moments];
}

describe('Adam on the WebAssembly kernel', () => {
  it("gives the JS loop's bits for the parameters and both moments, on 1 and 3 threads", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 4000, max: 40000 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        fc.integer(),
        (sizes, steps, maximize, seed) => {
          const expected = train(jsGemm, sizes, steps, maximize, seed);
          expect(train(wasm1, sizes, steps, maximize, seed)).toEqual(expected);
          expect(train(wasm3, sizes, steps, maximize, seed)).toEqual(expected);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('updates a parameter that is a view at an offset in a larger buffer', () => {
    const run = (kernel: Gemm) => {
      setGemm(kernel);
      const storage = Float32Array.from({ length: 20000 }, (_, i) => Math.cos(i));
      const p = new Parameter(new Tensor(storage, [10000], undefined, 5000));
      const opt = new Adam([p], { lr: 0.1 });
      p.grad = new Tensor(
        Float32Array.from({ length: 10000 }, (_, i) => Math.sin(i)),
        [10000],
      );
      opt.step();
      return storage;
    };
    const expected = run(jsGemm);
    expect(run(wasm3)).toEqual(expected);
    expect(expected[4999]).toBe(Math.fround(Math.cos(4999)));
  });
});

import { randn, relu } from '@torchlet/autograd';
import { Generator, jsGemm, setGemm, type Gemm } from '@torchlet/tensor';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { Adam } from '../../../src/optim/adam.js';
import { conv2d, conv2dReluMaxPool2d, conv3d, convTranspose3d, maxPool2d } from '../../../src/nn/functional/index.js';
import { Parameter } from '../../../src/nn/modules/parameter.js';
import {
  arbConvEngineCase,
  expectConvEngineClose,
  planOfCase,
  runConvEngine,
  squareConvCase,
} from '../../helpers/conv-engine-cases.js';
import { nativeKernelsForFile } from '../../helpers/native-kernels.js';

// The conv engine under the native backend (its conv capability, 1-D to 5-D: the forward one GEMM over
// the batch packed straight from the input, the adjoint and weight gradient per-sample im2col/col2im +
// GEMM in C++, samples spread over the addon's threads; the weight and bias gradients in fixed sample
// partitions), float32 and float64, against the plain-JS backend within the rounding bound of the sums,
// and 1 thread against 3 bit for bit. minParallelFlops 0 makes even tiny batches go to the pool.
const kernels = nativeKernelsForFile();

const arbCase = arbConvEngineCase(['float32', 'float64'], { dims: [1, 2, 2, 3, 3, 4, 5], emptyBatch: true });

describe.runIf(kernels !== null)('conv on the native backend', () => {
  const { native1, native3 } = kernels!;

  it('matches the JS backend (strides, padding, dilation, groups; 1-D to 5-D, batch 0; float32 and float64) and is bit-identical on 1 and 3 threads', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const plan = planOfCase(c);
        const one = runConvEngine(native1, c, plan);
        expect(runConvEngine(native3, c, plan)).toEqual(one);
        expectConvEngineClose(one, runConvEngine(jsGemm, c, plan), runConvEngine(jsGemm, c, plan, true), plan);
      }),
      { numRuns: 150 },
    );
  });

  it('LeNet-5-sized layers: same bits on 1 and 3 threads, with kept columns or remade ones, close to JS', () => {
    const layers = [
      [20, 1, 6, 28, 5, 2],
      [7, 6, 16, 14, 5, 0],
      [9, 5, 24, 7, 3, 0],
    ] as const;
    for (const layer of layers) {
      const c = squareConvCase(layer);
      const plan = planOfCase(c);
      const one = runConvEngine(native1, c, plan);
      expect(runConvEngine(native3, c, plan)).toEqual(one);
      expect(runConvEngine(native3, { ...c, keep: false }, plan)).toEqual(one);
      expectConvEngineClose(one, runConvEngine(jsGemm, c, plan), runConvEngine(jsGemm, c, plan, true), plan);
    }
  });

  it('conv3d and convTranspose3d forward and backward through autograd: same bits on 1 and 3 threads, close to JS (float32 and float64)', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const step = (kernel: Gemm) => {
        setGemm(kernel);
        const g = new Generator(9);
        const x = randn([5, 4, 6, 7, 8], { dtype, generator: g, requiresGrad: true });
        const w = randn([6, 2, 3, 3, 3], { dtype, generator: g, requiresGrad: true });
        const b = randn([6], { dtype, generator: g, requiresGrad: true });
        const y = conv3d(x, w, b, { padding: [1, 0, 2], stride: [1, 2, 1], dilation: [2, 1, 1], groups: 2 });
        // The transposed conv's forward is the conv engine's adjoint: [6, 3/2, ...] weight, 2 groups.
        const wt = randn([6, 2, 2, 3, 2], { dtype, generator: g, requiresGrad: true });
        const z = convTranspose3d(y, wt, null, {
          stride: [2, 1, 2],
          padding: [0, 1, 1],
          outputPadding: [1, 0, 0],
          groups: 2,
        });
        z.mul(z).sum().backward();
        return [y.data, z.data, x.grad!, w.grad!, b.grad!, wt.grad!].map((t) => t.toTypedArray());
      };
      const one = step(native1);
      expect(step(native3)).toEqual(one);
      const js = step(jsGemm);
      const tol = dtype === 'float32' ? 2e-3 : 1e-10;
      one.forEach((values, i) => {
        for (let j = 0; j < values.length; j++)
          expect(Math.abs(values[j]! - js[i]![j]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(js[i]![j]!)));
      });
    }
  });

  it('keeps no forward columns for the weight gradient, which remakes them in cache (keepsColumns)', () => {
    setGemm(native1);
    const forward = vi.spyOn(native1.conv, 'forward');
    const g = new Generator(4);
    const kept = (dims: number, cOut: number) => {
      forward.mockClear();
      const x = randn([2, 3, ...Array<number>(dims).fill(5)], { generator: g });
      const w = randn([cOut, 3, ...Array<number>(dims).fill(3)], { generator: g, requiresGrad: true });
      (dims === 2 ? conv2d(x, w, null) : conv3d(x, w, null)).sum().backward();
      expect(forward).toHaveBeenCalledTimes(1);
      return forward.mock.calls[0]![0].keep !== null;
    };
    // 17 output channels go through the GEMM; 4 through the direct kernels, which read the input in place.
    // The WebAssembly backend has no keepsColumns, so it keeps them (its weight gradient reads them back).
    expect([kept(2, 17), kept(2, 4), kept(3, 17)]).toEqual([false, false, false]);
    forward.mockRestore();
  });

  it('trains a conv → relu → max-pool block and Adam with the same bits on 1 and 3 threads, close to JS', () => {
    // Two Adam steps of a fused block (48,000-weight-sized layers run the optimizer capability split).
    const train = (kernel: Gemm) => {
      setGemm(kernel);
      const g = new Generator(5);
      const x = randn([6, 3, 12, 12], { generator: g });
      const w = new Parameter(randn([40, 3, 3, 3], { generator: g }).data);
      const b = new Parameter(randn([40], { generator: g }).data);
      const head = new Parameter(randn([10, 40 * 36], { generator: g }).data);
      const big = new Parameter(randn([20000], { generator: g }).data);
      const optimizer = new Adam([w, b, head, big], { lr: 1e-2 });
      for (let step = 0; step < 2; step++) {
        optimizer.zeroGrad();
        const pooled = conv2dReluMaxPool2d(x, w, b, { padding: 1 }).reshape([6, 40 * 36]);
        const out = pooled.matmul(head.transpose(0, 1));
        const loss = out.mul(out).mean().add(big.mul(big).sum());
        loss.backward();
        optimizer.step();
      }
      return [w, b, head, big].map((p) => p.data.toTypedArray());
    };
    const one = train(native1);
    expect(train(native3)).toEqual(one);
    const js = train(jsGemm);
    one.forEach((values, i) => {
      for (let j = 0; j < values.length; j++) expect(Math.abs(values[j]! - js[i]![j]!)).toBeLessThan(1e-4);
    });
  });

  it('runs the fused op as one op, with the bits of the three ops', () => {
    setGemm(native3);
    const g = new Generator(2);
    const x = randn([3, 2, 9, 9], { generator: g });
    const w = randn([4, 2, 3, 3], { generator: g, requiresGrad: true });
    const fused = conv2dReluMaxPool2d(x, w, null, { padding: 1 });
    expect(fused.gradFn?.name).toBe('convReluMaxPool');
    const plain = maxPool2d(relu(conv2d(x, w, null, { padding: 1 })), 2);
    expect(fused.data.toTypedArray()).toEqual(plain.data.toTypedArray());
  });
});

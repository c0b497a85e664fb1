import { arbConvCase } from '@torchlet/layers/testing';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { grad, gradgradcheck, mul, sum, tanh, Variable } from '@torchlet/autograd';
import * as T from '@torchlet/tensor';
import { Generator, randn, type Shape } from '@torchlet/tensor';
import { functional as F } from '@torchlet/layers';

// Second derivatives of the layers ops (their differentiable backwards), float64, central
// differences, over random shapes and options. A tanh after the op makes the second derivative in
// the input non-zero for ops that are linear in it.
const leaf = (shape: Shape, g: Generator) =>
  new Variable(randn(shape, { dtype: 'float64', generator: g }), { requiresGrad: true });
const CONV = { 1: F.conv1d, 2: F.conv2d, 3: F.conv3d } as const;
const CONV_T = { 1: F.convTranspose1d, 2: F.convTranspose2d } as const;

describe('gradgradcheck: layers ops', () => {
  it('linear', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer(), (inF, outF, seed) => {
        const g = new Generator(seed);
        gradgradcheck((x, w, b) => tanh(F.linear(x, w, b)), [leaf([2, inF], g), leaf([outF, inF], g), leaf([outF], g)]);
      }),
      { numRuns: 8 },
    );
  });

  for (const dims of [1, 2, 3] as const) {
    it(`conv${dims}d: stride, padding, dilation, groups, bias`, () => {
      fc.assert(
        fc.property(arbConvCase({ dims }), fc.integer(), (c, seed) => {
          const g = new Generator(seed);
          const x = leaf(c.inputShape, g);
          const w = leaf(c.weightShape, g);
          const args = c.biasShape ? [x, w, leaf(c.biasShape, g)] : [x, w];
          gradgradcheck((x, w, b) => tanh(CONV[dims](x, w, b ?? null, c.options)), args);
        }),
        { numRuns: dims === 3 ? 3 : 6 },
      );
    });
  }

  for (const dims of [1, 2] as const) {
    it(`convTranspose${dims}d`, () => {
      fc.assert(
        fc.property(arbConvCase({ dims, transposed: true }), fc.integer(), (c, seed) => {
          const g = new Generator(seed);
          const args = [leaf(c.inputShape, g), leaf(c.weightShape, g)];
          gradgradcheck((x, w) => tanh(CONV_T[dims](x, w, null, c.options)), args);
        }),
        { numRuns: 5 },
      );
    });
  }

  it('padding modes go through pad and its adjoint', () => {
    const g = new Generator(3);
    for (const paddingMode of ['reflect', 'replicate', 'circular'] as const) {
      gradgradcheck(
        (x, w) => tanh(F.conv2d(x, w, null, { padding: 1, paddingMode })),
        [leaf([1, 2, 4, 4], g), leaf([2, 2, 3, 3], g)],
      );
    }
  });

  it('a gradient penalty through a conv: d/dw of |∂L/∂x|² matches central differences', () => {
    const g = new Generator(9);
    gradgradcheck(
      (x, w) =>
        sum(mul(F.conv2d(x, w, null, { stride: 2, padding: 1 }), F.conv2d(x, w, null, { stride: 2, padding: 1 }))),
      [leaf([1, 1, 5, 5], g), leaf([2, 1, 3, 3], g)],
    );
  });
});

describe('gradgradcheck: pools, batch norm, losses, the fused block', () => {
  it('max and avg pools (1-D, 2-D, adaptive), through a square so the second derivative is not zero', () => {
    const g = new Generator(11);
    const x = leaf([2, 2, 5, 5], g);
    const sq = (f: (v: Variable) => Variable) => (v: Variable) => mul(f(v), f(v));
    gradgradcheck(
      sq((v) => F.maxPool2d(v, { kernelSize: 3, stride: 2, padding: 1 })),
      [x],
    );
    gradgradcheck(
      sq((v) => F.avgPool2d(v, { kernelSize: 2, stride: 1, countIncludePad: false, padding: 1 })),
      [x],
    );
    gradgradcheck(
      sq((v) => F.adaptiveAvgPool2d(v, [2, 3])),
      [x],
    );
    gradgradcheck(
      sq((v) => F.adaptiveMaxPool2d(v, [3, 2])),
      [x],
    );
    const x1 = leaf([2, 3, 7], g);
    gradgradcheck(
      sq((v) => F.maxPool1d(v, { kernelSize: 2, dilation: 2 })),
      [x1],
    );
    gradgradcheck(
      sq((v) => F.avgPool1d(v, { kernelSize: 3, ceilMode: true, stride: 2 })),
      [x1],
    );
  });

  it('batch norm, training and eval, with weight and bias', () => {
    const g = new Generator(12);
    const [x, w, b] = [leaf([3, 2, 4], g), leaf([2], g), leaf([2], g)];
    gradgradcheck((x, w, b) => F.batchNorm(x, null, null, { weight: w, bias: b, training: true }), [x, w, b]);
    const runningMean = randn([2], { dtype: 'float64', generator: g });
    const runningVar = T.add(T.abs(randn([2], { dtype: 'float64', generator: g })), 0.5);
    gradgradcheck((x, w) => mul(F.batchNorm(x, runningMean, runningVar, { weight: w }), x), [x, w]);
  });

  it('cross-entropy (weights, smoothing, ignoreIndex, every reduction) and nllLoss', () => {
    const g = new Generator(13);
    const x = leaf([4, 3], g);
    const weight = T.add(T.abs(randn([3], { dtype: 'float64', generator: g })), 0.5);
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      gradgradcheck((x) => F.crossEntropy(x, [0, 2, 1, -100], { reduction, labelSmoothing: 0.2, weight }), [x]);
    }
    gradgradcheck((x) => F.crossEntropy(x, [0, 2, 1, 1]), [leaf([4, 3], g)]);
    gradgradcheck(
      (x) =>
        F.crossEntropy(
          x,
          T.tensor(
            [
              [0, 2],
              [1, 1],
            ],
            { dtype: 'int32' },
          ),
        ),
      [leaf([2, 3, 2], g)],
    );
    gradgradcheck((x) => F.nllLoss(mul(x, x), [0, 2, 1, 1]), [leaf([4, 3], g)]);
  });

  it('the fused conv → ReLU → max-pool block (float64 runs the chain; the float32 fused kernel is differentiated as its chain)', () => {
    const g = new Generator(14);
    gradgradcheck(
      (x, w, b) => F.conv2dReluMaxPool2d(x, w, b, { padding: 1 }),
      [leaf([2, 2, 6, 6], g), leaf([3, 2, 3, 3], g), leaf([3], g)],
    );
    gradgradcheck((x, w) => F.conv1dReluMaxPool1d(x, w, null), [leaf([2, 2, 8], g), leaf([3, 2, 3], g)]);
  });

  it('the float32 fused kernel: the gradient of its gradient norm equals the one-by-one chain', () => {
    const g = new Generator(15);
    const x = new Variable(randn([2, 2, 6, 6], { generator: g }), { requiresGrad: true });
    const w = new Variable(randn([3, 2, 3, 3], { generator: g }), { requiresGrad: true });
    const gradNormGrad = (block: (x: Variable, w: Variable) => Variable) => {
      const [gx] = grad(sum(mul(block(x, w), block(x, w))), [x], { createGraph: true });
      return grad(sum(mul(gx!, gx!)), [w])[0]!.data;
    };
    const fused = gradNormGrad((x, w) => F.conv2dReluMaxPool2d(x, w, null));
    const chain = gradNormGrad((x, w) => F.maxPool2d(F.relu(F.conv2d(x, w, null)), 2));
    const scale = Math.max(...Array.from(chain.data, Math.abs));
    fused.data.forEach((v, i) => expect(Math.abs(v - chain.data[i]!)).toBeLessThan(1e-4 * scale));
  });
});

import { describe, it } from 'vitest';
import fc from 'fast-check';
import { gradgradcheck, mul, tanh, Variable } from '@torchlet/autograd';
import * as T from '@torchlet/tensor';
import { Generator, randn, type Shape } from '@torchlet/tensor';
import { functional as F } from '@torchlet/layers';

// Second derivatives (float64, central differences over random shapes and options) of the layers
// ops gradgrad.prop.test.ts does not reach: the activations, interpolation, the signal ops,
// BCE-with-logits, layer/group/instance norm and the convolution over no input channels.
const leaf = (shape: Shape, g: Generator) =>
  new Variable(randn(shape, { dtype: 'float64', generator: g }), { requiresGrad: true });
// Squaring the output makes the second derivative non-zero for ops that are linear in an input.
const squared =
  (f: (...v: Variable[]) => Variable) =>
  (...v: Variable[]) =>
    mul(f(...v), f(...v));
const arbShape = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 });

describe('gradgradcheck: activations', () => {
  it('elu, silu, hardswish, softplus, mish, gelu (exact and tanh)', () => {
    fc.assert(
      fc.property(
        arbShape,
        fc.double({ min: 0.1, max: 2, noNaN: true }),
        fc.constantFrom(0.5, 1, 2, -1),
        fc.integer(),
        (shape, alpha, beta, seed) => {
          const g = new Generator(seed);
          // Spread over ±4 so hardswish's three branches and softplus' threshold are all reached.
          const x = new Variable(T.mul(randn(shape, { dtype: 'float64', generator: g }), 2.5), { requiresGrad: true });
          gradgradcheck((v) => F.elu(v, { alpha }), [x]);
          gradgradcheck((v) => F.silu(v), [x]);
          gradgradcheck((v) => mul(F.hardswish(v), v), [x]);
          gradgradcheck((v) => F.softplus(v, { beta, threshold: 2 }), [x]);
          gradgradcheck((v) => F.mish(v), [x]);
          gradgradcheck((v) => F.gelu(v), [x]);
          gradgradcheck((v) => F.gelu(v, { approximate: 'tanh' }), [x]);
        },
      ),
      { numRuns: 12 },
    );
  });

  it('prelu: one weight or one per channel, both arguments', () => {
    fc.assert(
      fc.property(arbShape, fc.boolean(), fc.integer(), (spatial, perChannel, seed) => {
        const g = new Generator(seed);
        const c = 3;
        const x = leaf([2, c, ...spatial], g);
        const w = leaf([perChannel ? c : 1], g);
        gradgradcheck(squared(F.prelu), [x, w]);
      }),
      { numRuns: 10 },
    );
  });
});

describe('gradgradcheck: interpolation and the signal ops', () => {
  it('interpolate: nearest, linear, bilinear, trilinear, alignCorners, up and down', () => {
    const cases = [
      { mode: 'nearest', rank: 1 },
      { mode: 'nearest', rank: 2 },
      { mode: 'linear', rank: 1 },
      { mode: 'bilinear', rank: 2 },
      { mode: 'trilinear', rank: 3 },
    ] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...cases),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 3, maxLength: 3 }),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 3, maxLength: 3 }),
        fc.boolean(),
        fc.integer(),
        ({ mode, rank }, inSize, outSize, alignCorners, seed) => {
          const x = leaf([1, 2, ...inSize.slice(0, rank)], new Generator(seed));
          const options = { size: outSize.slice(0, rank), mode, ...(mode === 'nearest' ? {} : { alignCorners }) };
          gradgradcheck(
            squared((v) => F.interpolate(v, options)),
            [x],
          );
        },
      ),
      { numRuns: 15 },
    );
  });

  it('convolve, convolve2d, correlate2d in every mode, both arguments', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('full', 'same', 'valid'),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer(),
        (mode, n, k, seed) => {
          const g = new Generator(seed);
          gradgradcheck(
            squared((x, w) => F.convolve(x, w, mode)),
            [leaf([n], g), leaf([k], g)],
          );
          gradgradcheck(
            squared((x, w) => F.convolve2d(x, w, mode)),
            [leaf([n, n + 1], g), leaf([k, k], g)],
          );
          gradgradcheck(
            squared((x, w) => F.correlate2d(x, w, mode)),
            [leaf([n + 1, n], g), leaf([k, k], g)],
          );
        },
      ),
      { numRuns: 10 },
    );
  });
});

describe('gradgradcheck: BCE-with-logits and the normalisations', () => {
  it('binaryCrossEntropyWithLogits: weight, posWeight, every reduction, target requiring grad', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('mean', 'sum', 'none'),
        fc.boolean(),
        fc.boolean(),
        fc.integer(),
        (reduction, weighted, positiveWeighted, seed) => {
          const g = new Generator(seed);
          const x = leaf([3, 4], g);
          const t = new Variable(T.rand([3, 4], { dtype: 'float64', generator: g }), { requiresGrad: true });
          const args = [x, t];
          if (weighted)
            args.push(
              new Variable(T.add(T.rand([4], { dtype: 'float64', generator: g }), 0.5), { requiresGrad: true }),
            );
          if (positiveWeighted)
            args.push(
              new Variable(T.add(T.rand([3, 1], { dtype: 'float64', generator: g }), 0.5), { requiresGrad: true }),
            );
          gradgradcheck(
            (x, t, ...w) =>
              F.binaryCrossEntropyWithLogits(x, t, {
                reduction,
                weight: weighted ? w[0] : null,
                posWeight: positiveWeighted ? w[weighted ? 1 : 0] : null,
              }),
            args,
          );
        },
      ),
      { numRuns: 10 },
    );
  });

  it('layerNorm, groupNorm and instanceNorm with weight and bias', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 4 }), fc.integer(), (n, l, seed) => {
        const g = new Generator(seed);
        const x = leaf([n, 4, l], g);
        gradgradcheck(
          (x, w, b) => tanh(F.layerNorm(x, [4, l], { weight: w, bias: b })),
          [x, leaf([4, l], g), leaf([4, l], g)],
        );
        gradgradcheck((x, w) => tanh(F.layerNorm(x, l, { weight: w })), [x, leaf([l], g)]);
        gradgradcheck((x, w, b) => tanh(F.groupNorm(x, 2, { weight: w, bias: b })), [x, leaf([4], g), leaf([4], g)]);
        gradgradcheck((x, w) => tanh(F.instanceNorm(x, { weight: w })), [x, leaf([4], g)]);
        // A 2-D input: group norm's channels are the last axis.
        gradgradcheck((x, w) => tanh(F.groupNorm(x, 1, { weight: w })), [leaf([n, 4], g), leaf([4], g)]);
      }),
      { numRuns: 6 },
    );
  });

  it('a convolution over no input channels: the bias gradient, differentiated again', () => {
    const g = new Generator(5);
    const bias = leaf([3], g);
    const x = new Variable(T.zeros([2, 0, 4], { dtype: 'float64' }), { requiresGrad: true });
    const w = new Variable(T.zeros([3, 0, 2], { dtype: 'float64' }), { requiresGrad: true });
    gradgradcheck(
      squared((x, w, b) => F.conv1d(x, w, b)),
      [x, w, bias],
    );
  });
});

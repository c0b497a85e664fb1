import { arbConvAxis, arbConvCase, type ConvCase } from '@torchlet/layers/testing';
import { gradcheck, randn, type Variable } from '@torchlet/autograd';
import { Generator, pad, type Tensor } from '@torchlet/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { convOp } from '../../../src/nn/functional/conv.js';
import { conv1d, conv2d, conv3d, type PaddingMode } from '../../../src/nn/functional/index.js';
import { expectAllClose, referenceConv } from '../../helpers/reference-conv.js';
import { gradcheckOrEmpty } from '../../helpers/zero-size.js';

const OPS = { 1: conv1d, 2: conv2d, 3: conv3d } as const;

/**
 * The direct-loop convolution of a drawn case: zero padding inside the loops, any other mode by
 * padding the input first (reflect, replicate, circular), as PyTorch's padding_mode does.
 */
function referenceOf(c: ConvCase, x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  const mode = c.options.paddingMode ?? 'zeros';
  const none = c.options.padding.map(() => 0);
  if (mode === 'zeros')
    return referenceConv(x, w, b, { ...c.options, padBefore: c.options.padding, padAfter: c.options.padding });
  const padded = pad(
    x,
    c.options.padding.map((p) => [p, p] as [number, number]),
    { mode },
  );
  return referenceConv(padded, w, b, { ...c.options, padBefore: none, padAfter: none });
}

// Every padding mode, batch 0, up to 4 groups (depthwise too), stride up to 3 with any kernel.
const arbCase = (dims: 1 | 2 | 3) => arbConvCase({ dims, paddingModes: true, emptyBatch: true });

describe('conv: im2col + GEMM matches the direct-loop reference', () => {
  for (const dims of [1, 2, 3] as const) {
    it(`conv${dims}d over random shapes, groups, stride, dilation, padding and padding modes, batch 0`, () => {
      fc.assert(
        fc.property(arbCase(dims), fc.integer(), (c, seed) => {
          const g = new Generator(seed);
          const x = randn(c.inputShape, { dtype: 'float64', generator: g });
          const w = randn(c.weightShape, { dtype: 'float64', generator: g });
          const b = c.biasShape ? randn(c.biasShape, { dtype: 'float64', generator: g }) : null;
          const y = OPS[dims](x, w, b, c.options);
          expect(y.shape).toEqual(c.outputShape);
          expectAllClose(y.data, referenceOf(c, x.data, w.data, b ? b.data : null));
        }),
        { numRuns: 100 },
      );
    });
  }

  it('asymmetric padding (before ≠ after) on every axis, conv2d and conv3d', () => {
    const axis = arbConvAxis({ size: [1, 6], kernel: [1, 3], stride: [1, 3], dilation: [1, 2], padding: [0, 3] });
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 3 }),
        fc.array(axis, { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer(),
        (dims, axes3, groups, seed) => {
          const axes = axes3.slice(0, dims);
          const g = new Generator(seed);
          const x = randn([2, 2 * groups, ...axes.map((a) => a.size)], { dtype: 'float64', generator: g });
          const w = randn([groups, 2, ...axes.map((a) => a.kernel)], { dtype: 'float64', generator: g });
          const b = randn([groups], { dtype: 'float64', generator: g });
          const call = {
            op: `conv${dims}d`,
            stride: axes.map((a) => a.stride),
            padBefore: axes.map((a) => a.before),
            padAfter: axes.map((a) => a.after),
            dilation: axes.map((a) => a.dilation),
            groups,
          };
          const y = convOp(x, w, b, call);
          expectAllClose(y.data, referenceConv(x.data, w.data, b.data, call));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("padding: 'same' keeps the size and matches the reference with the odd element after", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer(),
        (h, wd, k, d, seed) => {
          const g = new Generator(seed);
          const x = randn([1, 2, h, wd], { dtype: 'float64', generator: g });
          const w = randn([3, 2, k, k], { dtype: 'float64', generator: g });
          const y = conv2d(x, w, null, { padding: 'same', dilation: d });
          expect(y.shape).toEqual([1, 3, h, wd]);
          const total = d * (k - 1);
          const before = Math.floor(total / 2);
          const pads = { padBefore: [before, before], padAfter: [total - before, total - before] };
          expectAllClose(
            y.data,
            referenceConv(x.data, w.data, null, { stride: [1, 1], dilation: [d, d], groups: 1, ...pads }),
          );
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('conv: gradients match central differences (float64)', () => {
  for (const dims of [1, 2, 3] as const) {
    it(`conv${dims}d backward, every input (and the forward against the direct loops; batch 0: gradient shapes, zero weight gradient)`, () => {
      fc.assert(
        fc.property(arbCase(dims), fc.integer(), (c, seed) => {
          const g = new Generator(seed);
          const x = randn(c.inputShape, { dtype: 'float64', generator: g, requiresGrad: true });
          const w = randn(c.weightShape, { dtype: 'float64', generator: g, requiresGrad: true });
          const inputs: Variable[] = [x, w];
          if (c.biasShape) inputs.push(randn(c.biasShape, { dtype: 'float64', generator: g, requiresGrad: true }));
          // A forward bug that the backward mirrors (an output one short) passes a gradcheck.
          const y = OPS[dims](x, w, inputs[2] ?? null, c.options);
          expect(y.shape).toEqual(c.outputShape);
          expectAllClose(y.data, referenceOf(c, x.data, w.data, inputs[2]?.data ?? null));
          gradcheckOrEmpty((xi, wi, bi) => OPS[dims](xi!, wi!, bi ?? null, c.options), inputs);
        }),
        { numRuns: dims === 3 ? 10 : 25 },
      );
    });
  }

  it('conv2d with reflect / replicate / circular padding and unbatched input', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<PaddingMode>('reflect', 'replicate', 'circular'),
        fc.integer({ min: 2, max: 4 }),
        fc.integer({ min: 2, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 1 }),
        fc.integer({ min: 0, max: 1 }),
        fc.boolean(),
        fc.integer(),
        (mode, h, wd, k, ph, pw, unbatched, seed) => {
          fc.pre(h + 2 * ph >= k && wd + 2 * pw >= k);
          const g = new Generator(seed);
          const x = randn(unbatched ? [2, h, wd] : [1, 2, h, wd], {
            dtype: 'float64',
            generator: g,
            requiresGrad: true,
          });
          const w = randn([2, 2, k, k], { dtype: 'float64', generator: g, requiresGrad: true });
          gradcheck((xi, wi) => conv2d(xi!, wi!, null, { padding: [ph, pw], paddingMode: mode }), [x, w]);
        },
      ),
      { numRuns: 25 },
    );
  });
});

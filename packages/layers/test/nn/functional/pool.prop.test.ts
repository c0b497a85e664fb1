import { randn } from '@torchlet/autograd';
import * as T from '@torchlet/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  adaptiveAvgPool2d,
  adaptiveMaxPool2d,
  avgPool1d,
  avgPool2d,
  conv2d,
  maxPool1d,
  maxPool2d,
  poolOutputSize,
} from '../../../src/nn/functional/index.js';
import { poolAxis } from '../../../src/nn/functional/pool.js';
import { arbPoolAxis, type PoolAxis } from '../../helpers/pool-axis.js';
import { arbSizeOrZero, gradcheckOrEmpty } from '../../helpers/zero-size.js';

type Axis = PoolAxis;

/**
 * Whether every window of the axis reads at least one real input. A window entirely in padding
 * (possible with dilation) yields −Infinity in max pooling, as in PyTorch, which central
 * differences cannot handle.
 */
function poolable(a: Axis, ceilMode: boolean): boolean {
  const out = poolOutputSize(a.size, a.kernel, a.stride, a.padding, a.dilation, ceilMode);
  if (out < 1) return false;
  const w = poolAxis(a.size, out, a.kernel, a.stride, a.padding, a.dilation);
  return w.start.every((s, o) => s < w.end[o]!);
}

const arbAxis = (dilated: boolean) =>
  arbPoolAxis({ size: [1, 6], kernel: [1, 3], padding: 1, dilation: dilated ? 2 : 1 });

const arbPool = (dims: 1 | 2, dilated: boolean) =>
  fc
    .record({
      axes: fc.array(arbAxis(dilated), { minLength: dims, maxLength: dims }),
      // batch 0 now and then: PyTorch pools an empty batch to an empty output
      batch: arbSizeOrZero(),
      channels: fc.integer({ min: 1, max: 2 }),
      ceilMode: fc.boolean(),
      countIncludePad: fc.boolean(),
      seed: fc.integer(),
    })
    .filter((c) => c.axes.every((a) => poolable(a, c.ceilMode)));

type PoolCase = typeof arbPool extends (...a: never[]) => fc.Arbitrary<infer C> ? C : never;
/** `[N, C, ...out]` by PyTorch's pool size formula (batch 0 gives an empty output). */
const outputShape = (c: PoolCase) => [
  c.batch,
  c.channels,
  ...c.axes.map((a) => poolOutputSize(a.size, a.kernel, a.stride, a.padding, a.dilation, c.ceilMode)),
];

/** The case's input `[N, C, ...size]`, float64, seeded, requiring grad. */
const inputOf = (c: PoolCase) =>
  randn([c.batch, c.channels, ...c.axes.map((a) => a.size)], {
    dtype: 'float64',
    generator: new T.Generator(c.seed),
    requiresGrad: true,
  });
/** The window options max and average pooling share. */
const windowOf = (c: PoolCase) => ({
  kernelSize: c.axes.map((a) => a.kernel),
  stride: c.axes.map((a) => a.stride),
  padding: c.axes.map((a) => a.padding),
  ceilMode: c.ceilMode,
});

describe('pool gradients match central differences (float64; batch 0: shapes and empty gradients)', () => {
  for (const dims of [1, 2] as const) {
    it(`maxPool${dims}d`, () => {
      fc.assert(
        fc.property(arbPool(dims, true), (c) => {
          const x = inputOf(c);
          const options = { ...windowOf(c), dilation: c.axes.map((a) => a.dilation) };
          const pool = (xi: typeof x) => (dims === 1 ? maxPool1d(xi, options) : maxPool2d(xi, options));
          expect(pool(x).shape).toEqual(outputShape(c));
          gradcheckOrEmpty((xi) => pool(xi!), [x]);
        }),
        { numRuns: 40 },
      );
    });

    it(`avgPool${dims}d (ceilMode, countIncludePad)`, () => {
      fc.assert(
        fc.property(arbPool(dims, false), (c) => {
          const x = inputOf(c);
          const options = { ...windowOf(c), countIncludePad: c.countIncludePad };
          const pool = (xi: typeof x) => (dims === 1 ? avgPool1d(xi, options) : avgPool2d(xi, options));
          expect(pool(x).shape).toEqual(outputShape(c));
          gradcheckOrEmpty((xi) => pool(xi!), [x]);
        }),
        { numRuns: 40 },
      );
    });
  }

  it('adaptiveAvgPool2d and adaptiveMaxPool2d (batch 0 and output size 0 too, as PyTorch allows)', () => {
    fc.assert(
      fc.property(
        arbSizeOrZero(),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        arbSizeOrZero(7, 8),
        arbSizeOrZero(7, 8),
        fc.integer(),
        (n, h, w, oh, ow, seed) => {
          const x = randn([n, 2, h, w], { dtype: 'float64', generator: new T.Generator(seed), requiresGrad: true });
          for (const pool of [adaptiveAvgPool2d, adaptiveMaxPool2d]) {
            expect(pool(x, [oh, ow]).shape).toEqual([n, 2, oh, ow]);
            gradcheckOrEmpty((xi) => pool(xi!, [oh, ow]), [x]);
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('pool cross-checks', () => {
  it('avgPool2d with countIncludePad and floor mode is a conv with a k×k kernel of 1/k²', () => {
    fc.assert(
      fc.property(arbPool(2, false), (c) => {
        fc.pre(c.axes.every((a) => poolable(a, false)));
        const [ah, aw] = c.axes as [Axis, Axis];
        const x = T.randn([c.batch * c.channels, 1, ah.size, aw.size], {
          dtype: 'float64',
          generator: new T.Generator(c.seed),
        });
        const kernel = T.full([1, 1, ah.kernel, aw.kernel], 1 / (ah.kernel * aw.kernel), { dtype: 'float64' });
        const options = {
          kernelSize: [ah.kernel, aw.kernel],
          stride: [ah.stride, aw.stride],
          padding: [ah.padding, aw.padding],
        };
        const pooled = avgPool2d(x, options).data.toTypedArray();
        const convolved = conv2d(x, kernel, null, {
          stride: options.stride,
          padding: options.padding,
        }).data.toTypedArray();
        expect(pooled.length).toBe(convolved.length);
        for (let i = 0; i < pooled.length; i++) expect(pooled[i]).toBeCloseTo(convolved[i]!, 12);
      }),
      { numRuns: 50 },
    );
  });

  it('maxPool2d with padding equals maxPool2d of the input padded with −Infinity', () => {
    fc.assert(
      fc.property(arbPool(2, true), (c) => {
        fc.pre(c.axes.every((a) => poolable(a, false)));
        const [ah, aw] = c.axes as [Axis, Axis];
        const x = T.randn([c.batch, c.channels, ah.size, aw.size], {
          dtype: 'float64',
          generator: new T.Generator(c.seed),
        });
        const base = {
          kernelSize: [ah.kernel, aw.kernel],
          stride: [ah.stride, aw.stride],
          dilation: [ah.dilation, aw.dilation],
        };
        const padded = T.pad(
          x,
          [
            [ah.padding, ah.padding],
            [aw.padding, aw.padding],
          ],
          { value: -Infinity },
        );
        const want = maxPool2d(padded, base).toArray();
        expect(maxPool2d(x, { ...base, padding: [ah.padding, aw.padding] }).toArray()).toEqual(want);
      }),
      { numRuns: 50 },
    );
  });
});

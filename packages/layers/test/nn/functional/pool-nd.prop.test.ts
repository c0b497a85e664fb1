import { gradgradcheck, randn, tanh, variable, type Variable } from '@torchlet/autograd';
import { Generator, randint, sub, type Shape, type Tensor } from '@torchlet/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { functional as F } from '@torchlet/layers';
import { arbPoolAxis, type PoolAxis } from '../../helpers/pool-axis.js';
import { indexTuples } from '../../helpers/reference-conv-nd.js';
import { arbSizeOrZero, gradcheckOrEmpty } from '../../helpers/zero-size.js';

// maxPoolNd / avgPoolNd / adaptive pools over 1 to 4 pooled axes, against the definitions (PyTorch's
// window, divisor, ceil-mode and index rules), then first and second derivatives in float64.

/** One pooled axis whose output is at least 1 long with ceil mode off (so also with it on). */
const arbAxis = arbPoolAxis({ size: [1, 7], kernel: [1, 3], padding: 1, dilation: 2 }).filter(
  (a) => a.size + 2 * a.padding >= a.dilation * (a.kernel - 1) + 1,
);

const arbPoolCase = (dims: number) =>
  fc.record({
    axes: fc.array(arbAxis, { minLength: dims, maxLength: dims }),
    batch: arbSizeOrZero(), // PyTorch pools an empty batch to an empty output
    channels: fc.integer({ min: 1, max: 2 }),
    ceilMode: fc.boolean(),
    countIncludePad: fc.boolean(),
    divisorOverride: fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 3 })),
    /** Inputs of levels −1, 0, 1 (the definition test only): windows with a tied maximum. */
    tied: fc.boolean(),
    seed: fc.integer(),
  });

type PoolCase = ReturnType<typeof arbPoolCase> extends fc.Arbitrary<infer C> ? C : never;

const option = (c: PoolCase, key: keyof PoolAxis) => c.axes.map((a) => a[key]);

/** Per output position of a plane: the in-plane flat offsets of its taps inside the input, and the padded window size. */
function windows(c: PoolCase, dilated: boolean) {
  const sizes = c.axes.map((a) => a.size);
  const out = c.axes.map((a) =>
    F.poolOutputSize(a.size, a.kernel, a.stride, a.padding, dilated ? a.dilation : 1, c.ceilMode),
  );
  return {
    out,
    list: indexTuples(out).map((pos) => {
      const taps = indexTuples(c.axes.map((a) => a.kernel))
        .map((tap) =>
          pos.map((o, i) => o * c.axes[i]!.stride - c.axes[i]!.padding + tap[i]! * (dilated ? c.axes[i]!.dilation : 1)),
        )
        .filter((at) => at.every((v, i) => v >= 0 && v < sizes[i]!))
        .map((at) => at.reduce((acc, v, i) => acc * sizes[i]! + v, 0));
      const padded = pos.reduce((acc, o, i) => {
        const a = c.axes[i]!;
        const first = o * a.stride - a.padding;
        return acc * (Math.min(first + a.kernel, a.size + a.padding) - first);
      }, 1);
      // A window entirely in the padding reports its first tap past the leading padding (as PyTorch).
      const startAt = pos.reduce((acc, o, i) => {
        const a = c.axes[i]!;
        const d = dilated ? a.dilation : 1;
        const first = o * a.stride - a.padding;
        return acc * sizes[i]! + (first < 0 ? first + Math.ceil(-first / d) * d : first);
      }, 0);
      return { taps, padded, startAt };
    }),
  };
}

function referenceMax(x: Tensor, c: PoolCase): { values: number[]; indices: number[]; out: number[] } {
  const data = x.toTypedArray();
  const { out, list } = windows(c, true);
  const plane = c.axes.reduce((p, a) => p * a.size, 1);
  const values: number[] = [];
  const indices: number[] = [];
  for (let pl = 0; pl < c.batch * c.channels; pl++) {
    for (const { taps, startAt } of list) {
      let best = -Infinity;
      let at = startAt;
      for (const t of taps) {
        const v = data[pl * plane + t]!;
        if (v > best || Number.isNaN(v)) [best, at] = [v, t];
      }
      values.push(best);
      indices.push(at);
    }
  }
  return { values, indices, out };
}

function referenceAvg(x: Tensor, c: PoolCase): number[] {
  const data = x.toTypedArray();
  const { list } = windows(c, false);
  const plane = c.axes.reduce((p, a) => p * a.size, 1);
  const values: number[] = [];
  for (let pl = 0; pl < c.batch * c.channels; pl++) {
    for (const { taps, padded } of list) {
      const sum = taps.reduce((s, t) => s + data[pl * plane + t]!, 0);
      const divisor = c.divisorOverride ?? (c.countIncludePad ? padded : Math.max(1, taps.length));
      values.push(sum / divisor);
    }
  }
  return values;
}

function expectClose(actual: ArrayLike<number>, expected: readonly number[]): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] === expected[i]) continue; // also −∞, a max window entirely in the padding
    if (!(Math.abs(actual[i]! - expected[i]!) <= 1e-12 * (1 + Math.abs(expected[i]!))))
      expect.fail(`element ${i}: pool ${actual[i]}, definition ${expected[i]}`);
  }
}

const leaf = (shape: Shape, g: Generator): Variable =>
  randn(shape, { dtype: 'float64', generator: g, requiresGrad: true });

describe('maxPoolNd / avgPoolNd', () => {
  for (const dims of [1, 2, 3, 4]) {
    it(`${dims}-D: values and indices match the definition (stride, padding, dilation, ceil mode, divisors, ties, batch 0)`, () => {
      fc.assert(
        fc.property(arbPoolCase(dims), (c) => {
          const shape = [c.batch, c.channels, ...option(c, 'size')];
          const generator = new Generator(c.seed);
          // With ties the first maximum in scan order gives the value's index, as PyTorch.
          const x = c.tied
            ? variable(sub(randint(0, 3, shape, { dtype: 'float64', generator }), 1))
            : randn(shape, { dtype: 'float64', generator });
          const common = {
            kernelSize: option(c, 'kernel'),
            stride: option(c, 'stride'),
            padding: option(c, 'padding'),
            ceilMode: c.ceilMode,
          };
          const [y, indices] = F.maxPoolNd(x, dims, {
            ...common,
            dilation: option(c, 'dilation'),
            returnIndices: true,
          });
          const want = referenceMax(x.data, c);
          expect(y.shape).toEqual([c.batch, c.channels, ...want.out]);
          expectClose(y.data.toTypedArray(), want.values);
          expect(Array.from(indices.data.toTypedArray())).toEqual(want.indices);
          const avg = F.avgPoolNd(x, dims, {
            ...common,
            countIncludePad: c.countIncludePad,
            divisorOverride: c.divisorOverride,
          });
          expectClose(avg.data.toTypedArray(), referenceAvg(x.data, c));
        }),
        { numRuns: 60 },
      );
    });

    it(`${dims}-D: gradients and second derivatives match central differences (float64)`, () => {
      fc.assert(
        fc.property(arbPoolCase(dims), (c) => {
          const g = new Generator(c.seed);
          const x = leaf([c.batch, c.channels, ...option(c, 'size')], g);
          const common = {
            kernelSize: option(c, 'kernel'),
            stride: option(c, 'stride'),
            padding: option(c, 'padding'),
            ceilMode: c.ceilMode,
          };
          const maxOptions = { ...common, dilation: option(c, 'dilation') };
          // A max window entirely in the padding is −∞, where differences are NaN: not a gradient case.
          fc.pre(windows(c, true).list.every((w) => w.taps.length > 0));
          const avgOptions = { ...common, countIncludePad: c.countIncludePad, divisorOverride: c.divisorOverride };
          // batch 0: gradients of x's (empty) shape; nothing for gradgradcheck to compare
          const empty = gradcheckOrEmpty((x) => F.maxPoolNd(x!, dims, maxOptions), [x]);
          gradcheckOrEmpty((x) => F.avgPoolNd(x!, dims, avgOptions), [x]);
          if (empty) return;
          gradgradcheck((x) => tanh(F.maxPoolNd(tanh(x!), dims, maxOptions)), [x]);
          gradgradcheck((x) => tanh(F.avgPoolNd(tanh(x!), dims, avgOptions)), [x]);
        }),
        { numRuns: dims > 2 ? 4 : 8 },
      );
    });

    it(`${dims}-D adaptive pools: bins floor(o·In/Out) to ceil((o+1)·In/Out), gradients; batch 0 and output size 0`, () => {
      fc.assert(
        fc.property(
          // an output axis of 0 now and then, and batch 0: PyTorch allows both
          fc.array(fc.record({ size: fc.integer({ min: 1, max: 5 }), out: arbSizeOrZero(4, 10) }), {
            minLength: dims,
            maxLength: dims,
          }),
          arbSizeOrZero(1, 4),
          fc.integer(),
          (axes, batch, seed) => {
            const g = new Generator(seed);
            const x = leaf([batch, 2, ...axes.map((a) => a.size)], g);
            const outSize = axes.map((a) => a.out);
            const [mx, idx] = F.adaptiveMaxPoolNd(x, dims, outSize, { returnIndices: true });
            const avg = F.adaptiveAvgPoolNd(x, dims, outSize);
            expect(avg.shape).toEqual([batch, 2, ...outSize]);
            expect(mx.shape).toEqual([batch, 2, ...outSize]);
            const data = x.data.toTypedArray();
            const plane = axes.reduce((p, a) => p * a.size, 1);
            const sizes = axes.map((a) => a.size);
            let o = 0;
            for (let pl = 0; pl < 2 * batch; pl++) {
              for (const pos of indexTuples(outSize)) {
                const ranges = pos.map((p, i) => {
                  const a = axes[i]!;
                  const lo = Math.floor((p * a.size) / a.out);
                  return Array.from({ length: Math.ceil(((p + 1) * a.size) / a.out) - lo }, (_, j) => lo + j);
                });
                const taps = indexTuples(ranges.map((r) => r.length)).map((t) =>
                  t.reduce((acc, v, i) => acc * sizes[i]! + ranges[i]![v]!, 0),
                );
                const vals = taps.map((t) => data[pl * plane + t]!);
                const best = Math.max(...vals);
                expect(mx.data.toTypedArray()[o]).toBe(best);
                expect(idx.data.toTypedArray()[o]).toBe(taps[vals.indexOf(best)]);
                expect(avg.data.toTypedArray()[o]).toBeCloseTo(vals.reduce((s, v) => s + v, 0) / vals.length, 12);
                o++;
              }
            }
            expect(o).toBe(avg.size);
            if (gradcheckOrEmpty((x) => F.adaptiveAvgPoolNd(x!, dims, outSize), [x])) {
              gradcheckOrEmpty((x) => F.adaptiveMaxPoolNd(x!, dims, outSize), [x]);
              return;
            }
            gradgradcheck((x) => tanh(F.adaptiveMaxPoolNd(tanh(x!), dims, outSize)), [x]);
          },
        ),
        { numRuns: dims > 2 ? 5 : 10 },
      );
    });
  }

  it('maxPool3d / avgPool3d / adaptive 1-d and 3-d are the N-d ops with the rank fixed', () => {
    const x = randn([2, 3, 5, 6, 7], { generator: new Generator(1) });
    const same = (a: Variable, b: Variable) =>
      expect(Array.from(a.data.toTypedArray())).toEqual(Array.from(b.data.toTypedArray()));
    same(
      F.maxPool3d(x, { kernelSize: 2, padding: 1, ceilMode: true }),
      F.maxPoolNd(x, 3, { kernelSize: 2, padding: 1, ceilMode: true }),
    );
    same(F.avgPool3d(x, { kernelSize: [3, 2, 3], stride: 2 }), F.avgPoolNd(x, 3, { kernelSize: [3, 2, 3], stride: 2 }));
    same(F.adaptiveAvgPool3d(x, [2, null, 3]), F.adaptiveAvgPoolNd(x, 3, [2, 6, 3]));
    same(F.adaptiveMaxPool3d(x, 2), F.adaptiveMaxPoolNd(x, 3, 2));
    const seq = randn([2, 3, 11], { generator: new Generator(2) });
    same(F.adaptiveAvgPool1d(seq, 4), F.adaptiveAvgPoolNd(seq, 1, [4]));
    same(F.adaptiveMaxPool1d(seq, [null]), seq);
  });

  it('errors: the rank must be a positive integer; outputSize needs one entry per axis', () => {
    const x = randn([1, 2, 4, 4, 4, 4]);
    expect(() => F.maxPoolNd(x, 0, 2)).toThrow('maxPoolNd: dims must be positive, got dims=0');
    expect(() => F.avgPoolNd(x, 2.5, 2)).toThrow(TypeError);
    expect(() => F.maxPoolNd(x, 6, 2)).toThrow(
      'maxPoolNd: input must be 7-D (unbatched) or 8-D (batched), got [1, 2, 4, 4, 4, 4]',
    );
    expect(() => F.adaptiveAvgPoolNd(x, 4, [1, 2])).toThrow(
      'adaptiveAvgPoolNd: outputSize must be an integer or [s1, s2, s3, s4] of integers or null, got outputSize=[1, 2]',
    );
    expect(() => F.adaptiveMaxPool3d(randn([1, 4, 4, 4]), [1, 1])).toThrow(
      'adaptiveMaxPool3d: outputSize must be an integer or [d, h, w] of integers or null, got outputSize=[1, 1]',
    );
  });
});

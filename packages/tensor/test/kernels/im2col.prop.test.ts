import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor } from '@torchlet/tensor';
import { col2im, convGeometry, im2col, type ConvGeometry } from '@torchlet/tensor/kernels';
import { dot, naiveIm2col, seededArray } from '../helpers/reference-kernels.js';

/** One spatial axis: kernel, stride, dilation, asymmetric padding, and an input at least as long as the padded window needs. */
const arbAxis = fc
  .record({
    kernel: fc.integer({ min: 1, max: 3 }),
    stride: fc.integer({ min: 1, max: 3 }),
    dilation: fc.integer({ min: 1, max: 2 }),
    before: fc.integer({ min: 0, max: 2 }),
    after: fc.integer({ min: 0, max: 2 }),
    extra: fc.integer({ min: 0, max: 4 }),
  })
  .map((a) => ({ ...a, input: Math.max(0, a.dilation * (a.kernel - 1) + 1 - a.before - a.after) + a.extra }));

/** A geometry of `dims` spatial axes with 1–3 channels, plus a batch size and a seed. */
function arbConvCase(dims: number) {
  return fc.record({
    axes: fc.array(arbAxis, { minLength: dims, maxLength: dims }),
    channels: fc.integer({ min: 1, max: 3 }),
    batch: fc.integer({ min: 1, max: 2 }),
    seed: fc.integer(),
  });
}

function geometryOf(c: {
  axes: { input: number; kernel: number; stride: number; dilation: number; before: number; after: number }[];
  channels: number;
}): ConvGeometry {
  return convGeometry('conv', {
    channels: c.channels,
    inputSize: c.axes.map((a) => a.input),
    kernelSize: c.axes.map((a) => a.kernel),
    stride: c.axes.map((a) => a.stride),
    padding: c.axes.map((a) => a.before),
    paddingAfter: c.axes.map((a) => a.after),
    dilation: c.axes.map((a) => a.dilation),
  });
}

const prod = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);

// 4-D and 5-D run the generic kernels of im2col-nd.ts.
describe.each([1, 2, 3, 4, 5])('im2col properties, %i-D', (dims) => {
  it('<im2col(x), y> = <x, col2im(y)>: col2im is the adjoint (rtol 1e-9)', () => {
    fc.assert(
      fc.property(arbConvCase(dims), (c) => {
        const g = geometryOf(c);
        const xShape = [c.batch, g.channels, ...g.inputSize];
        const yShape = [c.batch, g.channels * prod(g.kernelSize), prod(g.outputSize)];
        const x = new Tensor(seededArray(prod(xShape), c.seed), xShape);
        const y = new Tensor(seededArray(prod(yShape), c.seed + 1), yShape);
        const cols = im2col(x, g);
        const folded = col2im(y, g);
        expect(cols.shape).toEqual(yShape);
        expect(folded.shape).toEqual(xShape);
        const lhs = dot(cols.toTypedArray(), y.toTypedArray());
        const rhs = dot(x.toTypedArray(), folded.toTypedArray());
        // Scale by the sum of |terms| so cancellation in the dot product cannot inflate the error.
        let scale = 0;
        const cv = cols.toTypedArray();
        const yv = y.toTypedArray();
        for (let i = 0; i < cv.length; i++) scale += Math.abs(cv[i]! * yv[i]!);
        expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-9 * Math.max(scale, 1e-300));
      }),
      { numRuns: dims > 3 ? 30 : 80 },
    );
  });

  it('im2col equals the direct-index reference for every sample', () => {
    fc.assert(
      fc.property(arbConvCase(dims), (c) => {
        const g = geometryOf(c);
        const sample = g.channels * prod(g.inputSize);
        const x = new Tensor(seededArray(c.batch * sample, c.seed), [c.batch, g.channels, ...g.inputSize]);
        const cols = im2col(x, g).toTypedArray();
        const per = g.channels * prod(g.kernelSize) * prod(g.outputSize);
        for (let n = 0; n < c.batch; n++) {
          const want = naiveIm2col(x.toTypedArray().subarray(n * sample, (n + 1) * sample), g);
          expect(Array.from(cols.subarray(n * per, (n + 1) * per))).toEqual(want);
        }
      }),
      { numRuns: dims > 3 ? 30 : 80 },
    );
  });
});

describe('im2col over more than three axes', () => {
  it('a 4-D geometry with a unit leading axis gives the columns and fold of the 3-D kernel', () => {
    fc.assert(
      fc.property(arbConvCase(3), (c) => {
        const g3 = geometryOf(c);
        const g4 = geometryOf({
          ...c,
          axes: [{ input: 1, kernel: 1, stride: 1, dilation: 1, before: 0, after: 0 }, ...c.axes],
        });
        const x = new Tensor(seededArray(c.batch * g3.channels * prod(g3.inputSize), c.seed), [
          c.batch,
          g3.channels,
          ...g3.inputSize,
        ]);
        const cols3 = im2col(x, g3);
        const cols4 = im2col(new Tensor(x.toTypedArray(), [c.batch, g3.channels, 1, ...g3.inputSize]), g4);
        expect(Array.from(cols4.toTypedArray())).toEqual(Array.from(cols3.toTypedArray()));
        // The fold agrees up to the order of its sums: the 3-D kernel's hot path (a unit depth, stride
        // and dilation 1 along the width) adds a row's kW taps in a register before adding them onto
        // the input, the N-d one tap by tap (run 20 of a 20-run series drew kernel [1, 2, 3] and
        // differed in the last bit). Two orders of n float64 terms differ by at most (n − 1)·ε·Σ|term|;
        // a wrong or missing term is off by a whole term.
        const back3 = col2im(cols3, g3).toTypedArray();
        const back4 = col2im(cols4, g4).toTypedArray();
        const abs3 = col2im(new Tensor(cols3.toTypedArray().map(Math.abs), cols3.shape), g3).toTypedArray();
        const terms = prod(g3.kernelSize);
        expect(back4.length).toBe(back3.length);
        for (let i = 0; i < back3.length; i++) {
          expect(Math.abs(back4[i]! - back3[i]!)).toBeLessThanOrEqual(terms * Number.EPSILON * abs3[i]!);
        }
      }),
      { numRuns: 40 },
    );
  });
});

import { variable, type Variable } from '@torchlet/autograd';
import * as T from '@torchlet/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adaptiveMaxPool2d, maxPool1d, maxPool2d, poolOutputSize } from '../../../src/nn/functional/index.js';
import { arbPoolAxis, type PoolAxis } from '../../helpers/pool-axis.js';
import { arbSizeOrZero } from '../../helpers/zero-size.js';

// Max pooling on inputs of three levels (−1, 0, 1), so most windows hold their maximum more than
// once: PyTorch takes the first in scan order (row by row), returns its index and sends it the whole
// gradient. The gradchecks of pool.prop.test.ts cannot see ties (a tie is a kink), so these compare
// against windows read one by one.

/** The input positions each output reads along one axis (an empty window cannot occur here). */
type AxisWindows = number[][];

function slidingWindows(
  size: number,
  kernel: number,
  stride: number,
  padding: number,
  dilation: number,
  ceil: boolean,
) {
  const out = poolOutputSize(size, kernel, stride, padding, dilation, ceil);
  return Array.from({ length: out }, (_, o) =>
    Array.from({ length: kernel }, (_, j) => o * stride - padding + j * dilation).filter((i) => i >= 0 && i < size),
  );
}

/** Adaptive bins: output `o` of `out` reads `[floor(o·size/out), ceil((o+1)·size/out))`. */
function adaptiveWindows(size: number, out: number): AxisWindows {
  return Array.from({ length: out }, (_, o) => {
    const start = Math.floor((o * size) / out);
    const end = Math.ceil(((o + 1) * size) / out);
    return Array.from({ length: end - start }, (_, i) => start + i);
  });
}

/**
 * Values, flat in-plane indices of the first maximum in scan order, and the gradient for
 * `gradOutput`, over `planes` planes of `rows × cols` (rows = 1 for 1-D), window by window.
 */
function referenceMaxPool(
  x: ArrayLike<number>,
  [planes, height, width]: [number, number, number],
  rows: AxisWindows,
  cols: AxisWindows,
) {
  const inPlane = height * width;
  const values: number[] = [];
  const indices: number[] = [];
  for (let p = 0; p < planes; p++)
    for (const rowWindow of rows)
      for (const colWindow of cols) {
        let best = -Infinity;
        let at = -1;
        for (const r of rowWindow)
          for (const c of colWindow) {
            const v = x[p * inPlane + r * width + c]!;
            if (v > best) [best, at] = [v, r * width + c];
          }
        values.push(best);
        indices.push(at);
      }
  const perPlane = rows.length * cols.length;
  const gradient = (gradOutput: ArrayLike<number>) => {
    const g = new Array<number>(planes * inPlane).fill(0);
    indices.forEach((at, o) => (g[Math.floor(o / perPlane) * inPlane + at]! += gradOutput[o]!));
    return g;
  };
  return { values, indices, gradient };
}

/** An input of levels −1, 0, 1 (float64) and a random gradient for an output of `outShape`. */
function tiedInput(shape: number[], seed: number): T.Tensor {
  return T.sub(T.randint(0, 3, shape, { generator: new T.Generator(seed), dtype: 'float64' }), 1);
}

function expectMatches(
  [y, indices]: [Variable, Variable],
  x: Variable,
  reference: ReturnType<typeof referenceMaxPool>,
  seed: number,
): void {
  expect(Array.from(y.data.toTypedArray())).toEqual(reference.values);
  expect(Array.from(indices.data.toTypedArray())).toEqual(reference.indices);
  const gradOutput = T.randn(y.shape, { dtype: 'float64', generator: new T.Generator(seed + 1) });
  y.backward(gradOutput);
  expect(x.grad!.shape).toEqual(x.shape);
  expect(Array.from(x.grad!.toTypedArray())).toEqual(reference.gradient(gradOutput.toTypedArray()));
}

const arbAxis = arbPoolAxis({ size: [1, 8], kernel: [1, 4], padding: 2, dilation: 2 });
type Axis = PoolAxis;

const windowsOf = (a: Axis, ceil: boolean) => slidingWindows(a.size, a.kernel, a.stride, a.padding, a.dilation, ceil);
/** Every output reads at least one real element (a window all in padding is −Infinity, another test's matter). */
const poolable = (a: Axis, ceil: boolean) =>
  poolOutputSize(a.size, a.kernel, a.stride, a.padding, a.dilation, ceil) >= 1 &&
  windowsOf(a, ceil).every((w) => w.length > 0);

describe('max pooling with ties: the first maximum in scan order wins, as PyTorch (float64)', () => {
  for (const dims of [1, 2] as const) {
    it(`maxPool${dims}d: values, indices and gradient`, () => {
      fc.assert(
        fc.property(
          fc.array(arbAxis, { minLength: dims, maxLength: dims }),
          arbSizeOrZero(), // batch 0 too: empty values, indices and gradient
          fc.integer({ min: 1, max: 3 }),
          fc.boolean(),
          fc.integer(),
          (axes, batch, channels, ceilMode, seed) => {
            fc.pre(axes.every((a) => poolable(a, ceilMode)));
            const x = variable(tiedInput([batch, channels, ...axes.map((a) => a.size)], seed), { requiresGrad: true });
            const options = {
              kernelSize: axes.map((a) => a.kernel),
              stride: axes.map((a) => a.stride),
              padding: axes.map((a) => a.padding),
              dilation: axes.map((a) => a.dilation),
              ceilMode,
              returnIndices: true as const,
            };
            const cols = axes[dims - 1]!;
            const rows = dims === 2 ? windowsOf(axes[0]!, ceilMode) : [[0]];
            const height = dims === 2 ? axes[0]!.size : 1;
            const reference = referenceMaxPool(
              x.data.toTypedArray(),
              [batch * channels, height, cols.size],
              rows,
              windowsOf(cols, ceilMode),
            );
            expectMatches(dims === 1 ? maxPool1d(x, options) : maxPool2d(x, options), x, reference, seed);
          },
        ),
        { numRuns: 150 },
      );
    });
  }

  it('adaptiveMaxPool2d: values, indices and gradient over overlapping bins', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 3 }),
        arbSizeOrZero(),
        fc.integer(),
        (h, w, oh, ow, channels, batch, seed) => {
          const x = variable(tiedInput([batch, channels, h, w], seed), { requiresGrad: true });
          const reference = referenceMaxPool(
            x.data.toTypedArray(),
            [batch * channels, h, w],
            adaptiveWindows(h, oh),
            adaptiveWindows(w, ow),
          );
          expectMatches(adaptiveMaxPool2d(x, [oh, ow], { returnIndices: true }), x, reference, seed);
        },
      ),
      { numRuns: 150 },
    );
  });
});

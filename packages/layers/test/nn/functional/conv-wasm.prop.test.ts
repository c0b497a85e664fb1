import { arbConvAxis } from '@torchlet/layers/testing';
import {
  convAdjointInto,
  convForwardInto,
  convGeometry,
  convPlan,
  convWeightGradInto,
  fillChannelBias,
  jsGemm,
  setGemm,
  takeColumns,
  type ConvPlan,
  type Gemm,
} from '@torchlet/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { wasmKernelsForFile } from '../../helpers/wasm-kernels.js';

// The float32 conv kernels under the WebAssembly backend (per-sample im2col/col2im + GEMM in wasm,
// samples spread over worker threads; the weight and bias gradients in fixed sample partitions) against the plain-JS
// backend, and 1 thread against 3 bit for bit. minParallelFlops 0 makes even tiny batches go to the pool.
const js: Gemm = jsGemm;
const { wasm1, wasm3 } = wasmKernelsForFile();

const arbAxis = arbConvAxis({ size: [1, 11], kernel: [1, 5], stride: [1, 3], dilation: [1, 2], padding: [0, 2] });

const arbCase = fc.record({
  dims: fc.constantFrom(1, 2, 2, 3),
  // Past 8 samples the weight gradient's fixed partitions hold several samples each.
  batch: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 6, max: 19 })),
  groups: fc.integer({ min: 1, max: 3 }),
  inPerGroup: fc.integer({ min: 1, max: 3 }),
  outPerGroup: fc.integer({ min: 1, max: 3 }),
  axes: fc.array(arbAxis, { minLength: 3, maxLength: 3 }),
  bias: fc.boolean(),
  // The bias prefilled by the caller (accumulate) or handed to convForwardInto (set inside the wasm tasks).
  biasParam: fc.boolean(),
  keep: fc.boolean(),
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
});
type Case = typeof arbCase extends fc.Arbitrary<infer T> ? T : never;

function random(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let s = seed >>> 0;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

function planOf(c: Case): ConvPlan {
  const axes = c.axes.slice(0, c.dims);
  const geom = convGeometry('conv', {
    channels: c.groups * c.inPerGroup,
    inputSize: axes.map((a) => a.size),
    kernelSize: axes.map((a) => a.kernel),
    stride: axes.map((a) => a.stride),
    padding: axes.map((a) => a.before),
    paddingAfter: axes.map((a) => a.after),
    dilation: axes.map((a) => a.dilation),
  });
  return convPlan(c.batch, c.groups, c.groups * c.inPerGroup, c.groups * c.outPerGroup, geom);
}

interface Result {
  y: Float32Array;
  gx: Float32Array;
  gw: Float32Array;
  gb: Float32Array;
}

/** Forward (bias prefilled or not, columns kept or not), input gradient and weight gradient on `kernel`. */
function runAll(kernel: Gemm, c: Case, plan: ConvPlan, abs = false, plainKeep = false): Result {
  setGemm(kernel);
  const f = (a: Float32Array) => (abs ? a.map(Math.abs) : a);
  const wSize = plan.cOut * (plan.cIn / plan.groups) * plan.kernelVolume;
  const x = f(random(plan.batch * plan.cIn * plan.inPositions, c.seed));
  const w = f(random(wSize, c.seed + 1));
  const gy = f(random(plan.batch * plan.cOut * plan.outPositions, c.seed + 2));
  const bias = f(random(plan.cOut, c.seed + 3));
  const y = new Float32Array(plan.batch * plan.cOut * plan.outPositions);
  if (c.bias && !c.biasParam) fillChannelBias(y, bias, plan.batch, plan.cOut, plan.outPositions);
  else y.fill(Number.NaN); // must be overwritten
  const columns = plan.batch * plan.cIn * plan.kernelVolume * plan.outPositions;
  // plainKeep: kept columns outside the wasm memory (as when its resident budget is spent).
  const keep =
    c.keep && !plan.direct
      ? plainKeep
        ? { columns: new Float32Array(columns), give() {} }
        : takeColumns('float32', columns)
      : null;
  convForwardInto(x, w, plan, y, c.bias && !c.biasParam, keep?.columns ?? null, c.bias && c.biasParam ? bias : null);
  const gx = new Float32Array(x.length);
  convAdjointInto(gy, w, plan, gx);
  const gw = new Float32Array(wSize);
  const gb = new Float32Array(plan.cOut);
  convWeightGradInto(x, gy, plan, gw, keep?.columns ?? null, gb);
  keep?.give();
  return { y, gx, gw, gb };
}

/** |wasm − js| ≤ (terms + 2)·2⁻²³·Σ|terms| elementwise, Σ|terms| being the same conv of absolute values. */
function expectClose(
  name: string,
  actual: Float32Array,
  expected: Float32Array,
  bound: Float32Array,
  terms: number,
): void {
  for (let i = 0; i < expected.length; i++) {
    const tol = (terms + 2) * 2 ** -23 * bound[i]! + 1e-30;
    if (!(Math.abs(actual[i]! - expected[i]!) <= tol))
      expect.fail(`${name}[${i}]: wasm ${actual[i]}, js ${expected[i]}, tolerance ${tol}`);
  }
}

describe('conv float32 on the WebAssembly backend', () => {
  it('matches the JS backend (strides, padding, dilation, groups; 1-D, 2-D, 3-D) and is bit-identical on 1 and 3 threads', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const plan = planOf(c);
        const expected = runAll(js, c, plan);
        const bound = runAll(js, c, plan, true);
        const one = runAll(wasm1, c, plan);
        const three = runAll(wasm3, c, plan);
        expect(three.y).toEqual(one.y);
        expect(three.gx).toEqual(one.gx);
        expect(three.gw).toEqual(one.gw);
        expect(three.gb).toEqual(one.gb);
        const rows = (plan.cIn / plan.groups) * plan.kernelVolume;
        expectClose('y', one.y, expected.y, bound.y, rows + 1);
        expectClose('gx', one.gx, expected.gx, bound.gx, (plan.cOut / plan.groups) * plan.kernelVolume);
        expectClose('gw', one.gw, expected.gw, bound.gw, plan.batch * plan.outPositions + 8);
        expectClose('gb', one.gb, expected.gb, bound.gb, 2);
      }),
      { numRuns: 150 },
    );
  });

  it('LeNet-5-sized layers (SIMD runs, pool rounds): same bits on 1 and 3 threads, close to JS', () => {
    // Up to 16 output channels per group the weight gradient takes the dot-product kernel (gemmNT),
    // past that the packed one: [.., 17 | 24, ..] cover the second.
    const layers = [
      [20, 1, 6, 28, 5, 2],
      [7, 6, 16, 14, 5, 0],
      [5, 4, 8, 13, 3, 1],
      [6, 3, 17, 11, 3, 1],
      [9, 5, 24, 7, 3, 0],
    ] as const;
    for (const [batch, cIn, cOut, size, k, pad] of layers) {
      const c: Case = {
        dims: 2,
        batch,
        groups: 1,
        inPerGroup: cIn,
        outPerGroup: cOut,
        bias: true,
        biasParam: batch !== 5,
        keep: true,
        seed: batch,
        axes: [0, 1, 2].map(() => ({ size, kernel: k, stride: 1, dilation: 1, before: pad, after: pad })),
      };
      const plan = planOf(c);
      const expected = runAll(js, c, plan);
      const bound = runAll(js, c, plan, true);
      const one = runAll(wasm1, c, plan);
      const three = runAll(wasm3, c, plan);
      expect(three).toEqual(one);
      expectClose('y', one.y, expected.y, bound.y, cIn * k * k + 1);
      expectClose('gx', one.gx, expected.gx, bound.gx, cOut * k * k);
      expectClose('gw', one.gw, expected.gw, bound.gw, batch * plan.outPositions + 8);
      expectClose('gb', one.gb, expected.gb, bound.gb, 2);
    }
  });

  it('gives the same bits whether the kept columns lie in the wasm memory or not', () => {
    const c: Case = {
      dims: 2,
      batch: 19,
      groups: 2,
      inPerGroup: 3,
      outPerGroup: 4,
      bias: true,
      biasParam: true,
      keep: true,
      seed: 3,
      axes: [0, 1, 2].map(() => ({ size: 9, kernel: 3, stride: 1, dilation: 1, before: 1, after: 1 })),
    };
    const plan = planOf(c);
    expect(runAll(wasm3, c, plan, false, true)).toEqual(runAll(wasm3, c, plan));
    expect(runAll(wasm1, c, plan, false, true)).toEqual(runAll(wasm3, c, plan));
    // Not kept at all: each thread makes a sample's columns in its own buffer, forward and backward.
    expect(runAll(wasm3, { ...c, keep: false }, plan)).toEqual(runAll(wasm3, c, plan));
  });

  it('gives the same bits when the weight gradient remakes columns too large to stage at once (rounds)', () => {
    // 16 channels × 3×3 × 61×61 positions: 8 partitions' columns exceed the 4M-float staging budget.
    const c: Case = {
      dims: 2,
      batch: 16,
      groups: 1,
      inPerGroup: 16,
      outPerGroup: 2,
      bias: true,
      biasParam: true,
      keep: true,
      seed: 4,
      axes: [0, 1, 2].map(() => ({ size: 61, kernel: 3, stride: 1, dilation: 1, before: 1, after: 1 })),
    };
    const plan = planOf(c);
    const kept = runAll(wasm3, c, plan);
    const remade = runAll(wasm3, { ...c, keep: false }, plan);
    expect(remade.gw).toEqual(kept.gw);
    expect(remade.gb).toEqual(kept.gb);
    expect(runAll(wasm1, { ...c, keep: false }, plan).gw).toEqual(kept.gw);
  });
});

import { jsGemm, takeColumns, type ConvPlan, type Gemm } from '@torchlet/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  arbConvEngineCase,
  expectWithinBound,
  planOfCase,
  runConvEngine,
  squareConvCase,
  type ConvEngineCase,
  type ConvEngineResult,
} from '../../helpers/conv-engine-cases.js';
import { wasmKernelsForFile } from '../../helpers/wasm-kernels.js';

// The float32 conv kernels under the WebAssembly backend (per-sample im2col/col2im + GEMM in wasm,
// samples spread over worker threads; the weight and bias gradients in fixed sample partitions) against the plain-JS
// backend, and 1 thread against 3 bit for bit. minParallelFlops 0 makes even tiny batches go to the pool.
const js: Gemm = jsGemm;
const { wasm1, wasm3 } = wasmKernelsForFile();

const arbCase = arbConvEngineCase(['float32']);
type Case = ConvEngineCase;
const planOf = planOfCase;
const expectClose = expectWithinBound;

/** The three drivers on `kernel`; kept columns in the wasm memory (`takeColumns`) unless `plainKeep`. */
function runAll(kernel: Gemm, c: Case, plan: ConvPlan, abs = false, plainKeep = false): ConvEngineResult {
  return runConvEngine(kernel, c, plan, abs, plainKeep ? undefined : (length) => takeColumns('float32', length));
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

  it('packs the forward GEMM panels straight from the input with the bits the kept columns give', () => {
    // A forward that keeps no columns never makes them (packConvInput); one that keeps them multiplies
    // those: strides, padding, dilation, groups and strips that cross output rows must agree bit for bit.
    fc.assert(
      fc.property(arbCase, (c) => {
        const plan = planOf(c);
        const fromInput = runAll(wasm3, { ...c, keep: false }, plan);
        const fromColumns = runAll(wasm3, { ...c, keep: true }, plan);
        expect(fromInput.y).toEqual(fromColumns.y);
        expect(runAll(wasm1, { ...c, keep: false }, plan).y).toEqual(fromColumns.y);
      }),
      { numRuns: 100 },
    );
    // Columns past a thread's own buffer (COLS_FLOATS in wasm/conv.as.ts, 256K floats: 16 channels ·
    // 3×3 taps · 58×58 positions and more) are made in bands of output rows that fill at most half of
    // it (15 rows of 57 here, the last band shorter), with padding, a strided and dilated height and
    // width, and groups; only where one output row's columns pass that half (144 rows · 1001 columns)
    // are the panels packed from x, with strips that cross output rows.
    const axis = (size: number, stride: number, dilation: number) => ({
      size,
      kernel: 3,
      stride,
      dilation,
      before: 1,
      after: 2,
    });
    for (const [groups, axes] of [
      [1, [axis(57, 1, 1), axis(57, 1, 1)]],
      [2, [axis(115, 2, 1), axis(123, 2, 2)]],
      [1, [axis(3, 1, 1), axis(1000, 1, 1)]],
    ] as const) {
      const c: Case = {
        dims: 2,
        dtype: 'float32',
        batch: 3,
        groups,
        inPerGroup: 16 / groups,
        outPerGroup: 5,
        bias: true,
        biasParam: true,
        keep: false,
        seed: 7,
        axes: [...axes, axis(1, 1, 1)],
      };
      const plan = planOf(c);
      expect(plan.rowsG * groups * plan.outPositions).toBeGreaterThan(1 << 18);
      const fromColumns = runAll(wasm1, { ...c, keep: true }, plan);
      expect(runAll(wasm3, c, plan).y).toEqual(fromColumns.y);
      expect(runAll(wasm1, c, plan).y).toEqual(fromColumns.y);
    }
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
    for (const layer of layers) {
      const [batch, cIn, cOut, , k] = layer;
      const c = squareConvCase(layer, { biasParam: batch !== 5 });
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
    const c = squareConvCase([19, 3, 4, 9, 3, 1], { groups: 2, seed: 3 });
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
      dtype: 'float32',
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

import { arbConvAxis } from '@torchlet/layers/testing';
import { convGeometryOfAxes } from '@torchlet/tensor/testing';
import {
  convAdjointInto,
  convForwardInto,
  convPlan,
  convWeightGradInto,
  fillChannelBias,
  setGemm,
  type ConvPlan,
  type FloatArray,
  type Gemm,
} from '@torchlet/tensor';
import fc from 'fast-check';
import { expect } from 'vitest';

// Random convolutions for the conv engine's backend tests (conv-wasm, conv-native): the case, its
// inputs, one run of the three drivers on a backend, and the rounding bound against the JS backend.

const arbAxis = arbConvAxis({ size: [1, 11], kernel: [1, 5], stride: [1, 3], dilation: [1, 2], padding: [0, 2] });
// 4-D and 5-D: smaller axes, so that a case stays about as large as a 3-D one.
const arbSmallAxis = arbConvAxis({ size: [1, 4], kernel: [1, 3], stride: [1, 2], dilation: [1, 2], padding: [0, 1] });

/** What `arbConvEngineCase` draws besides the dtype. */
export interface ConvEngineCaseOptions {
  /** Spatial axes drawn from (repeats weigh them). Default `[1, 2, 2, 3]`. */
  dims?: readonly number[];
  /** About one case in eight has batch 0. Default false. */
  emptyBatch?: boolean;
}

/** A random conv (1-D/2-D/3-D by default) in one of `dtypes`, with or without a bias and kept columns. */
export function arbConvEngineCase(
  dtypes: readonly ('float32' | 'float64')[],
  { dims = [1, 2, 2, 3], emptyBatch = false }: ConvEngineCaseOptions = {},
) {
  // Past 8 samples the weight gradient's fixed partitions hold several samples each.
  const someSamples = fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 6, max: 19 }));
  return fc.constantFrom(...dims).chain((d) =>
    fc.record({
      dims: fc.constant(d),
      batch: emptyBatch
        ? fc.oneof({ weight: 7, arbitrary: someSamples }, { weight: 1, arbitrary: fc.constant(0) })
        : someSamples,
      groups: fc.integer({ min: 1, max: 3 }),
      inPerGroup: fc.integer({ min: 1, max: 3 }),
      outPerGroup: fc.integer({ min: 1, max: 3 }),
      axes: fc.array(d <= 3 ? arbAxis : arbSmallAxis, { minLength: d, maxLength: d }),
      dtype: fc.constantFrom(...dtypes),
      bias: fc.boolean(),
      // The bias prefilled by the caller (accumulate) or handed to convForwardInto (set inside the backend's tasks).
      biasParam: fc.boolean(),
      keep: fc.boolean(),
      seed: fc.integer({ min: 1, max: 2 ** 30 }),
    }),
  );
}
export type ConvEngineCase = ReturnType<typeof arbConvEngineCase> extends fc.Arbitrary<infer T> ? T : never;

/**
 * A 2-D float32 layer with a bias and kept columns, the same size on both axes (as LeNet-5's):
 * `[batch, Cin, Cout, size, kernel, padding]`, per group; `overrides` change any other field.
 */
export function squareConvCase(
  [batch, cIn, cOut, size, kernel, padding]: readonly [number, number, number, number, number, number],
  overrides: Partial<ConvEngineCase> = {},
): ConvEngineCase {
  return {
    dims: 2,
    dtype: 'float32',
    batch,
    groups: 1,
    inPerGroup: cIn,
    outPerGroup: cOut,
    bias: true,
    biasParam: true,
    keep: true,
    seed: batch,
    axes: [0, 1, 2].map(() => ({ size, kernel, stride: 1, dilation: 1, before: padding, after: padding })),
    ...overrides,
  };
}

/** `length` values in [-1, 1) from a seeded LCG, in the case's dtype. */
export function caseArray(c: ConvEngineCase, length: number, seed: number): FloatArray {
  const out = c.dtype === 'float32' ? new Float32Array(length) : new Float64Array(length);
  let s = seed >>> 0;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

export function planOfCase(c: ConvEngineCase): ConvPlan {
  const axes = c.axes.slice(0, c.dims);
  const geom = convGeometryOfAxes('conv', c.groups * c.inPerGroup, axes);
  return convPlan(c.batch, c.groups, c.groups * c.inPerGroup, c.groups * c.outPerGroup, geom);
}

export interface ConvEngineResult {
  y: FloatArray;
  gx: FloatArray;
  gw: FloatArray;
  gb: FloatArray;
}

/** Columns to keep for the weight gradient, and how to give them back. */
export type KeepColumns = (length: number) => { columns: FloatArray; give(): void };

/**
 * Forward (bias prefilled or handed over, columns kept or not), input gradient and weight gradient on
 * `kernel`; `abs` runs them on the inputs' absolute values (the rounding bound's Σ|terms|).
 */
export function runConvEngine(
  kernel: Gemm,
  c: ConvEngineCase,
  plan: ConvPlan,
  abs = false,
  keepColumns: KeepColumns = (length) => ({ columns: caseArray(c, length, 0), give() {} }),
): ConvEngineResult {
  setGemm(kernel);
  const f = (a: FloatArray) => (abs ? a.map(Math.abs) : a);
  const wSize = plan.cOut * (plan.cIn / plan.groups) * plan.kernelVolume;
  const x = f(caseArray(c, plan.batch * plan.cIn * plan.inPositions, c.seed));
  const w = f(caseArray(c, wSize, c.seed + 1));
  const gy = f(caseArray(c, plan.batch * plan.cOut * plan.outPositions, c.seed + 2));
  const bias = f(caseArray(c, plan.cOut, c.seed + 3));
  const y = caseArray(c, plan.batch * plan.cOut * plan.outPositions, 0);
  if (c.bias && !c.biasParam) fillChannelBias(y, bias, plan.batch, plan.cOut, plan.outPositions);
  else y.fill(Number.NaN); // must be overwritten
  const columns = plan.batch * plan.cIn * plan.kernelVolume * plan.outPositions;
  const keep = c.keep && !plan.direct ? keepColumns(columns) : null;
  convForwardInto(x, w, plan, y, c.bias && !c.biasParam, keep?.columns ?? null, c.bias && c.biasParam ? bias : null);
  const gx = caseArray(c, x.length, 0).fill(0);
  convAdjointInto(gy, w, plan, gx);
  const gw = caseArray(c, wSize, 0);
  const gb = caseArray(c, plan.cOut, 0);
  convWeightGradInto(x, gy, plan, gw, keep?.columns ?? null, gb);
  keep?.give();
  return { y, gx, gw, gb };
}

/** |actual − js| ≤ (terms + 2)·ε·Σ|terms| elementwise (ε of the dtype), Σ|terms| being the same conv of absolute values. */
export function expectWithinBound(
  name: string,
  actual: FloatArray,
  expected: FloatArray,
  bound: FloatArray,
  terms: number,
): void {
  const eps = actual instanceof Float32Array ? 2 ** -23 : 2 ** -52;
  for (let i = 0; i < expected.length; i++) {
    const tol = (terms + 2) * eps * bound[i]! + 1e-300;
    if (!(Math.abs(actual[i]! - expected[i]!) <= tol))
      expect.fail(`${name}[${i}]: ${actual[i]}, js ${expected[i]}, tolerance ${tol}`);
  }
}

/** Every result of a backend's run within the bound of the JS backend's. */
export function expectConvEngineClose(
  actual: ConvEngineResult,
  expected: ConvEngineResult,
  bound: ConvEngineResult,
  plan: ConvPlan,
): void {
  const rows = (plan.cIn / plan.groups) * plan.kernelVolume;
  expectWithinBound('y', actual.y, expected.y, bound.y, rows + 1);
  expectWithinBound('gx', actual.gx, expected.gx, bound.gx, (plan.cOut / plan.groups) * plan.kernelVolume);
  expectWithinBound('gw', actual.gw, expected.gw, bound.gw, plan.batch * plan.outPositions + 8);
  expectWithinBound('gb', actual.gb, expected.gb, bound.gb, plan.batch * plan.outPositions + 8);
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  convGeometry,
  convPlan,
  getBackendInfo,
  NativeGemm,
  type ConvGeometry,
  type ConvPlan,
  type GemmArray,
} from '@torchlet/tensor/kernels';
import { arbConvAxis, convGeometryOfAxes } from '@torchlet/tensor/testing';
import { naiveIm2col, seededArray } from '../helpers/reference-kernels.js';

// The native backend's capabilities (conv forward/adjoint/weight gradient: per-sample im2col/col2im +
// GEMM; the fused ReLU → max-pool and its backward; Adam) straight against definitions computed here
// in float64, within the rounding bound of the sums, in float32 and float64; and 1 thread against 3
// (every call split: minParallelFlops 0) bit for bit. The conv engine's use of them is tested in
// @torchlet/layers.
const available = getBackendInfo().native;
const one = available ? new NativeGemm({ threads: 1 }) : null;
const three = available ? new NativeGemm({ threads: 3, minParallelFlops: 0 }) : null;

type DType = 'float32' | 'float64';
const EPS = { float32: 2 ** -24, float64: 2 ** -53 };
const make = (dtype: DType, n: number) => (dtype === 'float32' ? new Float32Array(n) : new Float64Array(n));

// Smaller axes for more of them, so that a case stays about as large as a 2-D one.
const arbAxis = [
  arbConvAxis({ size: [1, 9], kernel: [1, 4] }),
  arbConvAxis({ size: [1, 5], kernel: [1, 3] }),
  arbConvAxis({ size: [1, 4], kernel: [1, 2] }),
  arbConvAxis({ size: [1, 3], kernel: [1, 2] }),
];
const axisOf = (dims: number) => arbAxis[Math.max(0, dims - 2)]!;

// 1-D to 5-D (3-D and up: the same kernels walking the leading axes), batch 0 about one case in ten.
const arbCase = fc.constantFrom(1, 2, 2, 3, 3, 4, 5).chain((dims) =>
  fc.record({
    dims: fc.constant(dims),
    batch: fc.oneof(
      { weight: 1, arbitrary: fc.constant(0) },
      { weight: 5, arbitrary: fc.integer({ min: 1, max: 4 }) },
      { weight: 4, arbitrary: fc.integer({ min: 9, max: 19 }) },
    ),
    groups: fc.integer({ min: 1, max: 3 }),
    inPerGroup: fc.integer({ min: 1, max: 3 }),
    outPerGroup: fc.integer({ min: 1, max: 4 }),
    axes: fc.array(axisOf(dims), { minLength: dims, maxLength: dims }),
    dtype: fc.constantFrom<DType>('float32', 'float64'),
    bias: fc.boolean(),
    keep: fc.boolean(),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  }),
);
type Case = typeof arbCase extends fc.Arbitrary<infer T> ? T : never;

interface Setup {
  geom: ConvGeometry;
  plan: ConvPlan;
  cIn: number;
  cOut: number;
  rowsG: number;
  positions: number;
  x: GemmArray;
  w: GemmArray;
  gy: GemmArray;
  bias: GemmArray;
}

function setup(c: Case): Setup {
  const axes = c.axes.slice(0, c.dims);
  const cIn = c.groups * c.inPerGroup;
  const geom = convGeometryOfAxes('test', cIn, axes);
  const kernelVolume = geom.kernelSize.reduce((a, b) => a * b, 1);
  const positions = geom.outputSize.reduce((a, b) => a * b, 1);
  const cOut = c.groups * c.outPerGroup;
  const inSize = cIn * geom.inputSize.reduce((a, b) => a * b, 1);
  const rowsG = c.inPerGroup * kernelVolume;
  return {
    geom,
    plan: convPlan(c.batch, c.groups, cIn, cOut, geom),
    cIn,
    cOut,
    rowsG,
    positions,
    x: seededArray(c.batch * inSize, c.seed, c.dtype),
    w: seededArray(cOut * rowsG, c.seed + 1, c.dtype),
    gy: seededArray(c.batch * cOut * positions, c.seed + 2, c.dtype),
    bias: seededArray(cOut, c.seed + 3, c.dtype),
  };
}

/** The three products from the definition in float64, with Σ|terms| of each output for the bound. */
function reference(c: Case, s: Setup) {
  const { cOut, rowsG, positions: p } = s;
  const inSize = s.x.length / c.batch;
  const cOutG = cOut / c.groups;
  const y = new Float64Array(c.batch * cOut * p);
  const yAbs = new Float64Array(y.length);
  const gx = new Float64Array(s.x.length);
  const gxAbs = new Float64Array(s.x.length);
  const gw = new Float64Array(s.w.length);
  const gwAbs = new Float64Array(s.w.length);
  const gb = new Float64Array(cOut);
  for (let n = 0; n < c.batch; n++) {
    const cols = naiveIm2col(s.x.subarray(n * inSize, (n + 1) * inSize), s.geom);
    // The index in x each column entry read (-1: padding), for the adjoint.
    const where = naiveIm2col(
      Array.from({ length: inSize }, (_, i) => i + 1),
      s.geom,
    ).map((i) => i - 1);
    const colsGrad = new Float64Array(cols.length);
    const colsGradAbs = new Float64Array(cols.length);
    for (let o = 0; o < cOut; o++) {
      const g = Math.floor(o / cOutG);
      for (let q = 0; q < p; q++) {
        const at = (n * cOut + o) * p + q;
        let sum = c.bias ? s.bias[o]! : 0;
        let abs = Math.abs(sum);
        const gyv = s.gy[at]!;
        gb[o] = gb[o]! + gyv;
        for (let r = 0; r < rowsG; r++) {
          const wv = s.w[o * rowsG + r]!;
          const cv = cols[(g * rowsG + r) * p + q]!;
          sum += wv * cv;
          abs += Math.abs(wv * cv);
          const k = (g * rowsG + r) * p + q;
          colsGrad[k] = colsGrad[k]! + wv * gyv;
          colsGradAbs[k] = colsGradAbs[k]! + Math.abs(wv * gyv);
          gw[o * rowsG + r] = gw[o * rowsG + r]! + gyv * cv;
          gwAbs[o * rowsG + r] = gwAbs[o * rowsG + r]! + Math.abs(gyv * cv);
        }
        y[at] = sum;
        yAbs[at] = abs;
      }
    }
    where.forEach((i, k) => {
      if (i >= 0) {
        gx[n * inSize + i] = gx[n * inSize + i]! + colsGrad[k]!;
        gxAbs[n * inSize + i] = gxAbs[n * inSize + i]! + colsGradAbs[k]!;
      }
    });
  }
  const gbAbs = new Float64Array(cOut);
  for (let i = 0; i < s.gy.length; i++) {
    const o = Math.floor(i / p) % cOut;
    gbAbs[o] = gbAbs[o]! + Math.abs(s.gy[i]!);
  }
  return { y, yAbs, gx, gxAbs, gw, gwAbs, gb, gbAbs };
}

function run(kernel: NativeGemm, c: Case, s: Setup) {
  const { plan, cOut, positions } = s;
  const y = make(c.dtype, c.batch * cOut * positions).fill(Number.NaN); // must be overwritten
  const keep = c.keep ? make(c.dtype, c.batch * s.cIn * plan.kernelVolume * positions) : null;
  const conv = kernel.conv;
  const bias = c.bias ? s.bias : null;
  const ran: (number | boolean)[] = [conv.forward({ plan, x: s.x, w: s.w, y, accumulate: false, bias, keep })];
  const gx = make(c.dtype, s.x.length);
  ran.push(conv.adjoint({ plan, y: s.gy, w: s.w, x: gx }));
  const gw = make(c.dtype, s.w.length);
  const gb = make(c.dtype, cOut);
  ran.push(conv.weightGrad({ plan, x: s.x, y: s.gy, gw, kept: keep, gb }));
  // An empty batch's weight gradient is declined (the conv engine writes its zeros itself).
  expect(ran).toEqual([c.batch, c.batch, c.batch > 0]);
  return { y, gx, gw, gb };
}

/** |actual − exact| ≤ (terms + 2)·eps·Σ|terms|, elementwise. */
function expectWithin(
  name: string,
  actual: GemmArray,
  exact: Float64Array,
  abs: Float64Array,
  terms: number,
  eps: number,
) {
  for (let i = 0; i < exact.length; i++) {
    const tol = (terms + 2) * eps * abs[i]! + 1e-300;
    if (!(Math.abs(actual[i]! - exact[i]!) <= tol))
      expect.fail(`${name}[${i}]: native ${actual[i]}, exact ${exact[i]}, tolerance ${tol}`);
  }
}

describe.runIf(available)('native conv kernels', () => {
  it('match the definition (strides, padding, dilation, groups, 1-D to 5-D, batch 0, float32 and float64), bit-identical on 1 and 3 threads', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const s = setup(c);
        const single = run(one!, c, s);
        const split = run(three!, c, s);
        expect(split).toEqual(single);
        const exact = reference(c, s);
        const eps = EPS[c.dtype];
        expectWithin('y', single.y, exact.y, exact.yAbs, s.rowsG + 1, eps);
        expectWithin('gx', single.gx, exact.gx, exact.gxAbs, (s.cOut / c.groups) * (s.rowsG / c.inPerGroup), eps);
        if (c.batch === 0) return;
        expectWithin('gw', single.gw, exact.gw, exact.gwAbs, c.batch * s.positions + 8, eps);
        expectWithin('gb', single.gb, exact.gb, exact.gbAbs, c.batch * s.positions + 8, eps);
      }),
      { numRuns: 160 },
    );
  });

  it('a 3-D conv: the same bits on 1, 2, 3 and 4 threads (GEMM tiles across samples, both adjoint paths, the weight gradient partitions), close to the definition', () => {
    // cIn 16 ≥ cOut 8 takes the flipped-weights adjoint (stride 1), stride 2 the columns and col2im;
    // 2 samples are fewer than the threads (each GEMM split), 11 more (a task per sample, 8 partitions);
    // 16·27 = 432 rows are two k blocks, and 120 positions a sample put GEMM tiles across samples.
    const kernels = [1, 2, 3, 4].map((threads) => new NativeGemm({ threads, minParallelFlops: 0 }));
    for (const [batch, stride, dtype] of [
      [2, 1, 'float32'],
      [11, 2, 'float32'],
      [11, 1, 'float64'],
    ] as const) {
      const c: Case = {
        dims: 3,
        batch,
        groups: 1,
        inPerGroup: 16,
        outPerGroup: 8,
        axes: [4, 5, 6].map((size) => ({ size, kernel: 3, stride, dilation: 1, before: 1, after: 1 })),
        dtype,
        bias: true,
        keep: batch === 11,
        seed: 3 + batch,
      };
      const s = setup(c);
      const [first, ...rest] = kernels.map((kernel) => run(kernel, c, s));
      for (const other of rest) expect(other).toEqual(first);
      const exact = reference(c, s);
      const eps = EPS[dtype];
      expectWithin('y', first!.y, exact.y, exact.yAbs, s.rowsG + 1, eps);
      expectWithin('gx', first!.gx, exact.gx, exact.gxAbs, 8 * 27, eps);
      expectWithin('gw', first!.gw, exact.gw, exact.gwAbs, batch * s.positions + 8, eps);
    }
  });

  it('a large layer (GEMM blocks past KC and MC inside the per-sample tasks, and split GEMMs for a batch of 1)', () => {
    for (const batch of [1, 5]) {
      const c: Case = {
        dims: 2,
        batch,
        groups: 1,
        inPerGroup: 40,
        outPerGroup: 100,
        axes: [0, 1].map(() => ({ size: 12, kernel: 3, stride: 1, dilation: 1, before: 1, after: 1 })),
        dtype: 'float32',
        bias: true,
        keep: batch === 5,
        seed: 7,
      };
      const s = setup(c);
      const single = run(one!, c, s);
      expect(run(three!, c, s)).toEqual(single);
      const exact = reference(c, s);
      expectWithin('y', single.y, exact.y, exact.yAbs, s.rowsG + 1, EPS.float32);
      expectWithin('gx', single.gx, exact.gx, exact.gxAbs, 100 * 9, EPS.float32);
      expectWithin('gw', single.gw, exact.gw, exact.gwAbs, batch * s.positions + 8, EPS.float32);
    }
  });
});

describe.runIf(available)('native direct conv kernels (few output channels, stride and dilation 1)', () => {
  // The class conv-direct.h takes (keepsColumns says no for it): output channels in the vector lanes,
  // 1 to 16 of them (two vectors of float64 with AVX-512), kernels up to 8 wide, asymmetric padding.
  const arbDirect = fc
    .constantFrom(1, 2, 2)
    .chain((dims) =>
      fc.record({
        dims: fc.constant(dims),
        batch: fc.integer({ min: 1, max: 19 }),
        groups: fc.constant(1),
        inPerGroup: fc.integer({ min: 1, max: 4 }),
        outPerGroup: fc.integer({ min: 1, max: 16 }),
        axes: fc.array(
          arbConvAxis({ size: [1, 13], kernel: [1, 8], stride: [1, 1], dilation: [1, 1], padding: [0, 3] }),
          { minLength: dims, maxLength: dims },
        ),
        dtype: fc.constantFrom<DType>('float32', 'float64'),
        bias: fc.boolean(),
        keep: fc.constant(false),
        seed: fc.integer({ min: 1, max: 2 ** 30 }),
      }),
    )
    .filter((c) => c.axes.reduce((taps, a) => taps * a.kernel, 1) >= 2);
  // Sprinkled into x: NaN, zeros of both signs and repeated values reach the pooling's ties and NaN rule.
  const special = [0, -0, 1, 1, Number.NaN, -2];

  it('match the definition (forward, bias and weight gradients; float32 and float64), bit-identical on 1 and 3 threads', () => {
    fc.assert(
      fc.property(arbDirect, (c) => {
        const s = setup(c);
        expect(one!.conv.keepsColumns!(s.plan)).toBe(false);
        const single = run(one!, c, s);
        expect(run(three!, c, s)).toEqual(single);
        const exact = reference(c, s);
        const eps = EPS[c.dtype];
        expectWithin('y', single.y, exact.y, exact.yAbs, s.rowsG + 1, eps);
        expectWithin('gx', single.gx, exact.gx, exact.gxAbs, s.cOut * (s.rowsG / c.inPerGroup), eps);
        expectWithin('gw', single.gw, exact.gw, exact.gwAbs, c.batch * s.positions + 8, eps);
        expectWithin('gb', single.gb, exact.gb, exact.gbAbs, c.batch * s.positions + 8, eps);
      }),
      { numRuns: 120 },
    );
  });

  it('the fused ReLU → max-pool pools the unfused forward’s y exactly (ties, ±0, NaN), on 1 and 3 threads', () => {
    const pooledCase = arbDirect.filter((c) =>
      convGeometryOfAxes('test', c.inPerGroup, c.axes).outputSize.every((size) => size >= 2),
    );
    fc.assert(
      fc.property(pooledCase, fc.boolean(), (c, sprinkle) => {
        const s = setup(c);
        if (sprinkle) for (let i = 0; i < s.x.length; i += 3) s.x[i] = special[(i / 3) % special.length]!;
        const bias = c.bias ? s.bias : null;
        const size = s.geom.outputSize;
        const windowRows = size.length === 2 ? 2 : 1;
        const h = windowRows === 2 ? size[0]! : 1;
        const w = size[size.length - 1]!;
        const perSample = s.cOut * Math.floor(h / windowRows) * (w >> 1);
        const y = make(c.dtype, c.batch * s.cOut * s.positions);
        expect(one!.conv.forward({ plan: s.plan, x: s.x, w: s.w, y, accumulate: false, bias, keep: null })).toBe(
          c.batch,
        );
        const ref = reluMaxPoolRef(y, c.batch * s.cOut, h, w, windowRows);
        for (const kernel of [one!, three!]) {
          const pooled = make(c.dtype, perSample * c.batch);
          const indices = new Int32Array(perSample * c.batch).fill(-1);
          const ran = kernel.convReluMaxPool.forward({
            plan: s.plan,
            x: s.x as Float32Array,
            w: s.w as Float32Array,
            bias: bias as Float32Array | null,
            y: make(c.dtype, y.length) as Float32Array,
            keep: null,
            pooled: pooled as Float32Array,
            indices,
          });
          expect(ran).toBe(c.batch);
          expect(Array.from(pooled)).toEqual(ref.pooled);
          expect(Array.from(indices)).toEqual(ref.indices);
        }
      }),
      { numRuns: 120 },
    );
  });
});

/** maxPool(relu(y), windowRows×2) with indices as the JS kernels compute it: relu on the bits, first maximum in scan order, NaN wins. */
function reluMaxPoolRef(y: GemmArray, planes: number, h: number, w: number, windowRows: number) {
  const relu = y.map((v) => (v < 0 || Object.is(v, -0) ? 0 : v));
  const pooled: number[] = [];
  const indices: number[] = [];
  for (let plane = 0; plane < planes; plane++) {
    for (let oh = 0; oh < Math.floor(h / windowRows); oh++) {
      for (let ow = 0; ow < w >> 1; ow++) {
        let best = -Infinity;
        let at = 0;
        for (let t = 0; t < windowRows * 2; t++) {
          const i = (oh * windowRows + (t >> 1)) * w + 2 * ow + (t & 1);
          const v = relu[plane * h * w + i]!;
          if (v > best || v !== v) {
            best = v;
            at = i;
          }
        }
        pooled.push(best);
        indices.push(at);
      }
    }
  }
  return { relu, pooled, indices };
}

describe.runIf(available)('native fused conv → ReLU → max-pool', () => {
  // A 1×1 conv with weight 1 passes y = x through exactly, so the epilogue sees chosen values: ties,
  // zeros of both signs, NaN, odd sizes (the last row/column dropped, floor mode).
  const special = [0, -0, 1, -1, 2, 2, Number.NaN, 0.5, -3, 1e-30];
  const arbPool = fc.record({
    windowRows: fc.constantFrom<1 | 2>(1, 2),
    h: fc.integer({ min: 2, max: 7 }),
    w: fc.integer({ min: 2, max: 9 }),
    planes: fc.integer({ min: 1, max: 3 }),
    batch: fc.integer({ min: 1, max: 5 }),
    dtype: fc.constantFrom<DType>('float32', 'float64'),
    picks: fc.array(fc.integer({ min: 0, max: special.length - 1 }), { minLength: 700, maxLength: 700 }),
  });

  it('pools relu(conv) with the JS kernels’ indices and values, and its backward scatters as max-pool then relu would', () => {
    fc.assert(
      fc.property(arbPool, (p) => {
        const h = p.windowRows === 1 ? 1 : p.h;
        const size = p.batch * p.planes * h * p.w;
        const x = make(p.dtype, size);
        for (let i = 0; i < size; i++) x[i] = special[p.picks[i % p.picks.length]!]!;
        const perSample = p.planes * Math.floor(h / p.windowRows) * (p.w >> 1);
        // Each plane a 1×1 conv of the one input channel with weight 1: y = x, then relu and the pool.
        const plan = convPlan(
          p.batch,
          1,
          1,
          p.planes,
          convGeometry('test', {
            channels: 1,
            inputSize: p.windowRows === 2 ? [h, p.w] : [p.w],
            kernelSize: p.windowRows === 2 ? [1, 1] : [1],
          }),
        );
        const results = [one!, three!].map((kernel) => {
          const y = make(p.dtype, size);
          const pooled = make(p.dtype, p.batch * perSample + 3).fill(7);
          const indices = new Int32Array(p.batch * perSample + 3).fill(-5);
          const ran = kernel.convReluMaxPool.forward({
            plan,
            x: x.subarray(0, p.batch * h * p.w) as Float32Array,
            w: make(p.dtype, p.planes).fill(1) as Float32Array,
            bias: null,
            y: y as Float32Array,
            keep: null,
            pooled: pooled.subarray(3) as Float32Array,
            indices: indices.subarray(3),
          });
          expect(ran).toBe(p.batch);
          return { y, pooled, indices };
        });
        expect(results[1]).toEqual(results[0]);
        const { y, pooled, indices } = results[0]!;
        // y[n, plane] = 1·x[n] (the same input plane for every output channel).
        const planeOf = (n: number) => x.subarray(n * h * p.w, (n + 1) * h * p.w);
        const expectedY = make(p.dtype, size);
        for (let n = 0; n < p.batch; n++)
          for (let c = 0; c < p.planes; c++) expectedY.set(planeOf(n), (n * p.planes + c) * h * p.w);
        const ref = reluMaxPoolRef(expectedY, p.batch * p.planes, h, p.w, p.windowRows);
        expect(Array.from(y)).toEqual(Array.from(ref.relu));
        expect(Array.from(pooled.subarray(3))).toEqual(
          ref.pooled.map((v) => (p.dtype === 'float32' ? Math.fround(v) : v)),
        );
        expect(Array.from(indices.subarray(3))).toEqual(ref.indices);
        expect(Array.from(pooled.subarray(0, 3))).toEqual([7, 7, 7]);

        // Backward: +0 everywhere but at each window's maximum with a pooled value > 0 (bits), which gets 0 + g.
        const gradPooled = seededArray(p.batch * perSample, 5, p.dtype);
        const backs = [one!, three!].map((kernel) => {
          const gradY = make(p.dtype, size).fill(Number.NaN);
          const ran = kernel.convReluMaxPool.backward({
            plan,
            gradPooled: gradPooled as Float32Array,
            pooled: pooled.subarray(3) as Float32Array,
            indices: indices.subarray(3),
            gradY: gradY as Float32Array,
          });
          expect(ran).toBe(true);
          return gradY;
        });
        expect(backs[1]).toEqual(backs[0]);
        const expected = make(p.dtype, size);
        const perPlane = perSample / p.planes;
        ref.pooled.forEach((v, o) => {
          // The NaN here is JS's, whose sign bit is clear: its bits read as a positive integer.
          if (v > 0 || v !== v) expected[Math.floor(o / perPlane) * h * p.w + ref.indices[o]!] = 0 + gradPooled[o]!;
        });
        expect(Array.from(backs[0]!)).toEqual(Array.from(expected));
      }),
      { numRuns: 150 },
    );
  });
});

describe.runIf(available)('native Adam step', () => {
  /** The JS loop of @torchlet/layers' plainAdam. */
  function adamJs(param: GemmArray, grad: GemmArray, m: GemmArray, v: GemmArray, c: Record<string, number>) {
    for (let i = 0; i < grad.length; i++) {
      const g = c.sign! * grad[i]!;
      m[i] = c.beta1! * m[i]! + (1 - c.beta1!) * g;
      v[i] = c.beta2! * v[i]! + (1 - c.beta2!) * g * g;
      param[i] = param[i]! - c.stepSize! * (m[i]! / (Math.sqrt(v[i]!) / c.bias2Sqrt! + c.eps!));
    }
  }

  it('gives the JS loop’s bits in float32 and float64, on 1 and 3 threads, large and small', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const count of [5, 20_001]) {
        const constants = {
          sign: -1,
          beta1: 0.9,
          beta2: 0.999,
          stepSize: 1e-3 / (1 - 0.9 ** 3),
          bias2Sqrt: Math.sqrt(1 - 0.999 ** 3),
          eps: 1e-8,
        };
        const start = () => ({
          param: seededArray(count + 2, 1, dtype),
          grad: seededArray(count, 2, dtype),
          m: seededArray(count, 3, dtype).map((x) => x * 0.1),
          v: seededArray(count, 4, dtype).map((x) => x * x * 0.01),
        });
        const ref = start();
        adamJs(ref.param.subarray(2), ref.grad, ref.m, ref.v, constants);
        for (const kernel of [one!, three!]) {
          const s = start();
          expect(kernel.optimizer.adam({ ...s, paramOffset: 2, ...constants })).toBe(true);
          expect(s.param).toEqual(ref.param);
          expect(s.m).toEqual(ref.m);
          expect(s.v).toEqual(ref.v);
        }
      }
    }
  });
});

describe.runIf(available)('native kernels decline what they do not run, and refuse bad arrays', () => {
  const geom = convGeometry('test', { channels: 2, inputSize: [4, 4], kernelSize: [3, 3], padding: 1 });
  const plan = convPlan(2, 1, 2, 3, geom);
  const call = () => ({
    plan,
    x: new Float32Array(2 * 2 * 16),
    w: new Float32Array(3 * 18),
    y: new Float32Array(2 * 3 * 16),
    accumulate: false,
    bias: null,
    keep: null,
  });

  it('declines mixed dtypes, and plans of more than 8 axes or a value of 2^31, touching nothing', () => {
    const c = { ...call(), w: new Float64Array(3 * 18) };
    c.y.fill(5);
    expect(one!.conv.forward(c)).toBe(0);
    expect(c.y.every((v) => v === 5)).toBe(true);
    const nine = convGeometry('test', { channels: 1, inputSize: Array(9).fill(1), kernelSize: 1, padding: 1 });
    const plan9 = convPlan(1, 1, 1, 1, nine);
    const y9 = new Float32Array(3 ** 9).fill(5);
    expect(one!.conv.forward({ ...call(), plan: plan9, x: new Float32Array(1), w: new Float32Array(1), y: y9 })).toBe(
      0,
    );
    expect(y9.every((v) => v === 5)).toBe(true);
    // A dilation of 2^31 whose window the padding 2^30 on either side holds: output [2, 2, 2].
    const far = convGeometry('test', {
      channels: 1,
      inputSize: [2, 2, 2],
      kernelSize: [1, 1, 2],
      dilation: [1, 1, 2 ** 31],
      padding: [0, 0, 2 ** 30],
    });
    expect(far.outputSize).toEqual([2, 2, 2]);
    const planFar = convPlan(1, 1, 1, 1, far);
    const yFar = new Float32Array(8).fill(5);
    expect(
      one!.conv.forward({ ...call(), plan: planFar, x: new Float32Array(8), w: new Float32Array(2), y: yFar }),
    ).toBe(0);
    expect(yFar.every((v) => v === 5)).toBe(true);
  });

  it('throws RangeError for an array shorter than the plan says, or an index outside its plane', () => {
    expect(() => one!.conv.forward({ ...call(), y: new Float32Array(95) })).toThrow(
      /convForward: an operand reaches outside its array/,
    );
    expect(() =>
      one!.conv.adjoint({ plan, y: new Float32Array(96), w: new Float32Array(54), x: new Float32Array(63) }),
    ).toThrow(/convAdjoint: an operand/);
    expect(() =>
      one!.conv.weightGrad({
        plan,
        x: new Float32Array(64),
        y: new Float32Array(96),
        gw: new Float32Array(54),
        kept: new Float32Array(10),
        gb: null,
      }),
    ).toThrow(/convWeightGrad: an operand/);
    expect(() =>
      one!.convReluMaxPool.backward({
        plan,
        gradPooled: new Float32Array(24),
        pooled: new Float32Array(24).fill(1),
        indices: new Int32Array(24).fill(16),
        gradY: new Float32Array(96),
      }),
    ).toThrow(/an index lies outside its plane/);
  });
});

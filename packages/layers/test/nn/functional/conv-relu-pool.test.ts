import { arbConvAxis } from '@torchlet/layers/testing';
import { randn, relu, Variable } from '@torchlet/autograd';
import {
  convGeometry,
  convPlan,
  Generator,
  jsGemm,
  setGemm,
  Tensor,
  WasmGemm,
  type Backend,
  type Gemm,
} from '@torchlet/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maxPoolReluBackwardJs, reluMaxPoolJs } from '../../../src/nn/functional/conv-relu-pool.js';
import {
  conv1d,
  conv1dReluMaxPool1d,
  conv2d,
  conv2dReluMaxPool2d,
  maxPool1d,
  maxPool2d,
} from '../../../src/nn/functional/index.js';
import { nativeKernelsForFile } from '../../helpers/native-kernels.js';
import { wasmKernelsForFile } from '../../helpers/wasm-kernels.js';

// The fused Conv2d → ReLU → MaxPool2d(2) and Conv1d → ReLU → MaxPool1d(2) ops against the three ops
// run one by one: the same bits, in the output and in every gradient, under the WebAssembly backend on 1 and on 3 threads (minParallelFlops
// 0 sends even tiny batches to the pool), and under the JS backend (where it runs the three ops).
const { wasm1, wasm3 } = wasmKernelsForFile();
const native = nativeKernelsForFile();

// The conv output must be at least 2 long for a 2×2 pool.
const arbAxis = arbConvAxis({
  size: [2, 13],
  kernel: [1, 5],
  stride: [1, 2],
  dilation: [1, 2],
  padding: [0, 2],
  symmetric: true,
  minOutput: 2,
});

const arbCase = fc.record({
  dims: fc.constantFrom(1, 2),
  batch: fc.integer({ min: 1, max: 11 }),
  groups: fc.integer({ min: 1, max: 2 }),
  inPerGroup: fc.integer({ min: 1, max: 3 }),
  outPerGroup: fc.integer({ min: 1, max: 3 }),
  rows: arbAxis,
  cols: arbAxis,
  bias: fc.boolean(),
  inputGrad: fc.boolean(),
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
});
type Case = typeof arbCase extends fc.Arbitrary<infer T> ? T : never;

interface Run {
  out: Tensor;
  gx: Tensor | null;
  gw: Tensor;
  gb: Tensor | null;
}

function run(c: Case, fused: boolean): Run {
  const g = new Generator(c.seed);
  const cIn = c.groups * c.inPerGroup;
  const cOut = c.groups * c.outPerGroup;
  // A 1-D case uses the column axis only.
  const axes = c.dims === 2 ? [c.rows, c.cols] : [c.cols];
  const x = randn([c.batch, cIn, ...axes.map((a) => a.size)], { generator: g, requiresGrad: c.inputGrad });
  const w = randn([cOut, c.inPerGroup, ...axes.map((a) => a.kernel)], { generator: g, requiresGrad: true });
  const b = c.bias ? randn([cOut], { generator: g, requiresGrad: true }) : null;
  const options = {
    stride: axes.map((a) => a.stride),
    padding: axes.map((a) => a.before),
    dilation: axes.map((a) => a.dilation),
    groups: c.groups,
  };
  const out =
    c.dims === 2
      ? fused
        ? conv2dReluMaxPool2d(x, w, b, options)
        : maxPool2d(relu(conv2d(x, w, b, options)), 2)
      : fused
        ? conv1dReluMaxPool1d(x, w, b, options)
        : maxPool1d(relu(conv1d(x, w, b, options)), 2);
  out.backward(randn(out.shape, { generator: g }).data);
  return { out: out.data, gx: c.inputGrad ? x.grad! : null, gw: w.grad!, gb: b ? b.grad! : null };
}

function expectSameBits(actual: Tensor | null, expected: Tensor | null, what: string): void {
  expect(actual === null, what).toBe(expected === null);
  if (actual === null || expected === null) return;
  expect(actual.shape, what).toEqual(expected.shape);
  const a = new Int32Array((actual.toTypedArray() as Float32Array).buffer);
  const e = new Int32Array((expected.toTypedArray() as Float32Array).buffer);
  for (let i = 0; i < a.length; i++)
    if (a[i] !== e[i])
      expect.fail(`${what}[${i}]: fused ${actual.toTypedArray()[i]}, three ops ${expected.toTypedArray()[i]}`);
}

function expectSameRun(fused: Run, plain: Run): void {
  expectSameBits(fused.out, plain.out, 'output');
  expectSameBits(fused.gx, plain.gx, 'input gradient');
  expectSameBits(fused.gw, plain.gw, 'weight gradient');
  expectSameBits(fused.gb, plain.gb, 'bias gradient');
}

describe('conv2dReluMaxPool2d and conv1dReluMaxPool1d', () => {
  for (const [name, kernel] of [
    ['wasm, 1 thread', wasm1],
    ['wasm, 3 threads', wasm3],
    ['js', jsGemm],
    ...(native === null
      ? []
      : [
          ['native, 1 thread', native.native1],
          ['native, 3 threads', native.native3],
        ]),
  ] as [string, Gemm][]) {
    it(`give the bits of maxPool(relu(conv(...)), 2), forward and backward (${name})`, () => {
      fc.assert(
        fc.property(arbCase, (c) => {
          setGemm(kernel);
          expectSameRun(run(c, true), run(c, false));
        }),
        { numRuns: 60 },
      );
    });
  }

  it('runs as one op under the wasm backend and as three under the JS one', () => {
    const x = randn([2, 1, 8, 8], { generator: new Generator(1) });
    const w = randn([3, 1, 3, 3], { generator: new Generator(2), requiresGrad: true });
    setGemm(wasm1);
    expect(conv2dReluMaxPool2d(x, w, null, { padding: 1 }).gradFn?.name).toBe('convReluMaxPool');
    const w1 = randn([3, 1, 3], { generator: new Generator(3), requiresGrad: true });
    expect(conv1dReluMaxPool1d(randn([2, 1, 8]), w1, null).gradFn?.name).toBe('convReluMaxPool');
    setGemm(jsGemm);
    expect(conv1dReluMaxPool1d(randn([2, 1, 8]), w1, null).gradFn?.name).toBe('maxPool');
    expect(conv2dReluMaxPool2d(x, w, null, { padding: 1 }).gradFn?.name).toBe('maxPool');
    // float64 and an unbatched input also take the three ops.
    setGemm(wasm1);
    const w64 = randn([3, 1, 3, 3], { dtype: 'float64', generator: new Generator(2), requiresGrad: true });
    expect(conv2dReluMaxPool2d(randn([2, 1, 8, 8], { dtype: 'float64' }), w64, null).gradFn?.name).toBe('maxPool');
    expect(conv2dReluMaxPool2d(randn([1, 8, 8]), w, null).gradFn?.name).toBe('maxPool');
    expect(conv1dReluMaxPool1d(randn([1, 8]), w1, null).gradFn?.name).toBe('maxPool');
  });

  it("keeps max pooling's tie and NaN rules: the first maximum wins, a NaN wins, all-negative windows pick their first", () => {
    // A 1×1 identity conv, so the pooled windows are the input's own values.
    const x = new Tensor(Float32Array.from([-1, -2, 3, 3, NaN, 1, -3, -4, 3, 3, 2, 1]), [1, 1, 2, 6]);
    const w = new Variable(new Tensor(Float32Array.of(1), [1, 1, 1, 1]), { requiresGrad: true });
    for (const kernel of [wasm1, jsGemm]) {
      setGemm(kernel);
      const xv = new Variable(x, { requiresGrad: true });
      const out = conv2dReluMaxPool2d(xv, w, null);
      expect(Array.from(out.data.toTypedArray())).toEqual([0, 3, NaN]);
      out.backward(new Tensor(Float32Array.of(5, 6, 7), [1, 1, 1, 3]));
      // Only the window whose maximum is > 0 (or NaN) passes its gradient, to that maximum.
      expect(Array.from(xv.grad!.toTypedArray())).toEqual([0, 0, 6, 0, 7, 0, 0, 0, 0, 0, 0, 0]);
    }
  });

  it('matches the three ops on NaN, -NaN, ±0 and ties wherever they sit (vector lanes and the scalar tail)', () => {
    const specials = [NaN, -NaN, 0, -0, 1, 1, -1, 2];
    for (const kernel of [wasm3, ...(native === null ? [] : [native.native3])]) {
      fc.assert(
        fc.property(
          fc.constantFrom(1, 2),
          fc.integer({ min: 2, max: 21 }),
          fc.integer({ min: 2, max: 5 }),
          fc.integer(),
          (dims, width, height, seed) => {
            const g = new Generator(seed);
            const spatial = dims === 2 ? [height, width] : [width];
            const values = randn([2, 1, ...spatial], { generator: g }).data.toTypedArray() as Float32Array;
            // About half the values special: NaN of both signs, signed zeros and repeated maxima.
            const picks = randn([values.length], { generator: g }).data.toTypedArray();
            for (let i = 0; i < values.length; i++)
              if (picks[i]! > 0) values[i] = specials[Math.floor(Math.abs(picks[i]! * 1e4)) % specials.length]!;
            const x = new Tensor(values, [2, 1, ...spatial]);
            const one = new Tensor(Float32Array.of(1), [1, 1, ...spatial.map(() => 1)]);
            const gradOut = randn([2, 1, ...spatial.map((l) => l >> 1)], { generator: g }).data;
            const results = [true, false].map((fused) => {
              setGemm(kernel);
              const xv = new Variable(x, { requiresGrad: true });
              const out =
                dims === 2
                  ? fused
                    ? conv2dReluMaxPool2d(xv, one, null)
                    : maxPool2d(relu(conv2d(xv, one, null)), 2)
                  : fused
                    ? conv1dReluMaxPool1d(xv, one, null)
                    : maxPool1d(relu(conv1d(xv, one, null)), 2);
              out.backward(gradOut);
              return { out: out.data, gx: xv.grad! };
            });
            expectSameBits(results[0]!.out, results[1]!.out, 'output');
            expectSameBits(results[0]!.gx, results[1]!.gx, 'input gradient');
          },
        ),
        { numRuns: 100 },
      );
    }
  });

  it('drops an odd last row and column, as maxPool2d in floor mode', () => {
    const x = randn([3, 2, 9, 7], { generator: new Generator(3) });
    const w = randn([4, 2, 2, 2], { generator: new Generator(4) });
    setGemm(wasm3);
    const out = conv2dReluMaxPool2d(x, w, null); // conv output [3, 4, 8, 6]
    expect(out.shape).toEqual([3, 4, 4, 3]);
    expectSameBits(out.data, maxPool2d(relu(conv2d(x, w, null)), 2).data, 'output');
  });

  it("reports the conv's errors, and max pooling's when the conv output is smaller than the window", () => {
    setGemm(wasm1);
    expect(() => conv2dReluMaxPool2d(randn([1, 2, 8, 8]), randn([3, 1, 3, 3]), null)).toThrow(/conv2d.*channels/i);
    expect(() => conv2dReluMaxPool2d(randn([1, 1, 3, 3]), randn([3, 1, 3, 3]), null)).toThrow(/maxPool2d/);
    expect(() => conv1dReluMaxPool1d(randn([1, 2, 8]), randn([3, 1, 3]), null)).toThrow(/conv1d.*channels/i);
    expect(() => conv1dReluMaxPool1d(randn([1, 1, 3]), randn([3, 1, 3]), null)).toThrow(/maxPool1d/);
  });
});

describe('the JS fallbacks of the fused kernels', () => {
  it('take over, with the same bits, when the wasm memory has no room for the fused tasks', () => {
    // A backend whose conv and fused capabilities always find no room (as when the memory cannot grow).
    const wasm2 = new WasmGemm({ threads: 2, minParallelFlops: 0 });
    const noRoom: Backend = {
      ...wasm2,
      conv: { forward: () => 0, adjoint: () => 0, weightGrad: () => false },
      convReluMaxPool: { forward: () => 0, backward: () => false },
    };
    fc.assert(
      fc.property(arbCase, (c) => {
        setGemm(noRoom);
        expectSameRun(run(c, true), run(c, false));
      }),
      { numRuns: 25 },
    );
  });

  it("reluMaxPoolJs and maxPoolReluBackwardJs give the wasm kernels' bits, 2×2 and 1×2 windows", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 2),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 2, max: 9 }),
        fc.integer({ min: 2, max: 19 }),
        fc.integer(),
        (dims, n, c, rows, w, seed) => {
          const g = new Generator(seed);
          const windowRows = dims === 2 ? 2 : 1;
          const h = dims === 2 ? rows : 1;
          const y = randn([n, c, h, w], { generator: g }).data.toTypedArray() as Float32Array;
          const size = n * c * Math.floor(h / windowRows) * (w >> 1);
          const inputSize = dims === 2 ? [h, w] : [w];
          const plan = convPlan(
            n,
            1,
            1,
            c,
            convGeometry('conv', { channels: 1, inputSize, kernelSize: inputSize.map(() => 1) }),
          );
          const pooled = new Float32Array(size);
          const indices = new Int32Array(size);
          reluMaxPoolJs(Float32Array.from(y), plan, pooled, indices);
          // The wasm epilogue on the same y: a 1×1 conv of c channels with the identity weight.
          setGemm(wasm1);
          const eye = new Float32Array(c * c);
          for (let i = 0; i < c; i++) eye[i * c + i] = 1;
          const wasmPooled = new Float32Array(size);
          const wasmIndices = new Int32Array(size);
          const identity = convPlan(
            n,
            1,
            c,
            c,
            convGeometry('conv', { channels: c, inputSize, kernelSize: inputSize.map(() => 1) }),
          );
          const ran =
            wasm1.convReluMaxPool.forward({
              plan: identity,
              x: y,
              w: eye,
              bias: null,
              y: new Float32Array(y.length),
              keep: null,
              pooled: wasmPooled,
              indices: wasmIndices,
            }) === n;
          expect(ran).toBe(true);
          expect(Array.from(pooled)).toEqual(Array.from(wasmPooled));
          expect(Array.from(indices)).toEqual(Array.from(wasmIndices));
          const grad = randn([size], { generator: g }).data.toTypedArray() as Float32Array;
          const gyJs = new Float32Array(y.length).fill(NaN);
          maxPoolReluBackwardJs(grad, pooled, indices, n * c, h, w, windowRows, gyJs);
          const gyWasm = new Float32Array(y.length).fill(NaN);
          expect(
            wasm1.convReluMaxPool.backward({ plan: identity, gradPooled: grad, pooled, indices, gradY: gyWasm }),
          ).toBe(true);
          expect(Array.from(new Int32Array(gyJs.buffer))).toEqual(Array.from(new Int32Array(gyWasm.buffer)));
        },
      ),
      { numRuns: 40 },
    );
  });
});

import { arbConvAxis } from '@torchlet/layers/testing';
import { randn, relu } from '@torchlet/autograd';
import {
  convAdjointInto,
  convForwardInto,
  convGeometry,
  convPlan,
  convWeightGradInto,
  fillChannelBias,
  Generator,
  jsGemm,
  setGemm,
  type ConvPlan,
  type FloatArray,
  type Gemm,
} from '@torchlet/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Adam } from '../../../src/optim/adam.js';
import { conv2d, conv2dReluMaxPool2d, maxPool2d } from '../../../src/nn/functional/index.js';
import { Parameter } from '../../../src/nn/modules/parameter.js';
import { nativeKernelsForFile } from '../../helpers/native-kernels.js';

// The conv engine under the native backend (its conv capability: per-sample im2col/col2im + GEMM in
// C++, samples spread over the addon's threads; the weight and bias gradients in fixed sample
// partitions), float32 and float64, against the plain-JS backend within the rounding bound of the sums,
// and 1 thread against 3 bit for bit. minParallelFlops 0 makes even tiny batches go to the pool.
const kernels = nativeKernelsForFile();

const arbAxis = arbConvAxis({ size: [1, 11], kernel: [1, 5], stride: [1, 3], dilation: [1, 2], padding: [0, 2] });

const arbCase = fc.record({
  dims: fc.constantFrom(1, 2, 2, 3),
  batch: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 6, max: 19 })),
  groups: fc.integer({ min: 1, max: 3 }),
  inPerGroup: fc.integer({ min: 1, max: 3 }),
  outPerGroup: fc.integer({ min: 1, max: 3 }),
  axes: fc.array(arbAxis, { minLength: 3, maxLength: 3 }),
  dtype: fc.constantFrom<'float32' | 'float64'>('float32', 'float64'),
  bias: fc.boolean(),
  biasParam: fc.boolean(),
  keep: fc.boolean(),
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
});
type Case = typeof arbCase extends fc.Arbitrary<infer T> ? T : never;

function random(c: Case, length: number, seed: number): FloatArray {
  const out = c.dtype === 'float32' ? new Float32Array(length) : new Float64Array(length);
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

/** Forward (bias prefilled or handed over, columns kept or not), input gradient and weight gradient on `kernel`. */
function runAll(kernel: Gemm, c: Case, plan: ConvPlan, abs = false) {
  setGemm(kernel);
  const f = (a: FloatArray) => (abs ? a.map(Math.abs) : a);
  const wSize = plan.cOut * (plan.cIn / plan.groups) * plan.kernelVolume;
  const x = f(random(c, plan.batch * plan.cIn * plan.inPositions, c.seed));
  const w = f(random(c, wSize, c.seed + 1));
  const gy = f(random(c, plan.batch * plan.cOut * plan.outPositions, c.seed + 2));
  const bias = f(random(c, plan.cOut, c.seed + 3));
  const y = random(c, plan.batch * plan.cOut * plan.outPositions, 0);
  if (c.bias && !c.biasParam) fillChannelBias(y, bias, plan.batch, plan.cOut, plan.outPositions);
  else y.fill(Number.NaN); // must be overwritten
  const columns = plan.batch * plan.cIn * plan.kernelVolume * plan.outPositions;
  const keep = c.keep && !plan.direct ? random(c, columns, 0) : null;
  convForwardInto(x, w, plan, y, c.bias && !c.biasParam, keep, c.bias && c.biasParam ? bias : null);
  const gx = random(c, x.length, 0).fill(0);
  convAdjointInto(gy, w, plan, gx);
  const gw = random(c, wSize, 0);
  const gb = random(c, plan.cOut, 0);
  convWeightGradInto(x, gy, plan, gw, keep, gb);
  return { y, gx, gw, gb };
}

/** |native − js| ≤ (terms + 2)·eps·Σ|terms| elementwise, Σ|terms| being the same conv of absolute values. */
function expectClose(name: string, actual: FloatArray, expected: FloatArray, bound: FloatArray, terms: number) {
  const eps = actual instanceof Float32Array ? 2 ** -23 : 2 ** -52;
  for (let i = 0; i < expected.length; i++) {
    const tol = (terms + 2) * eps * bound[i]! + 1e-300;
    if (!(Math.abs(actual[i]! - expected[i]!) <= tol))
      expect.fail(`${name}[${i}]: native ${actual[i]}, js ${expected[i]}, tolerance ${tol}`);
  }
}

describe.runIf(kernels !== null)('conv on the native backend', () => {
  const { native1, native3 } = kernels!;

  it('matches the JS backend (strides, padding, dilation, groups; 1-D, 2-D, 3-D; float32 and float64) and is bit-identical on 1 and 3 threads', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const plan = planOf(c);
        const expected = runAll(jsGemm, c, plan);
        const bound = runAll(jsGemm, c, plan, true);
        const one = runAll(native1, c, plan);
        const three = runAll(native3, c, plan);
        expect(three).toEqual(one);
        const rows = (plan.cIn / plan.groups) * plan.kernelVolume;
        expectClose('y', one.y, expected.y, bound.y, rows + 1);
        expectClose('gx', one.gx, expected.gx, bound.gx, (plan.cOut / plan.groups) * plan.kernelVolume);
        expectClose('gw', one.gw, expected.gw, bound.gw, plan.batch * plan.outPositions + 8);
        expectClose('gb', one.gb, expected.gb, bound.gb, plan.batch * plan.outPositions + 8);
      }),
      { numRuns: 150 },
    );
  });

  it('LeNet-5-sized layers: same bits on 1 and 3 threads, with kept columns or remade ones, close to JS', () => {
    const layers = [
      [20, 1, 6, 28, 5, 2],
      [7, 6, 16, 14, 5, 0],
      [9, 5, 24, 7, 3, 0],
    ] as const;
    for (const [batch, cIn, cOut, size, k, pad] of layers) {
      const c: Case = {
        dims: 2,
        batch,
        groups: 1,
        inPerGroup: cIn,
        outPerGroup: cOut,
        dtype: 'float32',
        bias: true,
        biasParam: true,
        keep: true,
        seed: batch,
        axes: [0, 1, 2].map(() => ({ size, kernel: k, stride: 1, dilation: 1, before: pad, after: pad })),
      };
      const plan = planOf(c);
      const expected = runAll(jsGemm, c, plan);
      const bound = runAll(jsGemm, c, plan, true);
      const one = runAll(native1, c, plan);
      expect(runAll(native3, c, plan)).toEqual(one);
      expect(runAll(native3, { ...c, keep: false }, plan)).toEqual(one);
      expectClose('y', one.y, expected.y, bound.y, cIn * k * k + 1);
      expectClose('gx', one.gx, expected.gx, bound.gx, cOut * k * k);
      expectClose('gw', one.gw, expected.gw, bound.gw, batch * plan.outPositions + 8);
    }
  });

  it('trains a conv → relu → max-pool block and Adam with the same bits on 1 and 3 threads, close to JS', () => {
    // Two Adam steps of a fused block (48,000-weight-sized layers run the optimizer capability split).
    const train = (kernel: Gemm) => {
      setGemm(kernel);
      const g = new Generator(5);
      const x = randn([6, 3, 12, 12], { generator: g });
      const w = new Parameter(randn([40, 3, 3, 3], { generator: g }).data);
      const b = new Parameter(randn([40], { generator: g }).data);
      const head = new Parameter(randn([10, 40 * 36], { generator: g }).data);
      const big = new Parameter(randn([20000], { generator: g }).data);
      const optimizer = new Adam([w, b, head, big], { lr: 1e-2 });
      for (let step = 0; step < 2; step++) {
        optimizer.zeroGrad();
        const pooled = conv2dReluMaxPool2d(x, w, b, { padding: 1 }).reshape([6, 40 * 36]);
        const out = pooled.matmul(head.transpose(0, 1));
        const loss = out.mul(out).mean().add(big.mul(big).sum());
        loss.backward();
        optimizer.step();
      }
      return [w, b, head, big].map((p) => p.data.toTypedArray());
    };
    const one = train(native1);
    expect(train(native3)).toEqual(one);
    const js = train(jsGemm);
    one.forEach((values, i) => {
      for (let j = 0; j < values.length; j++) expect(Math.abs(values[j]! - js[i]![j]!)).toBeLessThan(1e-4);
    });
  });

  it('runs the fused op as one op, with the bits of the three ops', () => {
    setGemm(native3);
    const g = new Generator(2);
    const x = randn([3, 2, 9, 9], { generator: g });
    const w = randn([4, 2, 3, 3], { generator: g, requiresGrad: true });
    const fused = conv2dReluMaxPool2d(x, w, null, { padding: 1 });
    expect(fused.gradFn?.name).toBe('convReluMaxPool');
    const plain = maxPool2d(relu(conv2d(x, w, null, { padding: 1 })), 2);
    expect(fused.data.toTypedArray()).toEqual(plain.data.toTypedArray());
  });
});

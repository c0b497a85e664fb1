import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import * as T from '@torchlet/tensor';
import { Generator, type Tensor } from '@torchlet/tensor';
import * as A from '@torchlet/autograd';
import {
  arbSmallShape as arbShape,
  badBool,
  badBoolOption,
  badDType,
  badFinite,
  badFiniteOption,
  badInt,
  badOptions,
  badShape,
  badSpatial,
  fuzzOp,
  fuzzOptionKeys,
  hugeShape,
  hugeSize,
  notTensor,
  summary,
  type OpSpec,
} from '@torchlet/autograd/testing';
import * as L from '@torchlet/layers';
import * as F from '@torchlet/layers/functional';

const g = new Generator(0);
const f32 = (shape: readonly number[]) => T.randn(shape, { generator: g });
const f64 = (shape: readonly number[]) => T.randn(shape, { generator: g, dtype: 'float64' });
const i32 = (shape: readonly number[], high = 3) => T.randint(0, high, shape, { generator: g });
const leaf = (shape: readonly number[]) => A.randn(shape, { generator: g, requiresGrad: true });

const run = <V>(spec: OpSpec<V>, numRuns = 40) =>
  it(`${typeof spec.op === 'string' ? spec.op : spec.op[0]} rejects: ${Object.keys(spec.mutations).join(', ')}`, () => {
    fuzzOp(spec, numRuns);
  });

afterAll(() => console.log(summary('@torchlet/layers')));

/** A valid convolution: batch, channels, spatial sizes (>= kernel), kernel. */
interface ConvCase {
  n: number;
  cIn: number;
  cOut: number;
  size: number[];
  k: number;
}
const arbConv = (dims: number): fc.Arbitrary<ConvCase> =>
  fc.record({
    n: fc.integer({ min: 1, max: 2 }),
    cIn: fc.integer({ min: 1, max: 3 }),
    cOut: fc.integer({ min: 1, max: 3 }),
    size: fc.array(fc.integer({ min: 3, max: 5 }), { minLength: dims, maxLength: dims }),
    k: fc.integer({ min: 1, max: 3 }),
  });

/** Not a tensor, where null/undefined are valid (an optional bias). */
const notTensorOrNull = notTensor.filter((v) => v !== null && v !== undefined);
/** Bad integers for an options field (null there means the default). */
const badIntOption = (min: number) => badInt(min).filter((v) => v !== null);

describe('functional convolution', () => {
  const convs = [
    ['conv1d', 1, F.conv1d],
    ['conv2d', 2, F.conv2d],
    ['conv3d', 3, F.conv3d],
  ] as const;
  for (const [name, dims, conv] of convs) {
    const k = (c: ConvCase) => new Array<number>(dims).fill(c.k);
    const x = (c: ConvCase) => leaf([c.n, c.cIn, ...c.size]);
    const w = (c: ConvCase) => leaf([c.cOut, c.cIn, ...k(c)]);
    const call = (c: ConvCase, options: unknown) => conv(x(c), w(c), null, options as F.ConvOptions);
    run(
      {
        op: name,
        valid: arbConv(dims),
        mutations: {
          input: { bad: notTensor, call: (c, bad) => conv(bad as Tensor, w(c)) },
          weight: { bad: notTensor, call: (c, bad) => conv(x(c), bad as Tensor) },
          bias: {
            bad: fc.oneof(notTensorOrNull, fc.constantFrom<unknown>('wrong length', 'int32')),
            call: (c, bad) =>
              conv(
                x(c),
                w(c),
                bad === 'wrong length' ? leaf([c.cOut + 1]) : bad === 'int32' ? i32([c.cOut]) : (bad as Tensor),
              ),
          },
          'input ': {
            names: /input/,
            bad: fc.constantFrom<unknown>('rank', 'int32', 'float64', 'channels'),
            call: (c, bad) =>
              conv(
                bad === 'rank'
                  ? leaf([1, c.n, c.cIn, ...c.size])
                  : bad === 'int32'
                    ? i32([c.n, c.cIn, ...c.size])
                    : bad === 'float64'
                      ? f64([c.n, c.cIn, ...c.size])
                      : leaf([c.n, c.cIn + 1, ...c.size]),
                w(c),
              ),
          },
          'weight ': {
            names: /weight/,
            bad: fc.constantFrom<unknown>('rank', 'float64'),
            call: (c, bad) => conv(x(c), bad === 'rank' ? leaf([c.cOut, c.cIn]) : f64([c.cOut, c.cIn, ...k(c)])),
          },
          kernel: {
            names: /kernel/,
            bad: fc.integer({ min: 3, max: 6 }),
            call: (c, extra) => conv(x(c), leaf([c.cOut, c.cIn, ...c.size.map((s) => s + (extra as number))])),
          },
          stride: { bad: badSpatial(1), call: (c, bad) => call(c, { stride: bad }) },
          padding: {
            bad: fc.oneof(badSpatial(0), fc.constantFrom<unknown>('full', 'SAME', '')),
            call: (c, bad) => call(c, { padding: bad }),
          },
          'padding ': {
            names: /same.*stride|stride/,
            bad: fc.integer({ min: 2, max: 3 }),
            call: (c, s) => call(c, { padding: 'same', stride: s }),
          },
          dilation: { bad: badSpatial(1), call: (c, bad) => call(c, { dilation: bad }) },
          groups: {
            bad: fc.oneof(badIntOption(1), fc.integer({ min: 4, max: 7 })),
            call: (c, bad) => call(c, { groups: bad }),
          },
          paddingMode: {
            bad: fc.constantFrom<unknown>('zero', 'Reflect', '', 3, {}),
            call: (c, bad) => call(c, { paddingMode: bad }),
          },
          options: { bad: badOptions, call: (c, bad) => call(c, bad) },
        },
      },
      25,
    );
  }

  const transposes = [
    ['convTranspose1d', 1, F.convTranspose1d],
    ['convTranspose2d', 2, F.convTranspose2d],
  ] as const;
  for (const [name, dims, conv] of transposes) {
    const k = (c: ConvCase) => new Array<number>(dims).fill(c.k);
    const x = (c: ConvCase) => leaf([c.n, c.cIn, ...c.size]);
    const w = (c: ConvCase) => leaf([c.cIn, c.cOut, ...k(c)]);
    const call = (c: ConvCase, options: unknown) => conv(x(c), w(c), null, options as F.ConvTransposeOptions);
    run(
      {
        op: name,
        valid: arbConv(dims),
        mutations: {
          input: { bad: notTensor, call: (c, bad) => conv(bad as Tensor, w(c)) },
          weight: { bad: notTensor, call: (c, bad) => conv(x(c), bad as Tensor) },
          bias: {
            bad: fc.oneof(notTensorOrNull, fc.constant('wrong length')),
            call: (c, bad) => conv(x(c), w(c), bad === 'wrong length' ? leaf([c.cOut + 2]) : (bad as Tensor)),
          },
          channels: {
            names: /channels/,
            bad: fc.integer({ min: 1, max: 3 }),
            call: (c, d) => conv(leaf([c.n, c.cIn + (d as number), ...c.size]), w(c)),
          },
          stride: { bad: badSpatial(1), call: (c, bad) => call(c, { stride: bad }) },
          padding: { bad: fc.oneof(badSpatial(0), fc.constant('same')), call: (c, bad) => call(c, { padding: bad }) },
          outputPadding: {
            bad: fc.oneof(badSpatial(0), fc.constant(5)),
            call: (c, bad) => call(c, { outputPadding: bad }),
          },
          dilation: { bad: badSpatial(1), call: (c, bad) => call(c, { dilation: bad }) },
          groups: {
            bad: fc.oneof(badIntOption(1), fc.integer({ min: 4, max: 7 })),
            call: (c, bad) => call(c, { groups: bad }),
          },
          'output would be empty': {
            names: /output|padding/,
            bad: fc.integer({ min: 4, max: 8 }),
            call: (c, p) => call(c, { padding: p }),
          },
          options: { bad: badOptions, call: (c, bad) => call(c, bad) },
        },
      },
      25,
    );
  }

  run({
    op: ['convolve', 'convolve2d', 'correlate2d'],
    valid: fc.tuple(fc.integer({ min: 2, max: 5 }), fc.integer({ min: 1, max: 3 })),
    mutations: {
      x: {
        bad: fc.oneof(notTensor, fc.constantFrom<unknown>('2-D', 'empty', 'int32')),
        call: ([n, m], bad) =>
          F.convolve(
            bad === '2-D' ? leaf([n, n]) : bad === 'empty' ? leaf([0]) : bad === 'int32' ? i32([n]) : (bad as Tensor),
            leaf([m]),
          ),
      },
      w: {
        bad: fc.oneof(notTensor, fc.constantFrom<unknown>('float64')),
        call: ([n], bad) => F.convolve(leaf([n]), bad === 'float64' ? f64([2]) : (bad as Tensor)),
      },
      mode: {
        bad: fc.constantFrom<unknown>('Full', 'half', '', 3, null),
        call: ([n, m], bad) => F.convolve2d(leaf([n, n]), leaf([m, m]), bad as F.SignalMode),
      },
      valid: {
        names: /valid/,
        bad: fc.constant(0),
        call: ([n]) => F.correlate2d(leaf([n + 1, 1]), leaf([1, n + 1]), 'valid'),
      },
    },
  });
});

describe('functional pooling', () => {
  const pools = [
    ['maxPool1d', 1, F.maxPool1d],
    ['maxPool2d', 2, F.maxPool2d],
    ['avgPool1d', 1, F.avgPool1d],
    ['avgPool2d', 2, F.avgPool2d],
  ] as const;
  for (const [name, dims, poolFn] of pools) {
    const pool = poolFn as unknown as (x: unknown, options: unknown) => unknown;
    const x = (c: ConvCase) => leaf([c.n, c.cIn, ...c.size]);
    const call = (c: ConvCase, options: Record<string, unknown>) =>
      pool(x(c), { kernelSize: 2, ...options } as F.MaxPoolOptions);
    run(
      {
        op: name,
        valid: arbConv(dims),
        mutations: {
          input: {
            bad: fc.oneof(notTensor, fc.constantFrom<unknown>('rank', 'int32', 'empty')),
            call: (c, bad) =>
              pool(
                (bad === 'rank'
                  ? leaf(c.size)
                  : bad === 'int32'
                    ? i32([1, ...c.size])
                    : bad === 'empty'
                      ? leaf([1, 1, ...c.size.map(() => 0)])
                      : bad) as Tensor,
                2,
              ),
          },
          kernelSize: {
            names: /kernel/,
            bad: fc.oneof(badSpatial(1), fc.constant(undefined), fc.constant(100)),
            call: (c, bad) => pool(x(c), { kernelSize: bad } as F.MaxPoolOptions),
          },
          'kernelSize ': {
            names: 'kernelSize',
            bad: badSpatial(1).filter((b) => typeof b === 'number' || Array.isArray(b)),
            call: (c, bad) => pool(x(c), bad as number),
          },
          stride: { bad: badSpatial(1), call: (c, bad) => call(c, { stride: bad }) },
          padding: { bad: fc.oneof(badSpatial(0), fc.constant(2)), call: (c, bad) => call(c, { padding: bad }) },
          ceilMode: { bad: badBoolOption, call: (c, bad) => call(c, { ceilMode: bad }) },
          ...(name.startsWith('max')
            ? { dilation: { bad: badSpatial(1), call: (c: ConvCase, bad: unknown) => call(c, { dilation: bad }) } }
            : {
                countIncludePad: {
                  bad: badBoolOption,
                  call: (c: ConvCase, bad: unknown) => call(c, { countIncludePad: bad }),
                },
                divisorOverride: {
                  bad: fc.constantFrom<unknown>(0, 1.5, '2', Number.NaN, {}),
                  call: (c: ConvCase, bad: unknown) => call(c, { divisorOverride: bad }),
                },
              }),
          options: {
            bad: fc.constantFrom<unknown>(null, 'x', true, {}),
            call: (c, bad) => pool(x(c), bad as F.MaxPoolOptions),
          },
        },
      },
      25,
    );
  }

  for (const [name, pool] of [
    ['adaptiveAvgPool2d', F.adaptiveAvgPool2d],
    ['adaptiveMaxPool2d', F.adaptiveMaxPool2d],
  ] as const) {
    run({
      op: name,
      valid: arbConv(2),
      mutations: {
        'outputSize ': {
          names: /outputSize/, // near and past 2^31 and 2^53: the output would not fit in a tensor
          bad: fc.oneof(
            hugeSize,
            hugeSize.filter((h) => h > 2 ** 31 - 1).map((h) => [h, 1]),
            hugeSize.map((h) => [2, h]),
          ),
          call: (c, bad) => (pool as (x: unknown, o: unknown) => unknown)(leaf([c.n, c.cIn, ...c.size]), bad),
        },
        input: {
          bad: fc.oneof(notTensor, fc.constantFrom<unknown>('rank', 'int32')),
          call: (c, bad) =>
            pool((bad === 'rank' ? leaf(c.size) : bad === 'int32' ? i32([1, 1, ...c.size]) : bad) as Tensor, 1),
        },
        outputSize: {
          bad: fc.constantFrom<unknown>(-1, 1.5, Number.NaN, '2', null, [], [1, 1, 1], [-1, 1], [1, 'a'], {}),
          call: (c, bad) => pool(leaf([c.n, c.cIn, ...c.size]), bad as number),
        },
      },
    });
  }
});

describe('functional linear, dropout, batchNorm, losses', () => {
  const arbLinear = fc.record({
    n: fc.integer({ min: 1, max: 4 }),
    inF: fc.integer({ min: 1, max: 5 }),
    outF: fc.integer({ min: 1, max: 5 }),
  });
  run({
    op: 'linear',
    valid: arbLinear,
    mutations: {
      input: {
        bad: fc.oneof(notTensor, fc.constantFrom<unknown>('features', 'int32', '0-d')),
        call: (c, bad) =>
          F.linear(
            (bad === 'features'
              ? leaf([c.n, c.inF + 1])
              : bad === 'int32'
                ? i32([c.n, c.inF])
                : bad === '0-d'
                  ? leaf([])
                  : bad) as Tensor,
            leaf([c.outF, c.inF]),
          ),
      },
      weight: {
        bad: fc.oneof(notTensor, fc.constantFrom<unknown>('1-D', 'float64')),
        call: (c, bad) =>
          F.linear(
            leaf([c.n, c.inF]),
            (bad === '1-D' ? leaf([c.inF]) : bad === 'float64' ? f64([c.outF, c.inF]) : bad) as Tensor,
          ),
      },
      bias: {
        bad: fc.oneof(notTensorOrNull, fc.constant('wrong length')),
        call: (c, bad) =>
          F.linear(
            leaf([c.n, c.inF]),
            leaf([c.outF, c.inF]),
            (bad === 'wrong length' ? leaf([c.outF + 1]) : bad) as Tensor,
          ),
      },
    },
  });

  run({
    op: 'dropout',
    valid: arbShape(),
    mutations: {
      input: {
        bad: fc.oneof(notTensor, fc.constant('int32')),
        call: (s, bad) => F.dropout((bad === 'int32' ? i32(s) : bad) as Tensor),
      },
      p: {
        bad: fc.constantFrom<unknown>(-0.1, 1.5, Number.NaN, '0.5', {}, Infinity),
        call: (s, bad) => F.dropout(leaf(s), { p: bad as number }),
      },
      training: { bad: badBoolOption, call: (s, bad) => F.dropout(leaf(s), { training: bad as boolean }) },
      generator: {
        bad: fc.constantFrom<unknown>(3, {}, 'g', { next: () => 0 }),
        call: (s, bad) => F.dropout(leaf(s), { generator: bad as Generator }),
      },
      options: { bad: badOptions, call: (s, bad) => F.dropout(leaf(s), bad as F.DropoutOptions) },
    },
  });

  const arbBn = fc.record({
    n: fc.integer({ min: 2, max: 3 }),
    c: fc.integer({ min: 1, max: 3 }),
    l: fc.integer({ min: 1, max: 3 }),
  });
  run({
    op: 'batchNorm',
    valid: arbBn,
    mutations: {
      input: {
        bad: fc.oneof(notTensor, fc.constantFrom<unknown>('1-D', 'int32')),
        call: (c, bad) =>
          F.batchNorm((bad === '1-D' ? leaf([c.c]) : bad === 'int32' ? i32([c.n, c.c]) : bad) as Tensor, null, null, {
            training: true,
          }),
      },
      runningMean: {
        bad: fc.constantFrom<unknown>('wrong length', 3, 'x', {}, 'float64', 'variable'),
        call: (c, bad) =>
          F.batchNorm(
            leaf([c.n, c.c, c.l]),
            (bad === 'wrong length'
              ? T.zeros([c.c + 1])
              : bad === 'float64'
                ? T.zeros([c.c], { dtype: 'float64' })
                : bad === 'variable'
                  ? leaf([c.c])
                  : bad) as Tensor,
            T.ones([c.c]),
            { training: true },
          ),
      },
      runningVar: {
        names: /runningVar|both/,
        bad: fc.constantFrom<unknown>('wrong length', null),
        call: (c, bad) =>
          F.batchNorm(
            leaf([c.n, c.c, c.l]),
            T.zeros([c.c]),
            (bad === 'wrong length' ? T.ones([c.c + 2]) : bad) as Tensor,
            { training: true },
          ),
      },
      weight: {
        bad: fc.constantFrom<unknown>('wrong length', 3, 'x'),
        call: (c, bad) =>
          F.batchNorm(leaf([c.n, c.c, c.l]), null, null, {
            training: true,
            weight: (bad === 'wrong length' ? leaf([c.c + 1]) : bad) as Tensor,
          }),
      },
      momentum: {
        bad: fc.constantFrom<unknown>(-0.1, 1.5, Number.NaN, '0.1', {}),
        call: (c, bad) =>
          F.batchNorm(leaf([c.n, c.c, c.l]), T.zeros([c.c]), T.ones([c.c]), {
            training: true,
            momentum: bad as number,
          }),
      },
      eps: {
        bad: fc.constantFrom<unknown>(-1, Number.NaN, Infinity, '1e-5', {}),
        call: (c, bad) => F.batchNorm(leaf([c.n, c.c, c.l]), T.zeros([c.c]), T.ones([c.c]), { eps: bad as number }),
      },
      training: {
        bad: badBoolOption,
        call: (c, bad) =>
          F.batchNorm(leaf([c.n, c.c, c.l]), T.zeros([c.c]), T.ones([c.c]), { training: bad as boolean }),
      },
      running: {
        names: /runningMean|required/,
        bad: fc.constant('eval without statistics'),
        call: (c) => F.batchNorm(leaf([c.n, c.c, c.l]), null, null, { training: false }),
      },
      options: {
        bad: badOptions,
        call: (c, bad) => F.batchNorm(leaf([c.n, c.c, c.l]), T.zeros([c.c]), T.ones([c.c]), bad as F.BatchNormOptions),
      },
    },
  });

  const arbCls = fc.record({ n: fc.integer({ min: 1, max: 4 }), c: fc.integer({ min: 2, max: 5 }) });
  for (const [name, loss] of [
    ['crossEntropy', F.crossEntropy],
    ['nllLoss', F.nllLoss],
  ] as const) {
    run(
      {
        op: name,
        valid: arbCls,
        mutations: {
          input: {
            bad: fc.oneof(notTensor, fc.constantFrom<unknown>('int32', '0-d')),
            call: (c, bad) =>
              loss((bad === 'int32' ? i32([c.n, c.c]) : bad === '0-d' ? leaf([]) : bad) as Tensor, i32([c.n], c.c)),
          },
          target: {
            bad: fc.constantFrom<unknown>(
              null,
              'x',
              {},
              'out of range',
              'negative',
              'wrong length',
              [0.5],
              'float wrong shape',
            ),
            call: (c, bad) =>
              loss(
                leaf([c.n, c.c]),
                (bad === 'out of range'
                  ? T.full([c.n], c.c, { dtype: 'int32' })
                  : bad === 'negative'
                    ? T.full([c.n], -3, { dtype: 'int32' })
                    : bad === 'wrong length'
                      ? i32([c.n + 1], c.c)
                      : bad === 'float wrong shape'
                        ? f32([c.n + 1, c.c])
                        : bad) as Tensor,
              ),
          },
          weight: {
            bad: fc.constantFrom<unknown>('wrong length', 3, 'x', 'int32'),
            call: (c, bad) =>
              loss(leaf([c.n, c.c]), i32([c.n], c.c), {
                weight: (bad === 'wrong length' ? f32([c.c + 1]) : bad === 'int32' ? i32([c.c]) : bad) as Tensor,
              }),
          },
          reduction: {
            bad: fc.constantFrom<unknown>('avg', 'MEAN', '', 3, {}),
            call: (c, bad) => loss(leaf([c.n, c.c]), i32([c.n], c.c), { reduction: bad as F.Reduction }),
          },
          ignoreIndex: {
            bad: fc.constantFrom<unknown>(0.5, Number.NaN, '1', {}),
            call: (c, bad) => loss(leaf([c.n, c.c]), i32([c.n], c.c), { ignoreIndex: bad as number }),
          },
          options: {
            bad: badOptions,
            call: (c, bad) => loss(leaf([c.n, c.c]), i32([c.n], c.c), bad as F.NllLossOptions),
          },
          ...(name === 'crossEntropy'
            ? {
                labelSmoothing: {
                  bad: fc.constantFrom<unknown>(-0.1, 1.5, Number.NaN, '0.1', {}),
                  call: (c: { n: number; c: number }, bad: unknown) =>
                    F.crossEntropy(leaf([c.n, c.c]), i32([c.n], c.c), { labelSmoothing: bad as number }),
                },
              }
            : {}),
        },
      },
      30,
    );
  }

  for (const [name, loss] of [
    ['mseLoss', F.mseLoss],
    ['binaryCrossEntropyWithLogits', F.binaryCrossEntropyWithLogits],
  ] as const) {
    run({
      op: name,
      valid: arbShape(),
      mutations: {
        input: {
          bad: fc.oneof(notTensor, fc.constant('int32')),
          call: (s, bad) => loss((bad === 'int32' ? i32(s) : bad) as Tensor, leaf(s)),
        },
        target: {
          bad: fc.oneof(notTensor, fc.constantFrom<unknown>('wrong shape', 'float64')),
          call: (s, bad) =>
            loss(leaf(s), (bad === 'wrong shape' ? leaf([...s, 2]) : bad === 'float64' ? f64(s) : bad) as Tensor),
        },
        reduction: {
          bad: fc.constantFrom<unknown>('avg', '', 3, {}),
          call: (s, bad) => loss(leaf(s), leaf(s), { reduction: bad as F.Reduction }),
        },
        options: { bad: badOptions, call: (s, bad) => loss(leaf(s), leaf(s), bad as F.MseLossOptions) },
      },
    });
  }
});

describe('module constructors', () => {
  const convModules = [
    ['Conv1d', 1, L.Conv1d],
    ['Conv2d', 2, L.Conv2d],
    ['Conv3d', 3, L.Conv3d],
    ['ConvTranspose1d', 1, L.ConvTranspose1d],
    ['ConvTranspose2d', 2, L.ConvTranspose2d],
  ] as const;
  for (const [name, dims, Conv] of convModules) {
    type Ctor = new (cIn: unknown, cOut: unknown, k: unknown, options?: unknown) => L.Module;
    const C = Conv as unknown as Ctor;
    run(
      {
        // The initial weights come from kaimingUniform_, which reports a bad generator under its own name.
        op: [name, 'kaimingUniform_'],
        valid: fc.record({
          cIn: fc.integer({ min: 1, max: 4 }),
          cOut: fc.integer({ min: 1, max: 4 }),
          k: fc.integer({ min: 1, max: 3 }),
        }),
        mutations: {
          inChannels: { bad: badInt(1), call: (c, bad) => new C(bad, c.cOut, c.k) },
          outChannels: { bad: badInt(1), call: (c, bad) => new C(c.cIn, bad, c.k) },
          kernelSize: { bad: badSpatial(1), call: (c, bad) => new C(c.cIn, c.cOut, bad) },
          stride: { bad: badSpatial(1), call: (c, bad) => new C(c.cIn, c.cOut, c.k, { stride: bad }) },
          padding: { bad: badSpatial(0), call: (c, bad) => new C(c.cIn, c.cOut, c.k, { padding: bad }) },
          dilation: { bad: badSpatial(1), call: (c, bad) => new C(c.cIn, c.cOut, c.k, { dilation: bad }) },
          groups: {
            names: /groups/,
            bad: fc.oneof(badIntOption(1), fc.constant(5)),
            call: (c, bad) => new C(c.cIn * 2, c.cOut * 2, c.k, { groups: bad }),
          },
          dtype: {
            bad: badDType.filter((d) => d !== null),
            call: (c, bad) => new C(c.cIn, c.cOut, c.k, { dtype: bad }),
          },
          bias: { bad: badBoolOption, call: (c, bad) => new C(c.cIn, c.cOut, c.k, { bias: bad }) },
          generator: {
            bad: fc.constantFrom<unknown>(3, {}, 'g'),
            call: (c, bad) => new C(c.cIn, c.cOut, c.k, { generator: bad }),
          },
          options: { bad: badOptions, call: (c, bad) => new C(c.cIn, c.cOut, c.k, bad) },
          ...(name.startsWith('Conv') && !name.startsWith('ConvT')
            ? {
                paddingMode: {
                  bad: fc.constantFrom<unknown>('zero', 3, ''),
                  call: (c: { cIn: number; cOut: number; k: number }, bad: unknown) =>
                    new C(c.cIn, c.cOut, c.k, { paddingMode: bad }),
                },
              }
            : {
                outputPadding: {
                  bad: fc.oneof(badSpatial(0), fc.constant(4)),
                  call: (c: { cIn: number; cOut: number; k: number }, bad: unknown) =>
                    new C(c.cIn, c.cOut, c.k, { outputPadding: bad }),
                },
              }),
        },
      },
      20,
    );
    void dims;
  }

  const poolModules = [
    ['MaxPool1d', L.MaxPool1d],
    ['MaxPool2d', L.MaxPool2d],
    ['AvgPool1d', L.AvgPool1d],
    ['AvgPool2d', L.AvgPool2d],
  ] as const;
  for (const [name, Pool] of poolModules) {
    const P = Pool as unknown as new (k: unknown, options?: unknown) => L.Module;
    run(
      {
        op: name,
        valid: fc.integer({ min: 1, max: 4 }),
        mutations: {
          kernelSize: { bad: badSpatial(1), call: (_k, bad) => new P(bad) },
          stride: { bad: badSpatial(1), call: (k, bad) => new P(k, { stride: bad }) },
          padding: { bad: fc.oneof(badSpatial(0), fc.constant(9)), call: (k, bad) => new P(k, { padding: bad }) },
          options: { bad: badOptions, call: (k, bad) => new P(k, bad) },
          ...(name.startsWith('Max')
            ? { dilation: { bad: badSpatial(1), call: (k: number, bad: unknown) => new P(k, { dilation: bad }) } }
            : {}),
        },
      },
      20,
    );
  }

  it('MaxPool2d/AvgPool2d constructors check ceilMode, countIncludePad and divisorOverride', () => {
    expect(() => new L.MaxPool2d(2, { ceilMode: 1 as never })).toThrow(/^MaxPool2d: .*ceilMode/);
    expect(() => new L.AvgPool2d(2, { countIncludePad: 'yes' as never })).toThrow(/^AvgPool2d: .*countIncludePad/);
    expect(() => new L.AvgPool1d(2, { divisorOverride: 0 })).toThrow(/^AvgPool1d: .*divisorOverride/);
  });
  it('the functional ops reject them too, with typed errors', () => {
    expect(() => L.functional.maxPool2d(f32([1, 1, 4, 4]), { kernelSize: 2, ceilMode: 1 as never })).toThrow(
      'maxPool2d: ceilMode must be a boolean, got 1',
    );
    expect(() => L.functional.avgPool1d(f32([1, 1, 4]), { kernelSize: 2, divisorOverride: 0 })).toThrow(
      'avgPool1d: divisorOverride must not be zero',
    );
  });

  for (const [name, Pool] of [
    ['AdaptiveAvgPool2d', L.AdaptiveAvgPool2d],
    ['AdaptiveMaxPool2d', L.AdaptiveMaxPool2d],
  ] as const) {
    const P = Pool as unknown as new (o: unknown) => L.Module;
    run(
      {
        op: name,
        valid: fc.constant(0),
        mutations: {
          outputSize: {
            bad: fc.constantFrom<unknown>(-1, 1.5, Number.NaN, '2', null, undefined, [], [1, 1, 1], [-1, 1], {}),
            call: (_v, bad) => new P(bad),
          },
        },
      },
      15,
    );
  }

  run({
    op: ['Linear', 'kaimingUniform_'],
    valid: fc.record({ inF: fc.integer({ min: 1, max: 5 }), outF: fc.integer({ min: 1, max: 5 }) }),
    mutations: {
      inFeatures: { bad: badInt(0), call: (c, bad) => new L.Linear(bad as number, c.outF) },
      outFeatures: { bad: badInt(0), call: (c, bad) => new L.Linear(c.inF, bad as number) },
      bias: { bad: badBoolOption, call: (c, bad) => new L.Linear(c.inF, c.outF, { bias: bad as boolean }) },
      dtype: {
        bad: fc.oneof(
          badDType.filter((d) => d !== null),
          fc.constant('int32'),
        ),
        call: (c, bad) => new L.Linear(c.inF, c.outF, { dtype: bad as T.DType }),
      },
      generator: {
        bad: fc.constantFrom<unknown>(3, {}, 'g'),
        call: (c, bad) => new L.Linear(c.inF, c.outF, { generator: bad as Generator }),
      },
      options: { bad: badOptions, call: (c, bad) => new L.Linear(c.inF, c.outF, bad as L.LinearOptions) },
    },
  });

  for (const [name, Bn] of [
    ['BatchNorm1d', L.BatchNorm1d],
    ['BatchNorm2d', L.BatchNorm2d],
  ] as const) {
    run({
      op: name,
      valid: fc.integer({ min: 1, max: 8 }),
      mutations: {
        numFeatures: { bad: badInt(1), call: (_n, bad) => new Bn(bad as number) },
        eps: {
          bad: fc.constantFrom<unknown>(-1, Number.NaN, Infinity, '1e-5', {}),
          call: (n, bad) => new Bn(n, { eps: bad as number }),
        },
        momentum: {
          bad: fc.constantFrom<unknown>(-0.1, 1.5, Number.NaN, '0.1', {}),
          call: (n, bad) => new Bn(n, { momentum: bad as number }),
        },
        affine: { bad: badBool.filter((b) => b !== null), call: (n, bad) => new Bn(n, { affine: bad as boolean }) },
        trackRunningStats: {
          bad: badBool.filter((b) => b !== null),
          call: (n, bad) => new Bn(n, { trackRunningStats: bad as boolean }),
        },
        dtype: {
          bad: fc.oneof(
            badDType.filter((d) => d !== null),
            fc.constant('int32'),
          ),
          call: (n, bad) => new Bn(n, { dtype: bad as T.DType }),
        },
        options: { bad: badOptions, call: (n, bad) => new Bn(n, bad as L.BatchNormModuleOptions) },
      },
    });
  }

  run(
    {
      op: ['Dropout', 'LeakyReLU', 'Softmax', 'LogSoftmax', 'GELU', 'Flatten', 'Sequential'],
      valid: fc.constant(0),
      mutations: {
        p: {
          bad: fc.constantFrom<unknown>(-0.1, 1.5, Number.NaN, '0.5', null, {}),
          call: (_v, bad) => new L.Dropout(bad as number),
        },
        generator: {
          bad: fc.constantFrom<unknown>(3, {}, 'g'),
          call: (_v, bad) => new L.Dropout(0.5, { generator: bad as Generator }),
        },
        options: { bad: badOptions, call: (_v, bad) => new L.Dropout(0.5, bad as L.DropoutModuleOptions) },
        negativeSlope: { bad: badFinite, call: (_v, bad) => new L.LeakyReLU(bad as number) },
        dim: {
          bad: fc.constantFrom<unknown>(0.5, Number.NaN, '1', null, undefined, {}),
          call: (_v, bad) => new L.Softmax(bad as number),
        },
        'dim ': {
          names: 'dim',
          bad: fc.constantFrom<unknown>(0.5, Number.NaN, '1', null, undefined),
          call: (_v, bad) => new L.LogSoftmax(bad as number),
        },
        approximate: {
          bad: fc.constantFrom<unknown>('fast', 3, {}),
          call: (_v, bad) => new L.GELU({ approximate: bad as 'tanh' }),
        },
        startDim: {
          bad: fc.constantFrom<unknown>(0.5, Number.NaN, '1', null, {}),
          call: (_v, bad) => new L.Flatten(bad as number),
        },
        'modules[1]': { bad: notTensor, call: (_v, bad) => new L.Sequential(new L.ReLU(), bad as L.Layer) },
      },
    },
    20,
  );
});

describe('module forward, state and optimizers', () => {
  run(
    {
      op: ['Conv2d', 'conv2d', 'BatchNorm2d', 'Linear', 'linear', 'Flatten', 'flatten', 'MaxPool2d', 'maxPool2d'],
      valid: fc.integer({ min: 1, max: 3 }),
      mutations: {
        input: {
          names: /input|channels|x/,
          bad: fc.constantFrom<unknown>(null, 'x', 3, 'channels', 'rank'),
          call: (c, bad) =>
            new L.Conv2d(c, 2, 3).forward(
              (bad === 'channels' ? f32([1, c + 1, 5, 5]) : bad === 'rank' ? f32([5, 5]) : bad) as Tensor,
            ),
        },
        'input ': {
          names: /input|channels|numFeatures/,
          bad: fc.constantFrom<unknown>('channels', 'rank', 'one value'),
          call: (c, bad) =>
            new L.BatchNorm2d(c).forward(
              bad === 'channels' ? f32([2, c + 1, 3, 3]) : bad === 'rank' ? f32([2, c]) : f32([1, c, 1, 1]),
            ),
        },
        'input  ': {
          names: /input|features|inFeatures/,
          bad: fc.constantFrom<unknown>('features', null),
          call: (c, bad) => new L.Linear(c, 2).forward((bad === 'features' ? f32([2, c + 1]) : bad) as Tensor),
        },
        startDim: {
          names: /startDim|endDim|out of range/,
          bad: fc.integer({ min: 5, max: 9 }),
          call: (_c, d) => new L.Flatten(d as number).forward(f32([2, 3])),
        },
        'input   ': {
          names: /input|kernel|output/,
          bad: fc.constant('too small'),
          call: () => new L.MaxPool2d(4).forward(f32([1, 1, 2, 2])),
        },
      },
    },
    10,
  );

  run(
    {
      op: ['loadStateDict', 'Module.apply', 'apply', 'summary', 'train'],
      valid: fc.integer({ min: 1, max: 3 }),
      mutations: {
        stateDict: {
          bad: fc.constantFrom<unknown>(null, 3, 'sd'),
          call: (c, bad) => new L.Linear(c, 2).loadStateDict(bad as L.StateDict),
        },
        weight: {
          names: /weight/,
          bad: fc.constantFrom<unknown>('wrong shape', 3, null, 'str'),
          call: (c, bad) =>
            new L.Linear(c, 2).loadStateDict({
              weight: (bad === 'wrong shape' ? T.zeros([2, c + 1]) : bad) as Tensor,
              bias: T.zeros([2]),
            }),
        },
        inputShape: {
          bad: badShape,
          call: (c, bad) => L.summary(new L.Linear(c, 2), bad as number[], { print: false }),
        },
        model: { bad: notTensor, call: (_c, bad) => L.summary(bad as L.Module, [1, 2], { print: false }) },
        fn: {
          bad: fc.constantFrom<unknown>(null, 3, 'f'),
          call: (c, bad) => new L.Linear(c, 2).apply(bad as (m: L.Module) => void),
        },
        mode: { bad: badBool.filter((b) => b !== null), call: (c, bad) => new L.Linear(c, 2).train(bad as boolean) },
      },
    },
    15,
  );

  const params = () => new L.Linear(3, 2).parameters();
  for (const [name, Opt] of [
    ['SGD', L.SGD],
    ['Adam', L.Adam],
    ['AdamW', L.AdamW],
  ] as const) {
    const O = Opt as unknown as new (p: unknown, o?: unknown) => L.Optimizer<{ lr: number }>;
    run(
      {
        op: name,
        valid: fc.double({ min: 1e-4, max: 1, noNaN: true }),
        mutations: {
          params: {
            names: /param/,
            bad: fc.constantFrom<unknown>(null, 3, 'p', [], [null], [T.zeros([2])], [{}], [{ params: [] }]),
            call: (lr, bad) => new O(bad, { lr }),
          },
          lr: {
            bad: fc.constantFrom<unknown>(-1, Number.NaN, Infinity, '0.1', {}),
            call: (_lr, bad) => new O(params(), { lr: bad }),
          },
          options: { bad: fc.constantFrom<unknown>(3, 'x', true), call: (_lr, bad) => new O(params(), bad) },
          weightDecay: {
            bad: fc.constantFrom<unknown>(-1, Number.NaN, '0'),
            call: (lr, bad) => new O(params(), { lr, weightDecay: bad }),
          },
          'params[0]': {
            names: /params\[\d\]/,
            bad: fc.constantFrom<unknown>('int32', 'non-leaf', 'twice'),
            call: (lr, bad) => {
              const p = A.randn([2], { requiresGrad: true });
              return new O(
                bad === 'int32'
                  ? [new A.Variable(T.zeros([2], { dtype: 'int32' }))]
                  : bad === 'non-leaf'
                    ? [A.mul(p, 2)]
                    : [p, p].slice(0, 1).concat(bad === 'twice' ? [p] : []),
                { lr },
              );
            },
          },
          ...(name === 'SGD'
            ? {
                momentum: {
                  bad: fc.constantFrom<unknown>(-1, Number.NaN, '0.9'),
                  call: (lr: number, bad: unknown) => new O(params(), { lr, momentum: bad }),
                },
                nesterov: {
                  bad: badBool.filter((b) => b !== null),
                  call: (lr: number, bad: unknown) => new O(params(), { lr, nesterov: bad }),
                },
              }
            : {
                betas: {
                  names: /betas/,
                  bad: fc.constantFrom<unknown>([1, 0.9], [0.9], [0.9, -0.1], 'b', [Number.NaN, 0.9], null),
                  call: (lr: number, bad: unknown) => new O(params(), { lr, betas: bad }),
                },
                eps: {
                  bad: fc.constantFrom<unknown>(-1, Number.NaN, '1e-8'),
                  call: (lr: number, bad: unknown) => new O(params(), { lr, eps: bad }),
                },
                amsgrad: {
                  bad: badBool.filter((b) => b !== null),
                  call: (lr: number, bad: unknown) => new O(params(), { lr, amsgrad: bad }),
                },
              }),
        },
      },
      20,
    );
  }

  run(
    {
      op: ['StepLR', 'CosineAnnealingLR', 'StepLR.loadStateDict', 'SGD.loadStateDict'],
      valid: fc.integer({ min: 1, max: 5 }),
      mutations: {
        optimizer: {
          bad: notTensor,
          call: (s, bad) => new L.StepLR(bad as L.Optimizer<{ lr: number }>, { stepSize: s }),
        },
        stepSize: {
          bad: fc.oneof(badInt(1), fc.constant(undefined)),
          call: (_s, bad) => new L.StepLR(new L.SGD(params(), { lr: 0.1 }), { stepSize: bad as number }),
        },
        gamma: {
          bad: fc.constantFrom<unknown>(-1, Number.NaN, '0.1', {}),
          call: (s, bad) => new L.StepLR(new L.SGD(params(), { lr: 0.1 }), { stepSize: s, gamma: bad as number }),
        },
        tMax: {
          bad: fc.oneof(badInt(1), fc.constant(undefined)),
          call: (_s, bad) => new L.CosineAnnealingLR(new L.SGD(params(), { lr: 0.1 }), { tMax: bad as number }),
        },
        etaMin: {
          bad: fc.constantFrom<unknown>(-1, Number.NaN, '0'),
          call: (s, bad) =>
            new L.CosineAnnealingLR(new L.SGD(params(), { lr: 0.1 }), { tMax: s, etaMin: bad as number }),
        },
        options: {
          bad: badOptions,
          call: (_s, bad) => new L.StepLR(new L.SGD(params(), { lr: 0.1 }), bad as L.StepLROptions),
        },
        state: {
          names: /state|lastEpoch|stepCount|baseLrs|lastLr/,
          bad: fc.constantFrom<unknown>(
            null,
            3,
            {},
            { lastEpoch: 1.5, stepCount: 0, baseLrs: [0.1], lastLr: [0.1] },
            { lastEpoch: 1, stepCount: 0, baseLrs: [], lastLr: [0.1] },
          ),
          call: (s, bad) =>
            new L.StepLR(new L.SGD(params(), { lr: 0.1 }), { stepSize: s }).loadStateDict(bad as L.SchedulerStateDict),
        },
        stateDict: {
          names: /stateDict|parameter groups|state/,
          bad: fc.constantFrom<unknown>(
            null,
            3,
            {},
            { state: {}, paramGroups: [] },
            {
              state: { 0: { momentumBuffer: { dtype: 'float32', shape: [9], data: [1] } } },
              paramGroups: [{ lr: 0.1, params: [0, 1] }],
            },
          ),
          call: (_s, bad) => new L.SGD(params(), { lr: 0.1 }).loadStateDict(bad as L.OptimizerStateDict),
        },
      },
    },
    15,
  );
});

describe('data, init, files', () => {
  const ds = (n: number) => new L.TensorDataset(f32([n, 2]), i32([n]));
  run(
    {
      op: ['DataLoader', 'TensorDataset', 'TensorDataset.get', 'Subset'],
      valid: fc.integer({ min: 1, max: 6 }),
      mutations: {
        dataset: {
          bad: fc.constantFrom<unknown>(
            null,
            3,
            'd',
            {},
            [],
            { length: 2 },
            { length: -1, get: () => 0 },
            { length: 1.5, get: () => 0 },
          ),
          call: (_n, bad) => new L.DataLoader(bad as L.Dataset),
        },
        batchSize: { bad: badIntOption(1), call: (n, bad) => new L.DataLoader(ds(n), { batchSize: bad as number }) },
        shuffle: { bad: badBoolOption, call: (n, bad) => new L.DataLoader(ds(n), { shuffle: bad as boolean }) },
        dropLast: { bad: badBoolOption, call: (n, bad) => new L.DataLoader(ds(n), { dropLast: bad as boolean }) },
        generator: {
          bad: fc.constantFrom<unknown>(3, {}, 'g', { nextInt: () => 0 }),
          call: (n, bad) => new L.DataLoader(ds(n), { generator: bad as Generator }),
        },
        collate: {
          bad: fc.constantFrom<unknown>(3, {}, 'c'),
          call: (n, bad) => new L.DataLoader(ds(n), { collate: bad as () => unknown }),
        },
        options: {
          bad: badOptions,
          call: (n, bad) => new L.DataLoader(ds(n), bad as L.DataLoaderOptions<unknown, unknown>),
        },
        'tensors[1]': {
          bad: fc.constantFrom<unknown>(null, 3, 'first size', '0-d'),
          call: (n, bad) =>
            new L.TensorDataset(
              f32([n, 2]),
              (bad === 'first size' ? f32([n + 1]) : bad === '0-d' ? f32([]) : bad) as Tensor,
            ),
        },
        indices: {
          names: /indices|index/,
          bad: fc.constantFrom<unknown>(null, 3, [0.5], [-1], [100], ['a'], 'abc'),
          call: (n, bad) => new L.Subset(ds(n), bad as number[]),
        },
        index: {
          bad: fc.constantFrom<unknown>(-1, 100, 0.5, Number.NaN, '0'),
          call: (n, bad) => ds(n).get(bad as number),
        },
      },
    },
    20,
  );

  run(
    {
      op: [
        'kaimingUniform_',
        'kaimingNormal_',
        'xavierUniform_',
        'xavierNormal_',
        'uniform_',
        'normal_',
        'constant_',
        'calculateGain',
        'calculateFanInAndFanOut',
      ],
      valid: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })),
      mutations: {
        tensor: {
          bad: fc.oneof(notTensor, fc.constant('int32')),
          call: (s, bad) => L.kaimingUniform_((bad === 'int32' ? i32(s) : bad) as Tensor),
        },
        a: { bad: badFiniteOption, call: (s, bad) => L.kaimingUniform_(f32(s), { a: bad as number }) },
        mode: {
          bad: fc.constantFrom<unknown>('fan_in', 'in', 3, {}),
          call: (s, bad) => L.kaimingNormal_(f32(s), { mode: bad as L.FanMode }),
        },
        nonlinearity: {
          bad: fc.constantFrom<unknown>('Relu', 'swish', 3, {}, ''),
          call: (s, bad) => L.kaimingUniform_(f32(s), { nonlinearity: bad as L.Nonlinearity }),
        },
        gain: { bad: badFiniteOption, call: (s, bad) => L.xavierUniform_(f32(s), { gain: bad as number }) },
        generator: {
          bad: fc.constantFrom<unknown>(3, {}, 'g'),
          call: (s, bad) => L.xavierNormal_(f32(s), { generator: bad as Generator }),
        },
        'fan in and fan out': {
          names: /fan/,
          bad: fc.constantFrom<unknown>('1-D', '0-d'),
          call: (s, bad) => L.xavierUniform_(bad === '1-D' ? f32([s[0]]) : f32([])),
        },
        low: { bad: badFinite, call: (s, bad) => L.uniform_(f32(s), bad as number, 1) },
        high: { bad: fc.oneof(badFinite, fc.constant(-5)), call: (s, bad) => L.uniform_(f32(s), 0, bad as number) },
        mean: { bad: badFinite, call: (s, bad) => L.normal_(f32(s), bad as number, 1) },
        std: { bad: fc.oneof(badFinite, fc.constant(-1)), call: (s, bad) => L.normal_(f32(s), 0, bad as number) },
        value: {
          bad: badFinite.filter((v) => typeof v !== 'number'),
          call: (s, bad) => L.constant_(f32(s), bad as number),
        },
        'nonlinearity ': {
          names: 'nonlinearity',
          bad: fc.constantFrom<unknown>('Relu', 3, null),
          call: (_s, bad) => L.calculateGain(bad as L.Nonlinearity),
        },
        shape: {
          names: /shape|dimensions/,
          bad: fc.oneof(badShape, fc.constant([3])),
          call: (_s, bad) => L.calculateFanInAndFanOut(bad as number[]),
        },
      },
    },
    15,
  );

  run(
    {
      op: ['encodeSafetensors', 'decodeSafetensors', 'idx', 'encodeIdx', 'MnistDataset'],
      valid: fc.integer({ min: 1, max: 4 }),
      mutations: {
        tensors: {
          bad: fc.constantFrom<unknown>(null, 3, 'x', { a: 3 }, { a: null }, { __metadata__: T.zeros([1]) }),
          call: (_n, bad) => L.encodeSafetensors(bad as L.TensorMap),
        },
        metadata: {
          bad: fc.constantFrom<unknown>(null, 3, { a: 3 }, { a: null }),
          call: (n, bad) => L.encodeSafetensors({ a: T.zeros([n]) }, bad as L.SafetensorsMetadata),
        },
        bytes: {
          bad: fc.constantFrom<unknown>(null, 3, 'abc', [1, 2, 3], new Float32Array(4), {}),
          call: (_n, bad) => L.decodeSafetensors(bad as Uint8Array),
        },
        'bytes ': {
          names: 'bytes',
          bad: fc.constantFrom<unknown>(null, 3, 'abc', [0, 0, 8, 1], new Int8Array(8)),
          call: (_n, bad) => L.parseIdx(bad as Uint8Array),
        },
        dtype: {
          bad: fc.constantFrom<unknown>('uint16', 3, null),
          call: (n, bad) => L.encodeIdx({ dtype: bad as 'uint8', shape: [n], data: new Uint8Array(n) }),
        },
        shape: {
          bad: fc.constantFrom<unknown>([], [2, 2], [-1], [0.5], null, 'ab', new Array(17).fill(1)),
          call: (n, bad) => L.encodeIdx({ dtype: 'uint8', shape: bad as number[], data: new Uint8Array(n * 5) }),
        },
        images: {
          bad: fc.constantFrom<unknown>(null, [1], new Int8Array(4), 'img'),
          call: (n, bad) => new L.MnistDataset(bad as Uint8Array, new Uint8Array(n)),
        },
        labels: {
          names: /labels|images/,
          bad: fc.constantFrom<unknown>(null, [1], 'lbl', 'wrong count'),
          call: (n, bad) =>
            new L.MnistDataset(
              new Uint8Array(n * 784),
              (bad === 'wrong count' ? new Uint8Array(n + 1) : bad) as Uint8Array,
            ),
        },
      },
    },
    15,
  );
});

// Every size-like argument drawn near and past 2^31 (a tensor's limit) and 2^53 (exact doubles): the
// op either computes a small result (a stride that large over a short input is one window) or says,
// in its own typed error, which argument made how many elements — never an engine error or a hang.
describe('sizes near and past 2^31 and 2^53', () => {
  const small = fc.record({
    n: fc.integer({ min: 1, max: 2 }),
    c: fc.integer({ min: 1, max: 2 }),
    l: fc.integer({ min: 2, max: 4 }),
    k: fc.integer({ min: 1, max: 2 }),
  });
  type Small = { n: number; c: number; l: number; k: number };
  // A huge size that is valid must give the right answer, not just any answer: the result is compared
  // with the same call at a small size that means the same (a stride past the input is one window, a
  // dilation of a 1-wide kernel changes nothing). A mismatch throws a plain Error, which the fuzz
  // reports as not a typed error.
  const sameAs = (out: unknown, expected: () => unknown): unknown => {
    const [a, b] = [out, expected()].map((v) => (v instanceof A.Variable ? v.data : (v as Tensor)));
    const close = T.sameShape(a!.shape, b!.shape) && T.allClose(a!, b!, 1e-5, 1e-6);
    if (!close) throw new Error(`wrong result ${T.formatShape(a!.shape)}, expected ${T.formatShape(b!.shape)}`);
    return out;
  };
  // Inputs drawn from their shape alone, so the reference call sees the same values.
  const fixed = (shape: number[]) =>
    A.randn(shape, { generator: new Generator(shape.reduce((a, d) => a * 31 + d, 7)), requiresGrad: true });
  const spatial = (s: Small, dims: number) => new Array<number>(dims).fill(s.l);
  const kernel = (s: Small, dims: number) => new Array<number>(dims).fill(s.k);
  for (const [name, dims, conv] of [
    ['conv1d', 1, F.conv1d],
    ['conv2d', 2, F.conv2d],
    ['conv3d', 3, F.conv3d],
    ['convNd', 4, F.convNd],
  ] as const) {
    const call = (s: Small, options: F.ConvOptions) =>
      conv(fixed([s.n, s.c, ...spatial(s, dims)]), fixed([2, s.c, ...kernel(s, dims)]), null, options);
    run({
      op: name,
      valid: small,
      mutations: {
        padding: { bad: hugeSize, call: (s, bad) => call(s, { padding: bad as number }) },
        stride: {
          bad: hugeSize,
          mayReturn: true,
          call: (s, bad) => sameAs(call(s, { stride: bad as number }), () => call(s, { stride: s.l })),
        },
        dilation: {
          names: /dilat/,
          bad: hugeSize,
          mayReturn: true, // only a 1-wide kernel fits, and then the dilation changes nothing
          call: (s, bad) => sameAs(call(s, { dilation: bad as number }), () => call(s, {})),
        },
        'padding ': {
          names: /padding/,
          bad: hugeSize,
          // (L + 2p − k) / s + 1 = 3 windows per axis: the two outer ones see only padding.
          mayReturn: true,
          call: (s, bad) =>
            sameAs(call(s, { padding: bad as number, stride: bad as number }), () =>
              T.pad(
                call(s, { stride: s.l }).data,
                spatial(s, dims).map((): [number, number] => [1, 1]),
              ),
            ),
        },
      },
    });
  }
  for (const [name, dims, convT] of [
    ['convTranspose1d', 1, F.convTranspose1d],
    ['convTranspose2d', 2, F.convTranspose2d],
    ['convTranspose3d', 3, F.convTranspose3d],
    ['convTransposeNd', 4, F.convTransposeNd],
  ] as const) {
    const call = (s: Small, options: F.ConvTransposeOptions) =>
      convT(fixed([s.n, s.c, ...spatial(s, dims)]), fixed([s.c, 2, ...kernel(s, dims)]), null, options);
    run({
      op: name,
      valid: small,
      mutations: {
        stride: { bad: hugeSize, call: (s, bad) => call(s, { stride: bad as number }) },
        padding: { bad: hugeSize, call: (s, bad) => call(s, { padding: bad as number }) },
        outputPadding: { bad: hugeSize, call: (s, bad) => call(s, { outputPadding: bad as number }) },
        dilation: {
          bad: hugeSize,
          mayReturn: true,
          call: (s, bad) => sameAs(call(s, { dilation: bad as number }), () => call(s, {})),
        },
      },
    });
  }
  for (const [name, dims, poolFn] of [
    ['maxPool1d', 1, F.maxPool1d],
    ['maxPool2d', 2, F.maxPool2d],
    ['avgPool1d', 1, F.avgPool1d],
    ['avgPool2d', 2, F.avgPool2d],
    ['maxPool3d', 3, F.maxPool3d],
    ['avgPool3d', 3, F.avgPool3d],
    ['maxPoolNd', 4, (x: F.TensorInput, o: F.MaxPoolOptions) => F.maxPoolNd(x, 4, o)],
    ['avgPoolNd', 4, (x: F.TensorInput, o: F.AvgPoolOptions) => F.avgPoolNd(x, 4, o)],
  ] as const) {
    const pool = poolFn as unknown as (x: unknown, options: unknown) => unknown;
    const call = (s: Small, options: Record<string, unknown>) =>
      pool(fixed([s.n, s.c, ...spatial(s, dims)]), { kernelSize: s.k, ...options });
    run({
      op: name,
      valid: small,
      mutations: {
        kernelSize: { bad: hugeSize, call: (s, bad) => call(s, { kernelSize: bad }) },
        stride: {
          bad: hugeSize,
          mayReturn: true,
          call: (s, bad) => sameAs(call(s, { stride: bad }), () => call(s, { stride: s.l })),
        },
        padding: { bad: hugeSize, call: (s, bad) => call(s, { padding: bad }) },
        ...(name.startsWith('max')
          ? {
              dilation: {
                bad: hugeSize,
                mayReturn: true,
                call: (s: Small, bad: unknown) => sameAs(call(s, { dilation: bad }), () => call(s, {})),
              },
            }
          : {}),
      },
    });
  }
  for (const [name, adaptive] of [
    ['adaptiveAvgPool2d', F.adaptiveAvgPool2d],
    ['adaptiveMaxPool2d', F.adaptiveMaxPool2d],
    ['adaptiveAvgPoolNd', (x: F.TensorInput, size: F.AdaptiveOutputSize) => F.adaptiveAvgPoolNd(x, 2, size)],
    ['adaptiveMaxPoolNd', (x: F.TensorInput, size: F.AdaptiveOutputSize) => F.adaptiveMaxPoolNd(x, 2, size)],
  ] as const) {
    const pool = adaptive as unknown as (x: unknown, outputSize: unknown) => unknown;
    run({
      op: name,
      valid: small,
      mutations: {
        outputSize: {
          bad: fc.oneof(
            hugeSize,
            hugeSize.map((h) => [2, h]),
          ),
          call: (s, bad) => pool(fixed([s.n, s.c, s.l, s.l]), bad),
        },
      },
    });
  }
  // The modules take the same sizes at construction; the error may come from either place.
  for (const [name, Pool, fn] of [
    ['MaxPool1d', L.MaxPool1d, 'maxPool1d'],
    ['MaxPool2d', L.MaxPool2d, 'maxPool2d'],
    ['AvgPool1d', L.AvgPool1d, 'avgPool1d'],
    ['AvgPool2d', L.AvgPool2d, 'avgPool2d'],
  ] as const) {
    const P = Pool as unknown as new (kernelSize: unknown, options?: unknown) => L.Module;
    const dims = name.endsWith('1d') ? 1 : 2;
    const call = (s: Small, kernelSize: unknown, options: Record<string, unknown>) =>
      (new P(kernelSize, options) as unknown as { forward(x: unknown): unknown }).forward(
        fixed([s.n, s.c, ...spatial(s, dims)]),
      );
    run({
      op: [name, fn],
      valid: small,
      mutations: {
        kernelSize: { bad: hugeSize, call: (s, bad) => call(s, bad, {}) },
        stride: {
          bad: hugeSize,
          mayReturn: true,
          call: (s, bad) => sameAs(call(s, s.k, { stride: bad }), () => call(s, s.k, { stride: s.l })),
        },
        padding: { bad: hugeSize, call: (s, bad) => call(s, s.k, { padding: bad }) },
      },
    });
  }
  for (const [name, Adaptive, fn] of [
    ['AdaptiveAvgPool2d', L.AdaptiveAvgPool2d, 'adaptiveAvgPool2d'],
    ['AdaptiveMaxPool2d', L.AdaptiveMaxPool2d, 'adaptiveMaxPool2d'],
  ] as const) {
    const P = Adaptive as unknown as new (outputSize: unknown) => { forward(x: unknown): unknown };
    run({
      op: [name, fn],
      valid: small,
      mutations: {
        outputSize: {
          bad: fc.oneof(
            hugeSize,
            hugeSize.map((h) => [h, 2]), // [h, 1] at h = 2^31 − 1 would be a valid 8 GB output
          ),
          call: (s, bad) => new P(bad).forward(fixed([s.n, s.c, s.l, s.l])),
        },
      },
    });
  }
  run({
    op: ['Upsample', 'interpolate'],
    valid: small,
    mutations: {
      size: {
        bad: fc.oneof(
          hugeSize,
          hugeSize.map((h) => [2, h]),
        ),
        call: (s, bad) => new L.Upsample({ size: bad as number }).forward(fixed([s.n, s.c, s.l, s.l])),
      },
      scaleFactor: {
        bad: hugeSize,
        call: (s, bad) => new L.Upsample({ scaleFactor: bad as number }).forward(fixed([s.n, s.c, s.l, s.l])),
      },
    },
  });
  // Parameters of a size past 2^31 − 1 cannot exist (2^31 − 1 itself would be an 8 GB allocation).
  const pastTensor = hugeSize.filter((h) => h > 2 ** 31 - 1);
  run({
    op: ['LayerNorm', 'GroupNorm', 'InstanceNorm1d', 'BatchNorm3d', 'PReLU'],
    valid: fc.constant(0),
    mutations: {
      normalizedShape: { bad: pastTensor, call: (_v, bad) => new L.LayerNorm([2, bad as number]) },
      numChannels: { bad: pastTensor, call: (_v, bad) => new L.GroupNorm(1, bad as number) },
      numFeatures: {
        bad: pastTensor,
        call: (_v, bad) =>
          (bad as number) % 2 === 0
            ? new L.InstanceNorm1d(bad as number, { affine: true })
            : new L.BatchNorm3d(bad as number),
      },
      numParameters: { bad: pastTensor, call: (_v, bad) => new L.PReLU({ numParameters: bad as number }) },
    },
  });
  run({
    op: ['Unflatten', 'unflatten', 'reshape', 'view'],
    valid: fc.integer({ min: 2, max: 4 }),
    mutations: {
      unflattenedSize: {
        names: /shape|unflattenedSize|size/,
        bad: fc.oneof(
          hugeSize.map((h) => [h]),
          hugeSize.map((h) => [h, -1]),
          hugeSize.map((h) => [2, h]),
        ),
        call: (m, bad) => new L.Unflatten(1, bad as number[]).forward(fixed([2, m * 2])),
      },
    },
  });
  run({
    op: 'DataLoader',
    valid: fc.integer({ min: 1, max: 5 }),
    mutations: {
      batchSize: {
        bad: hugeSize,
        mayReturn: true, // a batch larger than the data set is the whole data set, as PyTorch
        call: (n, bad) => {
          const data = new L.TensorDataset(T.arange(0, n, 1, { dtype: 'float32' }));
          const batches = [...new L.DataLoader(data, { batchSize: bad as number })];
          const [first] = batches[0] as unknown as Tensor[];
          if (batches.length !== 1 || first!.shape[0] !== n) throw new Error(`wrong batches: ${batches.length}`);
          return batches;
        },
      },
    },
  });
  run({
    op: 'interpolate',
    valid: small,
    mutations: {
      size: {
        bad: fc.oneof(
          hugeSize,
          hugeSize.map((h) => [h, 2]),
        ),
        call: (s, bad) => F.interpolate(fixed([s.n, s.c, s.l, s.l]), { size: bad as number }),
      },
      scaleFactor: {
        bad: hugeSize,
        call: (s, bad) => F.interpolate(fixed([s.n, s.c, s.l, s.l]), { scaleFactor: bad as number }),
      },
    },
  });
  run({
    op: 'Linear',
    valid: fc.integer({ min: 2, max: 4 }),
    mutations: {
      inFeatures: {
        names: /outFeatures × inFeatures/,
        bad: hugeSize,
        call: (m, bad) => new L.Linear(bad as number, m),
      },
      outFeatures: {
        names: /outFeatures × inFeatures/,
        bad: hugeSize,
        call: (m, bad) => new L.Linear(m, bad as number),
      },
    },
  });
  for (const [name, Conv] of [
    ['Conv1d', L.Conv1d],
    ['Conv2d', L.Conv2d],
    ['Conv3d', L.Conv3d],
    ['ConvTranspose1d', L.ConvTranspose1d],
    ['ConvTranspose2d', L.ConvTranspose2d],
  ] as const) {
    const C = Conv as unknown as new (cIn: unknown, cOut: unknown, k: unknown) => L.Module;
    run({
      op: name,
      valid: fc.integer({ min: 2, max: 3 }),
      mutations: {
        inChannels: { names: /weight .*inChannels/, bad: hugeSize, call: (k, bad) => new C(bad, 2, k) },
        outChannels: { names: /weight .*outChannels/, bad: hugeSize, call: (k, bad) => new C(2, bad, k) },
        kernelSize: { names: /weight .*kernelSize/, bad: hugeSize, call: (_k, bad) => new C(2, 2, bad) },
      },
    });
  }
  run({
    op: ['BatchNorm1d', 'BatchNorm2d'],
    valid: fc.constantFrom(L.BatchNorm1d, L.BatchNorm2d),
    mutations: {
      numFeatures: { bad: hugeSize.filter((h) => h > 2 ** 31 - 1), call: (B, bad) => new B(bad as number) },
    },
  });
  run({
    op: ['pad', 'reshape', 'expand'],
    valid: fc.constantFrom<'pad' | 'reshape' | 'expand'>('pad', 'reshape', 'expand'),
    mutations: {
      shape: {
        names: /shape|padWidth/,
        bad: hugeShape,
        call: (name, bad) =>
          name === 'pad'
            ? A.pad(fixed([2, 2]), [
                [0, (bad as number[])[0]!],
                [0, (bad as number[]).slice(1).reduce((a, d) => a * d, 1)],
              ])
            : name === 'reshape'
              ? A.reshape(fixed([2, 3]), bad as number[])
              : A.expand(fixed([1, 1]), bad as number[]),
      },
    },
  });
  it("the issue's three: conv2d padding 32768, AdaptiveAvgPool2d(2^53), contiguous(expand(t, [2^20, 2^20]))", () => {
    const conv = () => F.conv2d(T.randn([2, 3, 8, 8]), T.randn([4, 3, 3, 3]), null, { padding: 32768 });
    expect(conv).toThrow(RangeError);
    expect(conv).toThrow(/^conv2d: the output \[2, 4, 65542, 65542\] .* holds 34366030112 elements/);
    expect(() => new L.AdaptiveAvgPool2d(2 ** 53).forward(T.randn([1, 1, 4, 4]))).toThrow(
      /^adaptiveAvgPool2d: the output \[1, 1, 9007199254740992, 9007199254740992\] for outputSize=9007199254740992 holds/,
    );
    expect(() => T.contiguous(T.expand(T.randn([1, 1]), [2 ** 20, 2 ** 20]))).toThrow(
      /^expand: shape \[1048576, 1048576\] holds 1099511627776 elements, more than the 2147483647 a tensor can hold/,
    );
  });
});

describe('every public options object refuses unknown keys, with a did-you-mean for near and snake_case names', () => {
  type Call = (o: Record<string, unknown>) => unknown;
  const x1 = () => leaf([2, 3, 6]);
  const x2 = () => leaf([2, 3, 6, 6]);
  const x3 = () => leaf([1, 2, 4, 4, 4]);
  const w = (shape: number[]) => leaf(shape);
  const conv = ['stride', 'padding', 'dilation', 'groups', 'paddingMode'];
  const convT = ['stride', 'padding', 'outputPadding', 'outputSize', 'dilation', 'groups'];
  const convModule = ['stride', 'padding', 'dilation', 'groups', 'bias', 'paddingMode', 'dtype', 'generator'];
  const convTModule = [
    'stride',
    'padding',
    'outputPadding',
    'dilation',
    'groups',
    'bias',
    'dtype',
    'generator',
    'paddingMode',
  ];
  const maxPool = ['kernelSize', 'stride', 'padding', 'ceilMode', 'dilation', 'returnIndices'];
  const avgPool = ['kernelSize', 'stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'];
  const bn = ['eps', 'momentum', 'affine', 'trackRunningStats', 'dtype'];
  const sgdParams = () => [new L.Parameter(T.zeros([2]))];
  const optimizer = () => new L.SGD(sgdParams(), { lr: 0.1 });
  const interpolate = ['size', 'scaleFactor', 'mode', 'alignCorners'];
  const specs: [string | string[], readonly string[], Call][] = [
    // functional
    ['conv1d', conv, (o) => F.conv1d(x1(), w([4, 3, 3]), null, o)],
    ['conv2d', conv, (o) => F.conv2d(x2(), w([4, 3, 3, 3]), null, o)],
    ['conv3d', conv, (o) => F.conv3d(x3(), w([2, 2, 3, 3, 3]), null, o)],
    ['convNd', conv, (o) => F.convNd(x2(), w([4, 3, 3, 3]), null, o)],
    [['conv2dReluMaxPool2d', 'conv2d'], conv, (o) => F.conv2dReluMaxPool2d(x2(), w([4, 3, 3, 3]), null, o)],
    ['convTranspose1d', convT, (o) => F.convTranspose1d(x1(), w([3, 2, 3]), null, o)],
    ['convTranspose2d', convT, (o) => F.convTranspose2d(x2(), w([3, 2, 3, 3]), null, o)],
    ['convTranspose3d', convT, (o) => F.convTranspose3d(x3(), w([2, 2, 3, 3, 3]), null, o)],
    ['maxPool1d', maxPool, (o) => F.maxPool1d(x1(), { ...o, kernelSize: 2 })],
    ['maxPool2d', maxPool, (o) => F.maxPool2d(x2(), { ...o, kernelSize: 2 })],
    ['avgPool1d', avgPool, (o) => F.avgPool1d(x1(), { ...o, kernelSize: 2 })],
    ['avgPool2d', avgPool, (o) => F.avgPool2d(x2(), { ...o, kernelSize: 2 })],
    ['adaptiveMaxPool2d', ['returnIndices'], (o) => F.adaptiveMaxPool2d(x2(), 2, o)],
    ['adaptiveMaxPool1d', ['returnIndices'], (o) => F.adaptiveMaxPool1d(x1(), 2, o)],
    ['maxPool3d', maxPool, (o) => F.maxPool3d(x3(), { ...o, kernelSize: 2 })],
    ['avgPool3d', avgPool, (o) => F.avgPool3d(x3(), { ...o, kernelSize: 2 })],
    ['MaxPool3d', ['stride', 'padding', 'dilation', 'ceilMode'], (o) => new L.MaxPool3d(2, o)],
    [
      'AvgPool3d',
      ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'],
      (o) => new L.AvgPool3d(2, o),
    ],
    ['ConvTranspose3d', convTModule, (o) => new L.ConvTranspose3d(2, 2, 3, o)],
    ['dropout', ['p', 'training', 'generator'], (o) => F.dropout(x2(), o)],
    ['dropout2d', ['p', 'training', 'generator'], (o) => F.dropout2d(x2(), o)],
    [
      'batchNorm',
      ['weight', 'bias', 'training', 'momentum', 'eps'],
      (o) => F.batchNorm(x2(), null, null, { training: true, ...o }),
    ],
    ['layerNorm', ['weight', 'bias', 'eps'], (o) => F.layerNorm(x2(), [6], o)],
    ['groupNorm', ['weight', 'bias', 'eps'], (o) => F.groupNorm(x2(), 3, o)],
    [
      'instanceNorm',
      ['weight', 'bias', 'eps', 'runningMean', 'runningVar', 'useInputStats', 'momentum'],
      (o) => F.instanceNorm(x2(), o),
    ],
    ['interpolate', interpolate, (o) => F.interpolate(x2(), { size: 4, ...o })],
    ['elu', ['alpha'], (o) => F.elu(x2(), o)],
    ['softplus', ['beta', 'threshold'], (o) => F.softplus(x2(), o)],
    ['gelu', ['approximate'], (o) => F.gelu(x2(), o)],
    [
      'crossEntropy',
      ['weight', 'ignoreIndex', 'reduction', 'labelSmoothing'],
      (o) => F.crossEntropy(leaf([2, 3]), i32([2]), o),
    ],
    ['nllLoss', ['weight', 'ignoreIndex', 'reduction'], (o) => F.nllLoss(leaf([2, 3]), i32([2]), o)],
    ['mseLoss', ['reduction'], (o) => F.mseLoss(leaf([2, 3]), f32([2, 3]), o)],
    ['klDiv', ['reduction', 'logTarget'], (o) => F.klDiv(leaf([2, 3]), f32([2, 3]), o)],
    ['huberLoss', ['reduction', 'delta'], (o) => F.huberLoss(leaf([2, 3]), f32([2, 3]), o)],
    // modules
    ['Conv1d', convModule, (o) => new L.Conv1d(3, 4, 3, o)],
    ['Conv2d', convModule, (o) => new L.Conv2d(3, 4, 3, o)],
    ['Conv3d', convModule, (o) => new L.Conv3d(3, 4, 3, o)],
    ['ConvTranspose1d', convTModule, (o) => new L.ConvTranspose1d(3, 4, 3, o)],
    ['ConvTranspose2d', convTModule, (o) => new L.ConvTranspose2d(3, 4, 3, o)],
    ['MaxPool1d', ['stride', 'padding', 'dilation', 'ceilMode'], (o) => new L.MaxPool1d(2, o)],
    ['MaxPool2d', ['stride', 'padding', 'dilation', 'ceilMode'], (o) => new L.MaxPool2d(2, o)],
    [
      'AvgPool2d',
      ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'],
      (o) => new L.AvgPool2d(2, o),
    ],
    ['Linear', ['bias', 'dtype', 'generator'], (o) => new L.Linear(3, 4, o)],
    ['Dropout', ['generator'], (o) => new L.Dropout(0.5, o)],
    ['Dropout2d', ['generator'], (o) => new L.Dropout2d(0.5, o)],
    ['BatchNorm1d', bn, (o) => new L.BatchNorm1d(3, o)],
    ['BatchNorm2d', bn, (o) => new L.BatchNorm2d(3, o)],
    ['LayerNorm', ['eps', 'elementwiseAffine', 'dtype'], (o) => new L.LayerNorm([6], o)],
    ['GroupNorm', ['eps', 'affine', 'dtype'], (o) => new L.GroupNorm(1, 3, o)],
    ['InstanceNorm2d', ['eps', 'momentum', 'affine', 'trackRunningStats', 'dtype'], (o) => new L.InstanceNorm2d(3, o)],
    ['ELU', ['alpha'], (o) => new L.ELU(o)],
    ['Softplus', ['beta', 'threshold'], (o) => new L.Softplus(o)],
    ['PReLU', ['numParameters', 'init', 'dtype'], (o) => new L.PReLU(o)],
    ['Upsample', interpolate, (o) => new L.Upsample({ scaleFactor: 2, ...o })],
    ['CrossEntropyLoss', ['weight', 'ignoreIndex', 'reduction', 'labelSmoothing'], (o) => new L.CrossEntropyLoss(o)],
    ['MSELoss', ['reduction'], (o) => new L.MSELoss(o)],
    ['loadStateDict', ['strict'], (o) => new L.Linear(2, 2).loadStateDict(new L.Linear(2, 2).stateDict(), o)],
    ['numParameters', ['trainableOnly'], (o) => new L.Linear(2, 2).numParameters(o)],
    ['summary', ['dtype', 'print'], (o) => L.summary(new L.Linear(2, 2), [1, 2], { print: false, ...o })],
    // init
    ['uniform_', ['generator'], (o) => L.uniform_(T.zeros([2, 2]), 0, 1, o)],
    ['normal_', ['generator'], (o) => L.normal_(T.zeros([2, 2]), 0, 1, o)],
    ['kaimingUniform_', ['a', 'mode', 'nonlinearity', 'generator'], (o) => L.kaimingUniform_(T.zeros([2, 2]), o)],
    ['kaimingNormal_', ['a', 'mode', 'nonlinearity', 'generator'], (o) => L.kaimingNormal_(T.zeros([2, 2]), o)],
    ['xavierUniform_', ['gain', 'generator'], (o) => L.xavierUniform_(T.zeros([2, 2]), o)],
    ['xavierNormal_', ['gain', 'generator'], (o) => L.xavierNormal_(T.zeros([2, 2]), o)],
    // optimizers and schedulers
    [
      'SGD',
      ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize'],
      (o) => new L.SGD(sgdParams(), { lr: 0.1, ...o }),
    ],
    ['Adam', ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize'], (o) => new L.Adam(sgdParams(), o)],
    ['AdamW', ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize'], (o) => new L.AdamW(sgdParams(), o)],
    [
      'RMSprop',
      ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered', 'maximize'],
      (o) => new L.RMSprop(sgdParams(), o),
    ],
    ['Adadelta', ['lr', 'rho', 'eps', 'weightDecay', 'maximize'], (o) => new L.Adadelta(sgdParams(), o)],
    [
      'Adagrad',
      ['lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps', 'maximize'],
      (o) => new L.Adagrad(sgdParams(), o),
    ],
    ['StepLR', ['stepSize', 'gamma'], (o) => new L.StepLR(optimizer(), { stepSize: 2, ...o })],
    ['ExponentialLR', ['gamma'], (o) => new L.ExponentialLR(optimizer(), { gamma: 0.9, ...o })],
    ['MultiStepLR', ['milestones', 'gamma'], (o) => new L.MultiStepLR(optimizer(), { milestones: [2], ...o })],
    ['LinearLR', ['startFactor', 'endFactor', 'totalIters'], (o) => new L.LinearLR(optimizer(), o)],
    ['CosineAnnealingLR', ['tMax', 'etaMin'], (o) => new L.CosineAnnealingLR(optimizer(), { tMax: 3, ...o })],
    // data, training, pictures, checkpoints
    [
      'DataLoader',
      ['batchSize', 'shuffle', 'dropLast', 'generator', 'collate', 'transform'],
      (o) => new L.DataLoader(new L.TensorDataset(f32([4, 2])), o),
    ],
    ['randomCrop', ['padding', 'generator'], (o) => L.transforms.randomCrop(4, o)],
    ['randomHorizontalFlip', ['p', 'generator'], (o) => L.transforms.randomHorizontalFlip(o)],
    ['MnistDataset', ['mean', 'std', 'shape'], (o) => new L.MnistDataset(new Uint8Array(784), new Uint8Array(1), o)],
    [
      'makeGrid',
      ['nrow', 'padding', 'normalize', 'valueRange', 'scaleEach', 'padValue'],
      (o) => L.visualize.makeGrid(f32([2, 1, 3, 3]), o),
    ],
    [
      'filtersToImage',
      ['scale', 'columns', 'normalize', 'labels', 'title', 'gap', 'valueScale'],
      (o) => L.visualize.filtersToImage(f32([2, 1, 3, 3]), o),
    ],
    [
      'lineChart',
      ['width', 'height', 'title', 'xLabel', 'yLabel', 'yMin', 'yMax'],
      (o) => L.visualize.lineChart([{ name: 'loss', y: [1, 0.5] }], o),
    ],
    [
      'trainEpoch',
      ['label', 'progress', 'onBatch', 'afterStep'],
      (o) => {
        const model = new L.Linear(2, 1);
        const loader = new L.DataLoader(new L.TensorDataset(f32([2, 2]), f32([2, 1])), { batchSize: 2 });
        return L.trainEpoch(model, new L.SGD(model.parameters(), { lr: 0.1 }), loader, F.mseLoss, {
          progress: false,
          ...o,
        });
      },
    ],
    [
      'captureTrainingState',
      ['model', 'optimizer', 'scheduler', 'generators', 'epoch', 'step', 'extra'],
      (o) => {
        const model = new L.Linear(2, 1);
        return L.captureTrainingState({
          model,
          optimizer: new L.SGD(model.parameters(), { lr: 0.1 }),
          epoch: 0,
          step: 0,
          ...o,
        } as L.TrainingState);
      },
    ],
    [
      'exportOnnx',
      ['opsetVersion', 'dynamicBatch', 'inputName', 'outputName'],
      (o) => L.toOnnxBytes(new L.Linear(2, 1), [1, 2], o),
    ],
  ];
  for (const [op, known, call] of specs)
    it(`${String(op)}: ${known.join(', ')}`, () => {
      fuzzOptionKeys({ op, known, call }, 10);
    });
  it('optimizer parameter groups refuse unknown keys too, suggesting the option', () => {
    const group = { params: sgdParams(), weight_decay: 0.1 };
    expect(() => new L.SGD([group] as never, { lr: 0.1 })).toThrow(TypeError);
    expect(() => new L.SGD([group] as never, { lr: 0.1 })).toThrow(
      /SGD: unknown key 'weight_decay' in paramGroups\[0\]; did you mean 'weightDecay'\?/,
    );
  });
});

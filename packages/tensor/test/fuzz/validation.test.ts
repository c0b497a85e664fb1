import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import * as T from '@torchlet/tensor';
import { Generator, Tensor } from '@torchlet/tensor';
import {
  col2im,
  convGeometry,
  convOutputSize,
  im2col,
  im2colInto,
  col2imInto,
  gemmJs,
  getBackendInfo,
  setBackend,
  setGemm,
  type BackendName,
} from '@torchlet/tensor/kernels';
import {
  arbSmallShape,
  badAxis,
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
} from '@torchlet/tensor/testing';

// Valid tensors are built inside the call from plain data (shape, dtype), so counterexamples print.
const g = new Generator(0);
const f32 = (shape: readonly number[]) => T.randn(shape, { generator: g });
const i32 = (shape: readonly number[]) => T.randint(0, 3, shape, { generator: g });

const run = <V>(spec: OpSpec<V>, numRuns = 60) =>
  it(`${typeof spec.op === 'string' ? spec.op : spec.op[0]} rejects: ${Object.keys(spec.mutations).join(', ')}`, () => {
    fuzzOp(spec, numRuns);
  });

afterAll(() => {
  console.log(summary('@torchlet/tensor'));
});

describe('tensor creation', () => {
  run({
    op: 'Tensor',
    valid: arbSmallShape(),
    mutations: {
      data: {
        bad: fc.constantFrom<unknown>(null, undefined, [1, 2], new Uint8Array(4), 3, {}),
        call: (s, bad) => new Tensor(bad as Float32Array, s),
      },
      shape: {
        names: /storage|shape/,
        bad: fc.constantFrom<unknown>([50, 50], [-1], [1.5], [Number.NaN], null, 'ab'),
        call: (s, bad) => new Tensor(new Float32Array(T.sizeOf(s)), bad as number[]),
      },
      strides: {
        names: /strides|storage/,
        bad: fc.constantFrom<unknown>([1, 1, 1, 1, 1], [-1, 1, 1], [1.5, 1, 1], 'x', [Number.NaN, 1, 1]),
        call: (s, bad) => new Tensor(new Float32Array(T.sizeOf(s)), s, bad as number[]),
      },
      offset: {
        names: /offset/,
        bad: fc.constantFrom<unknown>(-1, 1.5, Number.NaN, 1000, '0', null),
        call: (s, bad) => new Tensor(new Float32Array(T.sizeOf(s)), s, undefined, bad as number),
      },
    },
  });

  for (const name of ['zeros', 'ones', 'rand', 'randn'] as const) {
    run({
      op: name,
      valid: arbSmallShape(0),
      mutations: {
        shape: { bad: badShape, call: (_s, bad) => T[name](bad as number[]) },
        dtype: { bad: badDType, call: (s, bad) => T[name](s, { dtype: bad as T.DType }) },
        options: { bad: badOptions, call: (s, bad) => T[name](s, bad as T.CreateOptions) },
      },
    });
  }

  run({
    op: 'full',
    valid: arbSmallShape(0),
    mutations: {
      shape: { bad: badShape, call: (_s, bad) => T.full(bad as number[], 1) },
      value: {
        bad: fc.constantFrom<unknown>('1', null, undefined, {}, [1]),
        call: (s, bad) => T.full(s, bad as number),
      },
      dtype: { bad: badDType, call: (s, bad) => T.full(s, 1, { dtype: bad as T.DType }) },
    },
  });

  run({
    op: 'tensor',
    valid: arbSmallShape(1, 2),
    mutations: {
      data: {
        names: /data|element|ragged|root/,
        bad: fc.constantFrom<unknown>(null, undefined, 'abc', [[1, 2], [3]], [1, 'a'], [[1], 2], {}, [[[1]], [2]]),
        call: (_s, bad) => T.tensor(bad as number[]),
      },
      shape: {
        bad: fc.oneof(badShape, fc.constant([7, 7])),
        call: (s, bad) => T.tensor(new Float32Array(T.sizeOf(s)), { shape: bad as number[] }),
      },
      dtype: { bad: badDType, call: (s, bad) => T.tensor(new Array(T.sizeOf(s)).fill(1), { dtype: bad as T.DType }) },
      options: { bad: badOptions, call: (_s, bad) => T.tensor([1, 2], bad as T.CreateOptions) },
    },
  });

  run({
    op: 'arange',
    valid: fc.tuple(fc.integer({ min: -5, max: 5 }), fc.integer({ min: 6, max: 20 })),
    mutations: {
      start: { bad: badFinite, call: ([, end], bad) => T.arange(bad as number, end) },
      end: { bad: badFinite, call: ([start], bad) => T.arange(start, bad as number) },
      step: {
        bad: fc.oneof(badFinite, fc.constantFrom<unknown>(0, -1, -0.5)),
        call: ([start, end], bad) => T.arange(start, end, bad as number),
      },
      dtype: { bad: badDType, call: ([start, end], bad) => T.arange(start, end, 1, { dtype: bad as T.DType }) },
    },
  });

  run({
    op: 'linspace',
    valid: fc.tuple(fc.integer({ min: -5, max: 5 }), fc.integer({ min: 0, max: 20 })),
    mutations: {
      start: { bad: badFinite, call: ([, n], bad) => T.linspace(bad as number, 1, n) },
      end: { bad: badFinite, call: ([, n], bad) => T.linspace(0, bad as number, n) },
      steps: { bad: badInt(0), call: ([a], bad) => T.linspace(a, 10, bad as number) },
      dtype: { bad: badDType, call: ([a, n], bad) => T.linspace(a, 10, n, { dtype: bad as T.DType }) },
    },
  });

  run({
    op: 'eye',
    valid: fc.integer({ min: 0, max: 5 }),
    mutations: {
      n: { bad: badInt(0), call: (_n, bad) => T.eye(bad as number) },
      m: { bad: badInt(0), call: (n, bad) => T.eye(n, bad as number) },
      dtype: { bad: badDType, call: (n, bad) => T.eye(n, n, { dtype: bad as T.DType }) },
    },
  });

  run({
    op: 'uniform',
    valid: arbSmallShape(0),
    mutations: {
      low: { bad: badFinite, call: (s, bad) => T.uniform(s, bad as number, 1) },
      high: { bad: fc.oneof(badFinite, fc.constant(-5)), call: (s, bad) => T.uniform(s, 0, bad as number) },
      shape: { bad: badShape, call: (_s, bad) => T.uniform(bad as number[], 0, 1) },
      generator: {
        bad: fc.constantFrom<unknown>(3, {}, 'g', { next: () => 0.5 }),
        call: (s, bad) => T.uniform(s, 0, 1, { generator: bad as Generator }),
      },
    },
  });

  run({
    op: 'randint',
    valid: arbSmallShape(0),
    mutations: {
      low: {
        bad: fc.constantFrom<unknown>(0.5, Number.NaN, '0', null, Infinity),
        call: (s, bad) => T.randint(bad as number, 5, s),
      },
      high: {
        bad: fc.constantFrom<unknown>(0, -3, 2.5, Number.NaN, '9', null),
        call: (s, bad) => T.randint(0, bad as number, s),
      },
      shape: { bad: badShape, call: (_s, bad) => T.randint(0, 5, bad as number[]) },
    },
  });

  for (const name of ['zerosLike', 'onesLike'] as const) {
    run({
      op: name,
      valid: arbSmallShape(0),
      mutations: {
        t: { bad: notTensor, call: (_s, bad) => T[name](bad as Tensor) },
        // null is PyTorch's None here: the input's dtype
        dtype: {
          bad: badDType.filter((d) => d !== null),
          call: (s, bad) => T[name](f32(s), { dtype: bad as T.DType }),
        },
      },
    });
  }

  run({
    op: ['Generator', 'manualSeed'],
    valid: fc.integer(),
    mutations: {
      seed: { bad: badFinite, call: (_s, bad) => new Generator(bad as number) },
      'seed ': { names: 'seed', bad: badFinite, call: (s, bad) => new Generator(s).manualSeed(bad as number) },
    },
  });

  run({
    op: 'Generator.setState',
    valid: fc.integer(),
    mutations: {
      state: {
        bad: fc.constantFrom<unknown>(null, 3, {}, { seed: 1 }, { seed: 'a', prng: {} }, 'state'),
        call: (s, bad) => new Generator(s).setState(bad as T.GeneratorState),
      },
    },
  });
});

describe('sizes near and past 2^31 and 2^53 are RangeErrors naming the argument, not allocation failures', () => {
  const creators = ['zeros', 'ones', 'rand', 'randn', 'full', 'uniform', 'randint'] as const;
  const create = (name: (typeof creators)[number], shape: number[]) =>
    name === 'full'
      ? T.full(shape, 1)
      : name === 'uniform'
        ? T.uniform(shape, 0, 1)
        : name === 'randint'
          ? T.randint(0, 5, shape)
          : T[name](shape);
  run(
    {
      op: creators.filter((n) => n in T),
      valid: fc.constantFrom(...creators.filter((n) => n in T)),
      mutations: { shape: { bad: hugeShape, call: (name, bad) => create(name, bad as number[]) } },
    },
    20,
  );
  run(
    {
      op: 'arange',
      valid: fc.constant(0),
      mutations: {
        // 2^31 − 1 elements would be a valid 8 GB range: only the sizes past it.
        end: {
          names: /range|end/,
          bad: hugeSize.filter((h) => h > 2 ** 31 - 1),
          call: (_v, bad) => T.arange(0, bad as number),
        },
        step: {
          names: /range|step/,
          bad: hugeSize.filter((h) => h > 2 ** 31).map((h) => 1 / h),
          call: (_v, bad) => T.arange(0, 1, bad as number),
        },
      },
    },
    10,
  );
  run(
    {
      op: 'linspace',
      valid: fc.constant(0),
      mutations: {
        steps: { bad: hugeSize.filter((h) => h > 2 ** 31 - 1), call: (_v, bad) => T.linspace(0, 1, bad as number) },
      },
    },
    10,
  );
  run(
    {
      op: 'eye',
      valid: fc.integer({ min: 2, max: 4 }),
      mutations: {
        n: { names: /n × m/, bad: hugeSize, call: (m, bad) => T.eye(bad as number, m) },
        m: { names: /n × m/, bad: hugeSize, call: (n, bad) => T.eye(n, bad as number) },
      },
    },
    10,
  );
  run(
    {
      op: 'pad',
      valid: arbSmallShape(1, 2),
      mutations: {
        padWidth: {
          bad: fc.oneof(
            hugeSize,
            hugeSize.map((h) => [[0, h]]),
            hugeSize.map((h) => [[h, 0]]),
          ),
          call: (s, bad) => T.pad(f32(s.length === 1 ? [2, ...s] : s), bad as number),
        },
      },
    },
    10,
  );
  run(
    {
      op: 'expand',
      valid: fc.integer({ min: 0, max: 1 }),
      mutations: {
        shape: { bad: hugeShape, call: (lead, bad) => T.expand(T.ones(lead ? [1, 1] : [1]), bad as number[]) },
      },
    },
    10,
  );
  run(
    {
      op: ['reshape', 'view'],
      valid: fc.constantFrom<'reshape' | 'view'>('reshape', 'view'),
      mutations: { shape: { bad: hugeShape, call: (name, bad) => T[name](T.ones([2, 3]), bad as number[]) } },
    },
    10,
  );
  // Results whose size comes from two arguments: a broadcast, a product, a join, a selection.
  const wide = (n: number) => T.expand(T.ones([1]), [n]);
  run(
    {
      op: ['add', 'mul', 'sub', 'div', 'maximum', 'where'],
      valid: fc.constantFrom('add', 'mul', 'sub', 'div', 'maximum'),
      mutations: {
        shape: {
          names: /broadcast/,
          bad: hugeSize.filter((h) => h <= 2 ** 31),
          call: (name, bad) =>
            (T as unknown as Record<string, (a: Tensor, b: Tensor) => Tensor>)[name]!(
              T.reshape(wide(2 ** 16), [2 ** 16, 1]),
              T.reshape(wide(Math.ceil((bad as number) / 2 ** 16) + 1), [1, Math.ceil((bad as number) / 2 ** 16) + 1]),
            ),
        },
      },
    },
    5,
  );
  run(
    {
      op: 'matmul',
      valid: fc.constant(0),
      mutations: {
        shape: {
          names: /product/,
          bad: fc.constantFrom(2 ** 16, 2 ** 20),
          call: (_v, bad) =>
            T.matmul(T.expand(T.ones([1, 1]), [bad as number, 1]), T.expand(T.ones([1, 1]), [1, bad as number])),
        },
      },
    },
    5,
  );
  run(
    {
      op: ['concat', 'stack'],
      valid: fc.constantFrom<'concat' | 'stack'>('concat', 'stack'),
      mutations: {
        tensors: {
          names: /joining|stacked/,
          bad: fc.integer({ min: 2, max: 4 }),
          call: (name, bad) => T[name](new Array<Tensor>(bad as number).fill(wide(2 ** 30)), 0),
        },
      },
    },
    5,
  );
  run(
    {
      op: 'indexSelect',
      valid: fc.constant(0),
      mutations: {
        index: {
          names: /indices/,
          bad: fc.integer({ min: 2, max: 4 }),
          call: (_v, bad) =>
            T.indexSelect(T.reshape(wide(2 ** 30), [1, 2 ** 30]), 0, new Array<number>(bad as number).fill(0)),
        },
      },
    },
    5,
  );
  run(
    {
      op: 'narrow',
      valid: fc.integer({ min: 1, max: 4 }),
      mutations: {
        start: { bad: hugeSize, call: (n, bad) => T.narrow(T.ones([n, 2]), 0, bad as number, 1) },
        length: { bad: hugeSize, call: (n, bad) => T.narrow(T.ones([n, 2]), 0, 0, bad as number) },
      },
    },
    10,
  );
  // Python slicing clamps its bounds: a huge start is empty, a huge end the whole axis, a huge step
  // the first element. Those are the only right answers.
  const sliced = (out: Tensor, expected: number[]) => {
    if (
      !T.sameShape(out.shape, [expected.length]) ||
      Array.from(T.contiguousData(out)).some((v, i) => v !== expected[i])
    )
      throw new Error(`wrong slice ${T.formatShape(out.shape)}, expected [${expected.join(', ')}]`);
    return out;
  };
  run(
    {
      op: 'slice',
      valid: fc.integer({ min: 1, max: 4 }),
      mutations: {
        start: {
          bad: hugeSize,
          mayReturn: true,
          call: (n, bad) => sliced(T.slice(T.arange(0, n), 0, bad as number), []),
        },
        end: {
          bad: hugeSize,
          mayReturn: true,
          call: (n, bad) =>
            sliced(
              T.slice(T.arange(0, n), 0, 0, bad as number),
              Array.from({ length: n }, (_, i) => i),
            ),
        },
        step: {
          bad: hugeSize,
          mayReturn: true,
          call: (n, bad) => sliced(T.slice(T.arange(0, n), 0, 0, undefined, bad as number), [0]),
        },
      },
    },
    10,
  );
  it("a length past MAX_ELEMENTS that reaches an allocation anyway is our RangeError, not the engine's", () => {
    expect(() => new Tensor(new Float32Array(1), [2 ** 31, 1], [0, 0])).toThrow(RangeError);
  });
});

describe('elementwise', () => {
  for (const name of [
    'neg',
    'abs',
    'exp',
    'log',
    'sqrt',
    'tanh',
    'sigmoid',
    'relu',
    'floor',
    'round',
    'erf',
    'sin',
    'clone',
  ] as const) {
    run(
      {
        op: name,
        valid: arbSmallShape(0),
        mutations: { x: { bad: notTensor, call: (_s, bad) => T[name](bad as Tensor) } },
      },
      20,
    );
  }

  for (const name of ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'atan2', 'eq', 'lt'] as const) {
    run(
      {
        op: name,
        valid: arbSmallShape(1),
        mutations: {
          a: {
            bad: fc.constantFrom<unknown>(null, undefined, '1', [1, 2], {}, true),
            call: (s, bad) => T[name](bad as Tensor, f32(s)),
          },
          b: {
            bad: fc.constantFrom<unknown>(null, undefined, '1', [1, 2], {}, true),
            call: (s, bad) => T[name](f32(s), bad as Tensor),
          },
          shapes: {
            names: /do not broadcast/,
            bad: fc.integer({ min: 1, max: 4 }),
            call: (s, k) => T[name](f32([...s, 2]), f32([...s, 2 + (k as number)])),
          },
        },
      },
      30,
    );
  }

  run({
    op: 'leakyRelu',
    valid: arbSmallShape(0),
    mutations: {
      x: { bad: notTensor, call: (_s, bad) => T.leakyRelu(bad as Tensor) },
      negativeSlope: { bad: badFinite, call: (s, bad) => T.leakyRelu(f32(s), bad as number) },
    },
  });

  run({
    op: 'clamp',
    valid: arbSmallShape(0),
    mutations: {
      x: { bad: notTensor, call: (_s, bad) => T.clamp(bad as Tensor, 0, 1) },
      min: {
        names: /min|bounds/,
        bad: fc.constantFrom<unknown>(Number.NaN, '0', {}, [0]),
        call: (s, bad) => T.clamp(f32(s), bad as number, 1),
      },
      max: {
        names: /max|bounds/,
        bad: fc.constantFrom<unknown>(Number.NaN, '1', {}, [1]),
        call: (s, bad) => T.clamp(f32(s), 0, bad as number),
      },
    },
  });

  run({
    op: 'cast',
    valid: arbSmallShape(0),
    mutations: {
      x: { bad: notTensor, call: (_s, bad) => T.cast(bad as Tensor, 'float64') },
      dtype: { bad: fc.oneof(badDType, fc.constant(undefined)), call: (s, bad) => T.cast(f32(s), bad as T.DType) },
    },
  });

  run({
    op: 'where',
    valid: arbSmallShape(1),
    mutations: {
      condition: { bad: notTensor, call: (s, bad) => T.where(bad as Tensor, f32(s), f32(s)) },
      a: {
        bad: fc.constantFrom<unknown>(null, '1', [1], {}),
        call: (s, bad) => T.where(i32(s), bad as Tensor, f32(s)),
      },
      b: {
        bad: fc.constantFrom<unknown>(null, '1', [1], {}),
        call: (s, bad) => T.where(i32(s), f32(s), bad as Tensor),
      },
      shapes: {
        names: /do not broadcast/,
        bad: fc.integer({ min: 1, max: 4 }),
        call: (s, k) => T.where(i32([...s, 2]), f32([...s, 2]), f32([...s, 2 + (k as number)])),
      },
    },
  });

  run({
    op: 'allClose',
    valid: arbSmallShape(1),
    mutations: {
      a: { bad: notTensor, call: (s, bad) => T.allClose(bad as Tensor, f32(s)) },
      b: { bad: notTensor, call: (s, bad) => T.allClose(f32(s), bad as Tensor) },
      rtol: {
        bad: fc.constantFrom<unknown>(Number.NaN, -1, '1', null),
        call: (s, bad) => T.allClose(f32(s), f32(s), bad as number),
      },
      atol: {
        bad: fc.constantFrom<unknown>(Number.NaN, -1, '1', null),
        call: (s, bad) => T.allClose(f32(s), f32(s), 1e-5, bad as number),
      },
    },
  });
});

describe('movement', () => {
  run({
    op: 'reshape',
    valid: arbSmallShape(),
    mutations: {
      x: { bad: notTensor, call: (s, bad) => T.reshape(bad as Tensor, s) },
      shape: {
        bad: fc.oneof(
          badShape.filter((b) => JSON.stringify(b) !== '[-1]'),
          fc.constantFrom<unknown>([-1, -1], [1000], [0, -1], [2 ** 20, 2 ** 20]),
        ),
        call: (s, bad) => T.reshape(f32(s), bad as number[]),
      },
    },
  });

  run({
    op: 'view',
    valid: arbSmallShape(2),
    mutations: {
      x: { bad: notTensor, call: (s, bad) => T.view(bad as Tensor, s) },
      shape: {
        bad: fc.oneof(
          badShape.filter((b) => JSON.stringify(b) !== '[-1]'),
          fc.constantFrom<unknown>([-1, -1], [1000]),
        ),
        call: (s, bad) => T.view(f32(s), bad as number[]),
      },
    },
  });

  run({
    op: 'flatten',
    valid: arbSmallShape(),
    mutations: {
      x: { bad: notTensor, call: (_s, bad) => T.flatten(bad as Tensor) },
      startDim: { bad: badAxis(3), call: (s, bad) => T.flatten(f32(s), bad as number) },
      endDim: { bad: badAxis(3), call: (s, bad) => T.flatten(f32(s), 0, bad as number) },
    },
  });

  run({
    op: 'permute',
    valid: arbSmallShape(),
    mutations: {
      x: {
        bad: notTensor,
        call: (s, bad) =>
          T.permute(
            bad as Tensor,
            s.map((_, i) => i),
          ),
      },
      dims: {
        bad: fc.constantFrom<unknown>(
          null,
          'ab',
          [0, 0, 0],
          [5, 6, 7],
          [0.5, 1, 2],
          [Number.NaN, 0, 1],
          [],
          [0, 1, 2, 3],
        ),
        call: (s, bad) => T.permute(f32([...s, 1, 1].slice(0, 3)), bad as number[]),
      },
    },
  });

  run({
    op: 'transpose',
    valid: arbSmallShape(),
    mutations: {
      x: { bad: notTensor, call: (_s, bad) => T.transpose(bad as Tensor, 0, 0) },
      dim0: { bad: badAxis(3), call: (s, bad) => T.transpose(f32([...s, 1, 1].slice(0, 3)), bad as number, 0) },
      dim1: { bad: badAxis(3), call: (s, bad) => T.transpose(f32([...s, 1, 1].slice(0, 3)), 0, bad as number) },
    },
  });

  run({
    op: 'expand',
    valid: arbSmallShape(),
    mutations: {
      x: { bad: notTensor, call: (s, bad) => T.expand(bad as Tensor, s) },
      shape: {
        bad: fc.oneof(
          badShape.filter((b) => JSON.stringify(b) !== '[-1]'),
          fc.constantFrom<unknown>([], [2, 3, 4, 9], [-2, 2, 2, 2]),
        ),
        call: (s, bad) => T.expand(f32([2, ...s.slice(1)]), bad as number[]),
      },
    },
  });

  run({
    op: 'squeeze',
    valid: arbSmallShape(),
    mutations: {
      x: { bad: notTensor, call: (_s, bad) => T.squeeze(bad as Tensor) },
      dim: { bad: badAxis(3), call: (s, bad) => T.squeeze(f32([...s, 1, 1].slice(0, 3)), bad as number) },
    },
  });

  run({
    op: 'unsqueeze',
    valid: arbSmallShape(),
    mutations: {
      x: { bad: notTensor, call: (_s, bad) => T.unsqueeze(bad as Tensor, 0) },
      dim: { bad: badAxis(4), call: (s, bad) => T.unsqueeze(f32([...s, 1, 1].slice(0, 3)), bad as number) },
    },
  });

  run({
    op: 'narrow',
    valid: arbSmallShape(),
    mutations: {
      x: { bad: notTensor, call: (_s, bad) => T.narrow(bad as Tensor, 0, 0, 1) },
      dim: { bad: badAxis(3), call: (s, bad) => T.narrow(f32([...s, 1, 1].slice(0, 3)), bad as number, 0, 1) },
      start: {
        bad: fc.constantFrom<unknown>(0.5, Number.NaN, '0', null, 100, -100),
        call: (s, bad) => T.narrow(f32(s), 0, bad as number, 1),
      },
      length: {
        bad: fc.constantFrom<unknown>(-1, 0.5, Number.NaN, '1', null, 100),
        call: (s, bad) => T.narrow(f32(s), 0, 0, bad as number),
      },
    },
  });

  run({
    op: 'slice',
    valid: arbSmallShape(),
    mutations: {
      x: { bad: notTensor, call: (_s, bad) => T.slice(bad as Tensor, 0) },
      dim: { bad: badAxis(3), call: (s, bad) => T.slice(f32([...s, 1, 1].slice(0, 3)), bad as number) },
      start: {
        bad: fc.constantFrom<unknown>(0.5, Number.NaN, '0', null),
        call: (s, bad) => T.slice(f32(s), 0, bad as number),
      },
      end: {
        bad: fc.constantFrom<unknown>(0.5, Number.NaN, '0', null),
        call: (s, bad) => T.slice(f32(s), 0, 0, bad as number),
      },
      step: {
        bad: fc.constantFrom<unknown>(0, -1, 0.5, Number.NaN, '1', null),
        call: (s, bad) => T.slice(f32(s), 0, 0, undefined, bad as number),
      },
    },
  });

  run(
    {
      op: 'contiguous',
      valid: arbSmallShape(),
      mutations: { x: { bad: notTensor, call: (_s, bad) => T.contiguous(bad as Tensor) } },
    },
    20,
  );
});

describe('join, pad, index', () => {
  for (const name of ['concat', 'stack'] as const) {
    run(
      {
        op: name,
        valid: arbSmallShape(1, 2),
        mutations: {
          tensors: {
            bad: fc.constantFrom<unknown>(null, 3, 'x', [], [null], [1, 2], {}),
            call: (_s, bad) => T[name](bad as Tensor[]),
          },
          'tensors[1]': {
            names: /tensors\[1\]/,
            bad: fc.integer({ min: 1, max: 3 }),
            call: (s, k) => T[name]([f32(s), f32([...s, k as number])]),
          },
          dim: { bad: badAxis(4), call: (s, bad) => T[name]([f32(s), f32(s)], bad as number) },
        },
      },
      40,
    );
  }

  run({
    op: 'pad',
    valid: arbSmallShape(1, 3, 3),
    mutations: {
      x: { bad: notTensor, call: (_s, bad) => T.pad(bad as Tensor, 1) },
      padWidth: {
        bad: fc.constantFrom<unknown>(
          -1,
          0.5,
          Number.NaN,
          '1',
          null,
          {},
          [[1]],
          [[1, -1]],
          [[1, 2, 3]],
          [1, 2],
          [
            [1, 1],
            [1, 1],
            [1, 1],
            [1, 1],
          ],
        ),
        call: (s, bad) => T.pad(f32(s), bad as number),
      },
      mode: {
        bad: fc.constantFrom<unknown>('zeros', 'Reflect', '', 3, {}),
        call: (s, bad) => T.pad(f32(s), 1, { mode: bad as T.PadMode }),
      },
      value: {
        bad: fc.constantFrom<unknown>('0', {}, [0], true),
        call: (s, bad) => T.pad(f32(s), 1, { value: bad as number }),
      },
      reflect: {
        names: /padWidth|pad/,
        bad: fc.integer({ min: 0, max: 3 }),
        call: (s, k) => T.pad(f32(s), [[s[s.length - 1]! + (k as number), 0]], { mode: 'reflect' }),
      },
      options: { bad: badOptions, call: (s, bad) => T.pad(f32(s), 1, bad as T.PadOptions) },
    },
  });

  run({
    op: 'padAdjoint',
    valid: arbSmallShape(1, 3, 3),
    mutations: {
      gradOutput: {
        bad: fc.oneof(notTensor, fc.constant('wrong shape')),
        call: (s, bad) => T.padAdjoint(bad === 'wrong shape' ? f32(s) : (bad as Tensor), s, 1),
      },
      inputShape: { bad: badShape, call: (s, bad) => T.padAdjoint(f32(s.map((d) => d + 2)), bad as number[], 1) },
    },
  });

  for (const name of ['indexSelect', 'indexAdd'] as const) {
    const call = (x: unknown, dim: unknown, index: unknown, s: number[]) =>
      name === 'indexSelect'
        ? T.indexSelect(x as Tensor, dim as number, index as number[])
        : T.indexAdd(x as Tensor, dim as number, index as number[], f32([2, ...s.slice(1)]));
    run({
      op: name,
      valid: arbSmallShape(),
      mutations: {
        x: { bad: notTensor, call: (s, bad) => call(bad, 0, [0, 0], s) },
        dim: { bad: badAxis(3), call: (s, bad) => call(f32([...s, 1, 1].slice(0, 3)), bad, [0, 0], s) },
        index: {
          bad: fc.constantFrom<unknown>(null, 'a', [0.5, 0], [-1, 0], [100, 0], [Number.NaN, 0], f32([2]), i32([2, 1])),
          call: (s, bad) => call(f32(s), 0, bad, s),
        },
      },
    });
  }
});

describe('reduce and matmul', () => {
  for (const name of [
    'sum',
    'mean',
    'max',
    'min',
    'logsumexp',
    'argmax',
    'argmin',
    'maxWithIndices',
    'minWithIndices',
  ] as const) {
    const fn = T[name] as (x: Tensor, dim?: unknown, keepdim?: unknown) => unknown;
    run(
      {
        op: name,
        valid: arbSmallShape(),
        mutations: {
          x: { bad: notTensor, call: (_s, bad) => fn(bad as Tensor, 0) },
          dim: {
            bad: fc.oneof(badAxis(3), fc.constantFrom<unknown>([0, 0], [0, 9])),
            call: (s, bad) => fn(f32([...s, 1, 1].slice(0, 3)), bad),
          },
          keepdim: { bad: badBool, call: (s, bad) => fn(f32(s), 0, bad) },
        },
      },
      30,
    );
  }

  for (const name of ['variance', 'std'] as const) {
    run(
      {
        op: 'variance',
        valid: arbSmallShape(),
        mutations: {
          x: { bad: notTensor, call: (_s, bad) => T[name](bad as Tensor) },
          dim: { bad: badAxis(3), call: (s, bad) => T[name](f32([...s, 1, 1].slice(0, 3)), bad as number) },
          correction: {
            bad: fc.oneof(badFiniteOption, fc.constant(-1)),
            call: (s, bad) => T[name](f32(s), 0, { correction: bad as number }),
          },
          keepdim: { bad: badBoolOption, call: (s, bad) => T[name](f32(s), 0, { keepdim: bad as boolean }) },
          options: { bad: badOptions, call: (s, bad) => T[name](f32(s), 0, bad as T.VarianceOptions) },
        },
      },
      30,
    );
  }

  run({
    op: 'matmul',
    valid: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })),
    mutations: {
      a: { bad: notTensor, call: ([, k, n], bad) => T.matmul(bad as Tensor, f32([k, n])) },
      b: { bad: notTensor, call: ([m, k], bad) => T.matmul(f32([m, k]), bad as Tensor) },
      'inner dimensions': {
        bad: fc.integer({ min: 1, max: 3 }),
        call: ([m, k, n], d) => T.matmul(f32([m, k]), f32([k + (d as number), n])),
      },
      '0-d': { bad: fc.constant(0), call: ([m, k]) => T.matmul(f32([m, k]), f32([])) },
      'batch axes': {
        names: /broadcast|batch/,
        bad: fc.integer({ min: 2, max: 3 }),
        call: ([m, k, n], d) => T.matmul(f32([2, m, k]), f32([2 + (d as number), k, n])),
      },
    },
  });
});

describe('kernels: conv geometry, im2col, gemm', () => {
  const geomOf = (s: number[]) => convGeometry('conv2d', { channels: 2, inputSize: s, kernelSize: 2 });
  const spatial = fc.array(fc.integer({ min: 2, max: 6 }), { minLength: 1, maxLength: 3 });

  run({
    op: 'conv2d',
    valid: spatial,
    mutations: {
      channels: {
        bad: badInt(1),
        call: (s, bad) => convGeometry('conv2d', { channels: bad as number, inputSize: s, kernelSize: 1 }),
      },
      inputSize: {
        // Any rank >= 1 is a geometry now (N-d convolution), so only the empty size list is out.
        bad: fc.oneof(badShape, fc.constant<unknown>([])),
        call: (_s, bad) => convGeometry('conv2d', { channels: 1, inputSize: bad as number[], kernelSize: 1 }),
      },
      kernelSize: {
        bad: fc.oneof(badSpatial(1), fc.constantFrom<unknown>([9, 9, 9], 9)),
        call: (s, bad) => convGeometry('conv2d', { channels: 1, inputSize: s, kernelSize: bad as number }),
      },
      stride: {
        bad: badSpatial(1),
        call: (s, bad) => convGeometry('conv2d', { channels: 1, inputSize: s, kernelSize: 1, stride: bad as number }),
      },
      padding: {
        bad: badSpatial(0),
        call: (s, bad) => convGeometry('conv2d', { channels: 1, inputSize: s, kernelSize: 1, padding: bad as number }),
      },
      dilation: {
        bad: badSpatial(1),
        call: (s, bad) => convGeometry('conv2d', { channels: 1, inputSize: s, kernelSize: 1, dilation: bad as number }),
      },
      options: { bad: badOptions, call: (_s, bad) => convGeometry('conv2d', bad as T.ConvGeometryOptions) },
    },
  });

  run({
    op: 'convOutputSize',
    valid: fc.integer({ min: 3, max: 30 }),
    mutations: {
      inputSize: {
        names: /input/,
        bad: fc.oneof(
          badInt(0).filter((b) => !Array.isArray(b) || b.length === 0),
          fc.constant(1),
        ),
        call: (_n, bad) => convOutputSize(bad as number, 2),
      },
      kernelSize: { bad: badSpatial(1), call: (n, bad) => convOutputSize(n, bad as number) },
      stride: { bad: badSpatial(1), call: (n, bad) => convOutputSize(n, 2, { stride: bad as number }) },
      options: { bad: badOptions, call: (n, bad) => convOutputSize(n, 2, bad as T.ConvSizeOptions) },
    },
  });

  it('im2col/col2im with a null geometry, im2colInto with a null buffer: typed errors naming the argument', () => {
    const s = [3, 3];
    expect(() => im2col(f32([1, 2, ...s]), null as unknown as T.ConvGeometry)).toThrow(/^im2col: .*geom/);
    expect(() => col2im(f32([1, 8, 4]), null as unknown as T.ConvGeometry)).toThrow(/^col2im: .*geom/);
    expect(() => im2colInto(null as unknown as Float32Array, 0, geomOf(s), new Float32Array(100), 0)).toThrow(
      /^im2colInto: .*src/,
    );
    expect(() => im2col(f32([1, 2, ...s]), null as unknown as T.ConvGeometry)).toThrow(TypeError);
    expect(() => im2colInto(null as unknown as Float32Array, 0, geomOf(s), new Float32Array(100), 0)).toThrow(
      TypeError,
    );
  });

  run({
    op: ['im2col', 'col2im'],
    valid: fc.array(fc.integer({ min: 2, max: 5 }), { minLength: 2, maxLength: 2 }),
    mutations: {
      x: {
        bad: fc.oneof(notTensor, fc.constant('wrong shape')),
        call: (s, bad) => im2col(bad === 'wrong shape' ? f32([1, 3, ...s]) : (bad as Tensor), geomOf(s)),
      },
      cols: {
        bad: fc.oneof(notTensor, fc.constant('wrong shape')),
        call: (s, bad) => col2im(bad === 'wrong shape' ? f32([1, 3, 3]) : (bad as Tensor), geomOf(s)),
      },
    },
  });

  run({
    op: ['im2colInto', 'col2imInto'],
    valid: fc.array(fc.integer({ min: 2, max: 5 }), { minLength: 2, maxLength: 2 }),
    mutations: {
      srcOffset: {
        bad: fc.constantFrom<unknown>(-1, 0.5, Number.NaN, 10_000),
        call: (s, bad) =>
          im2colInto(new Float32Array(2 * s[0]! * s[1]!), bad as number, geomOf(s), new Float32Array(10_000), 0),
      },
      dst: {
        names: /dst/,
        bad: fc.constant(1),
        call: (s) => im2colInto(new Float32Array(2 * s[0]! * s[1]!), 0, geomOf(s), new Float32Array(1), 0),
      },
      colsOffset: {
        bad: fc.constantFrom<unknown>(-1, 0.5, Number.NaN),
        call: (s, bad) => col2imInto(new Float32Array(10_000), bad as number, geomOf(s), new Float32Array(100), 0),
      },
      dstOffset: {
        bad: fc.constantFrom<unknown>(-1, 0.5, Number.NaN, 10_000),
        call: (s, bad) =>
          col2imInto(new Float32Array(10_000), 0, geomOf(s), new Float32Array(2 * s[0]! * s[1]!), bad as number),
      },
    },
  });

  run({
    op: 'gemm',
    valid: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })),
    mutations: {
      m: {
        bad: badInt(0),
        call: ([, n, k], bad) =>
          gemmJs(
            false,
            false,
            bad as number,
            n,
            k,
            1,
            new Float32Array(64),
            0,
            k,
            new Float32Array(64),
            0,
            n,
            0,
            new Float32Array(64),
            0,
            n,
          ),
      },
      lda: {
        bad: fc.constantFrom<unknown>(0.5, Number.NaN, -1),
        call: ([m, n, k], bad) =>
          gemmJs(
            false,
            false,
            m,
            n,
            k,
            1,
            new Float32Array(64),
            0,
            bad as number,
            new Float32Array(64),
            0,
            n,
            0,
            new Float32Array(64),
            0,
            n,
          ),
      },
      a: {
        names: /\ba\b/,
        bad: fc.constant(1),
        call: ([m, n, k]) =>
          gemmJs(
            false,
            false,
            m,
            n,
            k + 8,
            1,
            new Float32Array(2),
            0,
            k + 8,
            new Float32Array(64),
            0,
            n,
            0,
            new Float32Array(64),
            0,
            n,
          ),
      },
      c: {
        names: /\bc\b/,
        bad: fc.constant(1),
        call: ([m, n, k]) =>
          gemmJs(
            false,
            false,
            m + 8,
            n,
            k,
            1,
            new Float32Array(64),
            0,
            k,
            new Float32Array(64),
            0,
            n,
            0,
            new Float32Array(4),
            0,
            n,
          ),
      },
    },
  });

  run(
    {
      op: 'setGemm',
      valid: fc.constant(0),
      mutations: {
        gemm: { bad: fc.constantFrom<unknown>(null, 3, {}, { gemm: 1 }), call: (_v, bad) => setGemm(bad as T.Gemm) },
      },
    },
    10,
  );
});

describe('every options object refuses unknown keys, with a did-you-mean for near and snake_case names', () => {
  const x = () => f32([2, 3]);
  const create = ['dtype'];
  const random = ['dtype', 'generator'];
  const specs: [string, readonly string[], (o: Record<string, unknown>) => unknown][] = [
    ['tensor', ['dtype', 'shape'], (o) => T.tensor([1, 2], o)],
    ['zeros', create, (o) => T.zeros([2], o)],
    ['ones', create, (o) => T.ones([2], o)],
    ['full', create, (o) => T.full([2], 3, o)],
    ['scalar', create, (o) => T.scalar(3, o)],
    ['zerosLike', create, (o) => T.zerosLike(x(), o)],
    ['onesLike', create, (o) => T.onesLike(x(), o)],
    ['arange', create, (o) => T.arange(0, 3, 1, o)],
    ['linspace', create, (o) => T.linspace(0, 1, 3, o)],
    ['eye', create, (o) => T.eye(2, 2, o)],
    ['rand', random, (o) => T.rand([2], o)],
    ['randn', random, (o) => T.randn([2], o)],
    ['uniform', random, (o) => T.uniform([2], 0, 1, o)],
    ['randint', random, (o) => T.randint(0, 3, [2], o)],
    ['pad', ['mode', 'value'], (o) => T.pad(x(), [[1, 1]], o)],
    ['padAdjoint', ['mode'], (o) => T.padAdjoint(f32([2, 5]), [2, 3], [[1, 1]], o)],
    ['variance', ['correction', 'keepdim'], (o) => T.variance(x(), 1, o)],
    ['variance', ['correction', 'keepdim'], (o) => T.std(x(), 1, o)],
    ['convOutputSize', ['stride', 'padding', 'dilation'], (o) => convOutputSize(8, 3, o)],
    ['setBackend', ['threads'], (o) => setBackend(getBackendInfo().backend as BackendName, o)],
  ];
  for (const [op, known, call] of specs)
    it(`${op}: ${known.join(', ')}`, () => {
      fuzzOptionKeys({ op, known, call });
    });
});

import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import * as T from '@torchlet/tensor';
import { Generator, type Tensor } from '@torchlet/tensor';
import * as A from '@torchlet/autograd';
import { Variable, defineOp } from '@torchlet/autograd';
import {
  arbSmallShape as arbShape,
  badAxis,
  badBool,
  badBoolOption,
  badDType,
  badFinite,
  badOptions,
  badShape,
  fuzzOp,
  fuzzOptionKeys,
  notTensor,
  summary,
  type OpSpec,
} from '@torchlet/autograd/testing';

const g = new Generator(0);
/** A leaf that requires grad, so the op records a graph (and a bad argument must stop it first). */
const v = (shape: readonly number[]) => A.randn(shape, { generator: g, requiresGrad: true });
const i32 = (shape: readonly number[]) => T.randint(0, 3, shape, { generator: g });
const rank3 = (s: number[]) => [...s, 1, 1].slice(0, 3);

const run = <V>(spec: OpSpec<V>, numRuns = 40) =>
  it(`${typeof spec.op === 'string' ? spec.op : spec.op[0]} rejects: ${Object.keys(spec.mutations).join(', ')}`, () => {
    fuzzOp(spec, numRuns);
  });

afterAll(() => console.log(summary('@torchlet/autograd')));

describe('values and creation', () => {
  run({
    op: 'Variable',
    valid: arbShape(0),
    mutations: {
      data: { bad: notTensor, call: (_s, bad) => new Variable(bad as Tensor) },
      requiresGrad: {
        names: /requiresGrad|int32|floating/,
        bad: fc.constantFrom<unknown>('yes', 1, {}, 'int32 leaf'),
        call: (s, bad) =>
          bad === 'int32 leaf'
            ? new Variable(i32(s), { requiresGrad: true })
            : new Variable(T.zeros(s), { requiresGrad: bad as boolean }),
      },
      options: { bad: badOptions, call: (s, bad) => new Variable(T.zeros(s), bad as A.VariableOptions) },
    },
  });

  for (const name of ['zeros', 'ones', 'randn', 'rand'] as const) {
    run(
      {
        op: name,
        valid: arbShape(0),
        mutations: {
          shape: { bad: badShape, call: (_s, bad) => A[name](bad as number[]) },
          dtype: { bad: badDType, call: (s, bad) => A[name](s, { dtype: bad as T.DType }) },
          requiresGrad: {
            names: /requiresGrad|int32|floating/,
            bad: fc.constantFrom<unknown>('yes', 1, {}),
            call: (s, bad) => A[name](s, { requiresGrad: bad as boolean }),
          },
          options: { bad: badOptions, call: (s, bad) => A[name](s, bad as A.VariableOptions) },
        },
      },
      20,
    );
  }

  run({
    op: 'backward',
    valid: arbShape(1),
    mutations: {
      gradient: {
        bad: fc.constantFrom<unknown>(null, 3, 'g', {}, [1], 'wrong shape'),
        call: (s, bad) => A.mul(v(s), 2).backward(bad === 'wrong shape' ? T.ones([...s, 2]) : (bad as Tensor)),
      },
      'gradient ': {
        names: 'gradient',
        bad: fc.constant('implied for a non-scalar'),
        call: (s) => A.mul(v([...s, 2]), 2).backward(),
      },
      requiresGrad: {
        names: /require grad/,
        bad: fc.constant('no grad'),
        call: (s) => A.mul(A.zeros(s), 2).backward(T.ones(s)),
      },
      options: {
        bad: badOptions,
        call: (s, bad) => A.sum(A.mul(v(s), 2)).backward(undefined, bad as A.BackwardOptions),
      },
      retainGraph: {
        bad: badBoolOption,
        call: (s, bad) => A.sum(A.mul(v(s), 2)).backward(undefined, { retainGraph: bad as boolean }),
      },
    },
  });

  run(
    {
      op: ['noGrad', 'enableGrad', 'withGradMode'],
      valid: fc.constant(0),
      mutations: {
        fn: { bad: fc.constantFrom<unknown>(null, 3, 'f', {}), call: (_v, bad) => A.noGrad(bad as () => void) },
        enabled: { bad: badBool, call: (_v, bad) => A.withGradMode(bad as boolean, () => 1) },
      },
    },
    10,
  );

  run(
    {
      op: 'defineOp',
      valid: fc.constant(0),
      mutations: {
        def: { bad: fc.constantFrom<unknown>(null, 3, 'op', []), call: (_v, bad) => defineOp(bad as never) },
        name: {
          bad: fc.constantFrom<unknown>(undefined, 3, '', null),
          call: (_v, bad) =>
            defineOp({ name: bad as string, forward: (_c, x: Tensor) => x, backward: (_c, g0: Tensor) => [g0] }),
        },
        forward: {
          bad: fc.constantFrom<unknown>(undefined, 3, 'f', null),
          call: (_v, bad) => defineOp({ name: 'op', forward: bad as never, backward: (_c, g0: Tensor) => [g0] }),
        },
        backward: {
          bad: fc.constantFrom<unknown>(undefined, 3, 'f', null),
          call: (_v, bad) => defineOp({ name: 'op', forward: (_c, x: Tensor) => x, backward: bad as never }),
        },
      },
    },
    10,
  );

  run(
    {
      op: 'gradcheck',
      valid: arbShape(1, 2, 3),
      mutations: {
        fn: {
          bad: fc.constantFrom<unknown>(null, 3, 'f'),
          call: (s, bad) => A.gradcheck(bad as never, [A.randn(s, { dtype: 'float64', requiresGrad: true })]),
        },
        inputs: {
          bad: fc.constantFrom<unknown>(null, 3, [null], [T.zeros([2])], 'float32'),
          call: (s, bad) =>
            A.gradcheck(
              (x) => A.sum(x),
              bad === 'float32' ? [A.randn(s, { requiresGrad: true })] : (bad as Variable[]),
            ),
        },
        eps: {
          bad: fc.constantFrom<unknown>(0, -1, Number.NaN, '1e-6', Infinity),
          call: (s, bad) =>
            A.gradcheck((x) => A.sum(x), [A.randn(s, { dtype: 'float64', requiresGrad: true })], {
              eps: bad as number,
            }),
        },
        atol: {
          bad: fc.constantFrom<unknown>(-1, Number.NaN, '1'),
          call: (s, bad) =>
            A.gradcheck((x) => A.sum(x), [A.randn(s, { dtype: 'float64', requiresGrad: true })], {
              atol: bad as number,
            }),
        },
        options: {
          bad: badOptions,
          call: (s, bad) =>
            A.gradcheck(
              (x) => A.sum(x),
              [A.randn(s, { dtype: 'float64', requiresGrad: true })],
              bad as A.GradcheckOptions,
            ),
        },
      },
    },
    20,
  );
});

describe('differentiable ops', () => {
  for (const name of ['exp', 'log', 'sqrt', 'abs', 'tanh', 'sigmoid', 'relu', 'neg'] as const) {
    run(
      { op: name, valid: arbShape(0), mutations: { x: { bad: notTensor, call: (_s, bad) => A[name](bad as Tensor) } } },
      15,
    );
  }

  for (const name of ['add', 'sub', 'mul', 'div', 'pow'] as const) {
    run(
      {
        op: name,
        valid: arbShape(1),
        mutations: {
          a: {
            bad: fc.constantFrom<unknown>(null, undefined, '1', [1, 2], {}),
            call: (s, bad) => A[name](bad as Tensor, v(s)),
          },
          b: {
            bad: fc.constantFrom<unknown>(null, undefined, '1', [1, 2], {}),
            call: (s, bad) => A[name](v(s), bad as Tensor),
          },
          shapes: {
            names: /do not broadcast/,
            bad: fc.integer({ min: 1, max: 3 }),
            call: (s, k) => A[name](v([...s, 2]), v([...s, 2 + (k as number)])),
          },
        },
      },
      20,
    );
  }

  run({
    op: 'leakyRelu',
    valid: arbShape(0),
    mutations: {
      x: { bad: notTensor, call: (_s, bad) => A.leakyRelu(bad as Tensor) },
      negativeSlope: { bad: badFinite, call: (s, bad) => A.leakyRelu(v(s), bad as number) },
    },
  });

  run({
    op: 'gelu',
    valid: arbShape(0),
    mutations: {
      x: { bad: notTensor, call: (_s, bad) => A.gelu(bad as Tensor) },
      approximate: {
        bad: fc.constantFrom<unknown>('fast', 'Tanh', 3, {}),
        call: (s, bad) => A.gelu(v(s), { approximate: bad as 'tanh' }),
      },
      options: { bad: badOptions, call: (s, bad) => A.gelu(v(s), bad as A.GeluOptions) },
    },
  });

  run({
    op: 'clamp',
    valid: arbShape(0),
    mutations: {
      x: { bad: notTensor, call: (_s, bad) => A.clamp(bad as Tensor, 0, 1) },
      min: {
        names: /min|bounds/,
        bad: fc.constantFrom<unknown>(Number.NaN, '0', {}, [0]),
        call: (s, bad) => A.clamp(v(s), bad as number, 1),
      },
      max: {
        names: /max|bounds/,
        bad: fc.constantFrom<unknown>(Number.NaN, '1', {}, [1]),
        call: (s, bad) => A.clamp(v(s), 0, bad as number),
      },
    },
  });

  for (const name of ['sum', 'mean', 'max', 'min', 'amax', 'amin', 'logsumexp'] as const) {
    const fn = A[name] as (x: unknown, dim?: unknown, keepdim?: unknown) => unknown;
    run(
      {
        // max(x, dim) with one axis is maxWithIndices(x, dim).values, whose errors carry that name.
        op:
          name === 'amax'
            ? ['amax', 'max']
            : name === 'amin'
              ? ['amin', 'min']
              : name === 'max' || name === 'min'
                ? [name, `${name}WithIndices`]
                : name,
        valid: arbShape(),
        mutations: {
          x: { bad: notTensor, call: (_s, bad) => fn(bad, 0) },
          dim: {
            bad: fc.oneof(badAxis(3), fc.constantFrom<unknown>([0, 0], [0, 9])),
            call: (s, bad) => fn(v(rank3(s)), bad),
          },
          keepdim: { bad: badBool, call: (s, bad) => fn(v(s), 0, bad) },
        },
      },
      20,
    );
  }

  for (const name of ['maxWithIndices', 'minWithIndices'] as const) {
    run(
      {
        op: name,
        valid: arbShape(),
        mutations: {
          x: { bad: notTensor, call: (_s, bad) => A[name](bad as Tensor, 0) },
          dim: { bad: badAxis(3), call: (s, bad) => A[name](v(rank3(s)), bad as number) },
          keepdim: { bad: badBool, call: (s, bad) => A[name](v(s), 0, bad as boolean) },
        },
      },
      20,
    );
  }

  for (const name of ['variance', 'std'] as const) {
    run(
      {
        op: 'variance',
        valid: arbShape(),
        mutations: {
          x: { bad: notTensor, call: (_s, bad) => A[name](bad as Tensor) },
          dim: { bad: badAxis(3), call: (s, bad) => A[name](v(rank3(s)), bad as number) },
          options: { bad: badOptions, call: (s, bad) => A[name](v(s), 0, bad as T.VarianceOptions) },
        },
      },
      20,
    );
  }

  for (const name of ['softmax', 'logSoftmax'] as const) {
    run({
      op: name,
      valid: arbShape(),
      mutations: {
        x: { bad: notTensor, call: (_s, bad) => A[name](bad as Tensor, 0) },
        dim: {
          bad: fc.oneof(badAxis(3), fc.constant(undefined)),
          call: (s, bad) => A[name](v(rank3(s)), bad as number),
        },
      },
    });
  }

  run({
    op: 'matmul',
    valid: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })),
    mutations: {
      a: { bad: notTensor, call: ([, k, n], bad) => A.matmul(bad as Tensor, v([k, n])) },
      b: { bad: notTensor, call: ([m, k], bad) => A.matmul(v([m, k]), bad as Tensor) },
      'inner dimensions': {
        bad: fc.integer({ min: 1, max: 3 }),
        call: ([m, k, n], d) => A.matmul(v([m, k]), v([k + (d as number), n])),
      },
    },
  });
});

describe('differentiable movement', () => {
  for (const name of ['reshape', 'view'] as const) {
    run({
      op: name,
      valid: arbShape(),
      mutations: {
        x: { bad: notTensor, call: (s, bad) => A[name](bad as Tensor, s) },
        shape: {
          bad: fc.oneof(
            badShape.filter((b) => JSON.stringify(b) !== '[-1]'),
            fc.constantFrom<unknown>([-1, -1], [1000]),
          ),
          call: (s, bad) => A[name](v(s), bad as number[]),
        },
      },
    });
  }

  run({
    op: 'flatten',
    valid: arbShape(),
    mutations: {
      x: { bad: notTensor, call: (_s, bad) => A.flatten(bad as Tensor) },
      startDim: { bad: badAxis(3), call: (s, bad) => A.flatten(v(rank3(s)), bad as number) },
      endDim: { bad: badAxis(3), call: (s, bad) => A.flatten(v(rank3(s)), 0, bad as number) },
    },
  });

  run({
    op: 'permute',
    valid: arbShape(),
    mutations: {
      x: {
        bad: notTensor,
        call: (s, bad) =>
          A.permute(
            bad as Tensor,
            s.map((_, i) => i),
          ),
      },
      dims: {
        bad: fc.constantFrom<unknown>(null, 'ab', [0, 0, 0], [5, 6, 7], [0.5, 1, 2], [], [0, 1, 2, 3]),
        call: (s, bad) => A.permute(v(rank3(s)), bad as number[]),
      },
    },
  });

  run({
    op: 'transpose',
    valid: arbShape(),
    mutations: {
      x: { bad: notTensor, call: (_s, bad) => A.transpose(bad as Tensor, 0, 0) },
      dim0: { bad: badAxis(3), call: (s, bad) => A.transpose(v(rank3(s)), bad as number, 0) },
      dim1: { bad: badAxis(3), call: (s, bad) => A.transpose(v(rank3(s)), 0, bad as number) },
    },
  });

  run({
    op: 'expand',
    valid: arbShape(),
    mutations: {
      x: { bad: notTensor, call: (s, bad) => A.expand(bad as Tensor, s) },
      shape: {
        bad: fc.oneof(
          badShape.filter((b) => JSON.stringify(b) !== '[-1]'),
          fc.constantFrom<unknown>([], [2, 3, 4, 9]),
        ),
        call: (s, bad) => A.expand(v([2, ...s.slice(1)]), bad as number[]),
      },
    },
  });

  run({
    op: 'squeeze',
    valid: arbShape(),
    mutations: {
      x: { bad: notTensor, call: (_s, bad) => A.squeeze(bad as Tensor) },
      dim: { bad: badAxis(3), call: (s, bad) => A.squeeze(v(rank3(s)), bad as number) },
    },
  });

  run({
    op: 'unsqueeze',
    valid: arbShape(),
    mutations: {
      x: { bad: notTensor, call: (_s, bad) => A.unsqueeze(bad as Tensor, 0) },
      dim: { bad: badAxis(4), call: (s, bad) => A.unsqueeze(v(rank3(s)), bad as number) },
    },
  });

  run({
    op: 'slice',
    valid: arbShape(),
    mutations: {
      x: { bad: notTensor, call: (_s, bad) => A.slice(bad as Tensor, 0) },
      dim: { bad: badAxis(3), call: (s, bad) => A.slice(v(rank3(s)), bad as number) },
      start: {
        bad: fc.constantFrom<unknown>(0.5, Number.NaN, '0', null),
        call: (s, bad) => A.slice(v(s), 0, bad as number),
      },
      step: {
        bad: fc.constantFrom<unknown>(0, -1, 0.5, Number.NaN, '1', null),
        call: (s, bad) => A.slice(v(s), 0, 0, undefined, bad as number),
      },
    },
  });

  run({
    op: 'narrow',
    valid: arbShape(),
    mutations: {
      x: { bad: notTensor, call: (_s, bad) => A.narrow(bad as Tensor, 0, 0, 1) },
      dim: { bad: badAxis(3), call: (s, bad) => A.narrow(v(rank3(s)), bad as number, 0, 1) },
      length: {
        bad: fc.constantFrom<unknown>(-1, 0.5, Number.NaN, '1', null, 100),
        call: (s, bad) => A.narrow(v(s), 0, 0, bad as number),
      },
    },
  });

  run({
    op: 'pad',
    valid: arbShape(1, 3, 3),
    mutations: {
      x: { bad: notTensor, call: (_s, bad) => A.pad(bad as Tensor, 1) },
      padWidth: {
        bad: fc.constantFrom<unknown>(-1, 0.5, Number.NaN, '1', null, {}, [[1]], [[1, -1]], [1, 2]),
        call: (s, bad) => A.pad(v(s), bad as number),
      },
      mode: {
        bad: fc.constantFrom<unknown>('zeros', 'Reflect', '', 3),
        call: (s, bad) => A.pad(v(s), 1, { mode: bad as T.PadMode }),
      },
      options: { bad: badOptions, call: (s, bad) => A.pad(v(s), 1, bad as T.PadOptions) },
    },
  });

  run({
    op: 'indexSelect',
    valid: arbShape(),
    mutations: {
      x: { bad: notTensor, call: (_s, bad) => A.indexSelect(bad as Tensor, 0, [0]) },
      dim: { bad: badAxis(3), call: (s, bad) => A.indexSelect(v(rank3(s)), bad as number, [0]) },
      index: {
        bad: fc.constantFrom<unknown>(null, 'a', [0.5], [-1], [100], T.zeros([2]), i32([2, 1])),
        call: (s, bad) => A.indexSelect(v(s), 0, bad as number[]),
      },
    },
  });

  for (const name of ['concat', 'stack'] as const) {
    run({
      op: name,
      valid: arbShape(1, 2),
      mutations: {
        tensors: {
          bad: fc.constantFrom<unknown>(null, 3, 'x', [], [null], [1, 2], {}),
          call: (_s, bad) => A[name](bad as Tensor[]),
        },
        'tensors[1]': {
          names: /tensors\[1\]/,
          bad: fc.integer({ min: 1, max: 3 }),
          call: (s, k) => A[name]([v(s), v([...s, k as number])]),
        },
        dim: { bad: badAxis(4), call: (s, bad) => A[name]([v(s), v(s)], bad as number) },
      },
    });
  }
});

describe('every options object refuses unknown keys, with a did-you-mean for near and snake_case names', () => {
  const x = () => A.randn([2, 3], { dtype: 'float64', generator: new Generator(0), requiresGrad: true });
  const create = ['dtype', 'requiresGrad'];
  const random = ['dtype', 'generator', 'requiresGrad'];
  const specs: [string, readonly string[], (o: Record<string, unknown>) => unknown][] = [
    ['tensor', ['dtype', 'shape', 'requiresGrad'], (o) => A.tensor([1, 2], o)],
    ['zeros', create, (o) => A.zeros([2], o)],
    ['ones', create, (o) => A.ones([2], o)],
    ['full', create, (o) => A.full([2], 3, o)],
    ['rand', random, (o) => A.rand([2], o)],
    ['randn', random, (o) => A.randn([2], o)],
    ['Variable', ['requiresGrad'], (o) => new Variable(T.zeros([2]), o)],
    ['Variable', ['requiresGrad'], (o) => A.variable(T.zeros([2]), o)],
    ['backward', ['retainGraph', 'createGraph'], (o) => A.sum(x()).backward(undefined, o)],
    [
      'grad',
      ['gradOutputs', 'retainGraph', 'createGraph', 'allowUnused'],
      (o) => {
        const v = x();
        return A.grad(A.sum(v), [v], o);
      },
    ],
    ['gradcheck', ['eps', 'atol', 'rtol', 'seed'], (o) => A.gradcheck((v) => A.mul(v, v), [x()], o)],
    ['gradgradcheck', ['eps', 'atol', 'rtol', 'seed'], (o) => A.gradgradcheck((v) => A.mul(v, v), [x()], o)],
    ['gelu', ['approximate'], (o) => A.gelu(x(), o)],
    ['pad', ['mode', 'value'], (o) => A.pad(x(), [[1, 1]], o)],
    ['variance', ['correction', 'keepdim'], (o) => A.variance(x(), 1, o)],
    ['variance', ['correction', 'keepdim'], (o) => A.std(x(), 1, o)],
  ];
  for (const [op, known, call] of specs)
    it(`${op}: ${known.join(', ')}`, () => {
      fuzzOptionKeys({ op, known, call }, 10);
    });
});

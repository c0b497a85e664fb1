import fc from 'fast-check';
import { randn, Variable } from '@torchlet/autograd';
import { Generator, rand, Tensor } from '@torchlet/tensor';
import { describe, it } from 'vitest';
import {
  binaryCrossEntropyWithLogits,
  crossEntropy,
  mseLoss,
  nllLoss,
  type Reduction,
} from '../../../src/nn/functional/index.js';
import { arbSizeOrZero, expectEmptyLoss, gradcheckOrEmpty } from '../../helpers/zero-size.js';

const arbReduction = fc.constantFrom<Reduction>('none', 'mean', 'sum');
/** `[N, C]` or `[N, C, d]`, small; N or d is 0 now and then (PyTorch: 'mean' is NaN, 'sum' 0, 'none' empty). */
const arbClassShape = fc
  .tuple(arbSizeOrZero(4), fc.integer({ min: 1, max: 5 }), fc.option(arbSizeOrZero(3), { nil: undefined }))
  .map(([n, c, d]) => (d === undefined ? [n, c] : [n, c, d]));

/** What every class-loss property draws: a shape, a seed, a reduction, and whether classes are weighted. */
const arbClassCase = fc.record({
  shape: arbClassShape,
  seed: fc.integer(),
  reduction: arbReduction,
  weighted: fc.boolean(),
});

function targetsFor(shape: number[], g: Generator, ignoreIndex: number | null): Int32Array {
  const [n, c] = shape as [number, number];
  const count = n * (shape[2] ?? 1);
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = ignoreIndex !== null && g.next() < 0.25 ? ignoreIndex : g.nextInt(0, c);
  // keep at least one sample so 'mean' is defined (0/0 otherwise, NaN as in PyTorch)
  if (ignoreIndex !== null && out.every((t) => t === ignoreIndex)) out[0] = (ignoreIndex + 1) % c;
  return out;
}

/** A weight per class (axis 1 of `shape`), in [0.5, 1.5). */
const classWeights = (shape: number[], g: Generator) =>
  new Tensor(
    rand([shape[1]!], { dtype: 'float64', generator: g }).data.map((v) => v + 0.5),
    [shape[1]!],
  );

const opts = { eps: 1e-6, atol: 1e-5, rtol: 1e-3 };

describe('loss gradients match central differences (float64; empty batches: values and gradient shapes)', () => {
  it('crossEntropy with class indices, any weight / ignoreIndex / labelSmoothing / reduction', () => {
    fc.assert(
      fc.property(
        arbClassCase,
        fc.boolean(),
        fc.constantFrom(0, 0.1, 0.5),
        ({ shape, seed, reduction, weighted }, ignore, labelSmoothing) => {
          const g = new Generator(seed);
          const x = randn(shape, { dtype: 'float64', generator: g, requiresGrad: true });
          const ignoring = ignore && shape[1]! > 1;
          const ignoreIndex = ignoring ? g.nextInt(0, shape[1]!) : -100;
          const target = new Tensor(targetsFor(shape, g, ignoring ? ignoreIndex : null), [
            shape[0]!,
            ...shape.slice(2),
          ]);
          const weight = weighted ? classWeights(shape, g) : null;
          const loss = (x: Variable) => crossEntropy(x, target, { weight, ignoreIndex, reduction, labelSmoothing });
          if (gradcheckOrEmpty(loss, [x], opts)) expectEmptyLoss(loss(x), reduction, shape);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('crossEntropy with probability targets: gradients for logits and targets', () => {
    fc.assert(
      fc.property(arbClassCase, fc.constantFrom(0, 0.2), ({ shape, seed, reduction, weighted }, labelSmoothing) => {
        const g = new Generator(seed);
        const x = randn(shape, { dtype: 'float64', generator: g, requiresGrad: true });
        const y = new Variable(rand(shape, { dtype: 'float64', generator: g }), { requiresGrad: true });
        const weight = weighted ? classWeights(shape, g) : null;
        const loss = (x: Variable, y: Variable) => crossEntropy(x, y, { weight, reduction, labelSmoothing });
        if (gradcheckOrEmpty(loss, [x, y], opts)) expectEmptyLoss(loss(x, y), reduction, shape);
      }),
      { numRuns: 40 },
    );
  });

  it('nllLoss', () => {
    fc.assert(
      fc.property(arbClassCase, ({ shape, seed, reduction, weighted }) => {
        const g = new Generator(seed);
        const x = randn(shape, { dtype: 'float64', generator: g, requiresGrad: true });
        const target = new Tensor(targetsFor(shape, g, shape[1]! > 1 ? 1 : null), [shape[0]!, ...shape.slice(2)]);
        const weight = weighted ? classWeights(shape, g) : null;
        const loss = (x: Variable) => nllLoss(x, target, { weight, ignoreIndex: 1, reduction });
        if (gradcheckOrEmpty(loss, [x], opts)) expectEmptyLoss(loss(x), reduction, shape);
      }),
      { numRuns: 40 },
    );
  });

  it('mseLoss: gradients for input and target', () => {
    fc.assert(
      fc.property(
        fc.array(arbSizeOrZero(4), { minLength: 0, maxLength: 3 }),
        fc.integer(),
        arbReduction,
        (shape, seed, reduction) => {
          const g = new Generator(seed);
          const x = randn(shape, { dtype: 'float64', generator: g, requiresGrad: true });
          const y = randn(shape, { dtype: 'float64', generator: g, requiresGrad: true });
          const loss = (x: Variable, y: Variable) => mseLoss(x, y, { reduction });
          if (gradcheckOrEmpty(loss, [x, y], opts)) expectEmptyLoss(loss(x, y), reduction, shape);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('binaryCrossEntropyWithLogits: gradients for input, target, weight and posWeight', () => {
    fc.assert(
      fc.property(
        arbSizeOrZero(4),
        fc.integer({ min: 1, max: 4 }),
        fc.integer(),
        arbReduction,
        fc.boolean(),
        fc.boolean(),
        (n, c, seed, reduction, weighted, positive) => {
          const g = new Generator(seed);
          const x = randn([n, c], { dtype: 'float64', generator: g, requiresGrad: true });
          const y = new Variable(rand([n, c], { dtype: 'float64', generator: g }), { requiresGrad: true });
          const inputs: Variable[] = [x, y];
          const w = weighted
            ? new Variable(rand([c], { dtype: 'float64', generator: g }), { requiresGrad: true })
            : null;
          const pw = positive
            ? new Variable(rand([c], { dtype: 'float64', generator: g }), { requiresGrad: true })
            : null;
          if (w) inputs.push(w);
          if (pw) inputs.push(pw);
          const loss = (...v: Variable[]) =>
            binaryCrossEntropyWithLogits(v[0]!, v[1]!, {
              weight: w ? v[2] : null,
              posWeight: pw ? v[w ? 3 : 2] : null,
              reduction,
            });
          if (gradcheckOrEmpty(loss, inputs, opts)) expectEmptyLoss(loss(...inputs), reduction, [n, c]);
        },
      ),
      { numRuns: 40 },
    );
  });
});

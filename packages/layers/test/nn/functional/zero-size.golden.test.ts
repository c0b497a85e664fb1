import { describe, expect, it } from 'vitest';
import { sigmoid, sum, Variable } from '@torchlet/autograd';
import * as T from '@torchlet/tensor';
import { Generator, ShapeError } from '@torchlet/tensor';
import * as F from '@torchlet/layers/functional';
import { loadFixture } from '../../helpers/fixtures.js';

// Losses and layers meeting a zero-size dimension (an empty batch, an empty spatial or channel
// axis) do what PyTorch does (fixtures/generate/zero_size.py): the same output shape and scalar
// value (a mean over nothing is NaN, a sum 0), gradients of the inputs' shapes, or an error where
// PyTorch raises — ours typed and prefixed by the op.
interface Case {
  name: string;
  op: string;
  shapes: Record<string, number[]>;
  options: Record<string, unknown>;
  raises: boolean;
  outputShape?: number[];
  value?: number | 'nan' | null;
  gradShapes?: Record<string, number[] | null> | null;
  /** PyTorch 1.13 refuses the backward of an empty adaptive-pool output; ours gives zeros. */
  backwardError?: string;
}

const fixture = loadFixture<{ cases: Case[] }>('zero_size');
type Call = (v: Record<string, Variable>, o: Record<string, unknown>) => Variable;
const reduction = (o: Record<string, unknown>) => ({ reduction: o.reduction as F.Reduction });
const zerosLike = (x: Variable) => T.zeros(x.shape, { dtype: 'float64' });
const classTarget = (x: Variable) => T.zeros([x.shape[0]!, ...x.shape.slice(2)], { dtype: 'int32' });

const OPS: Record<string, Call> = {
  crossEntropy: ({ x }, o) => F.crossEntropy(x!, classTarget(x!), reduction(o)),
  nllLoss: ({ x }, o) => F.nllLoss(x!, classTarget(x!), reduction(o)),
  mseLoss: ({ x }, o) => F.mseLoss(x!, zerosLike(x!), reduction(o)),
  l1Loss: ({ x }, o) => F.l1Loss(x!, zerosLike(x!), reduction(o)),
  smoothL1Loss: ({ x }, o) => F.smoothL1Loss(x!, zerosLike(x!), reduction(o)),
  huberLoss: ({ x }, o) => F.huberLoss(x!, zerosLike(x!), reduction(o)),
  binaryCrossEntropyWithLogits: ({ x }, o) => F.binaryCrossEntropyWithLogits(x!, zerosLike(x!), reduction(o)),
  crossEntropyProbabilities: ({ x }, o) =>
    F.crossEntropy(x!, T.full(x!.shape, 1 / x!.shape[1]!, { dtype: 'float64' }), reduction(o)), // softmax(ones)
  klDiv: ({ x }, o) =>
    F.klDiv(x!, T.full(x!.shape, 0.5, { dtype: 'float64' }), {
      reduction: o.reduction as 'none' | 'mean' | 'sum' | 'batchmean',
    }),
  binaryCrossEntropy: ({ x }, o) => F.binaryCrossEntropy(sigmoid(x!), zerosLike(x!), reduction(o)),
  linear: ({ x, w, b }) => F.linear(x!, w!, b),
  batchNorm: ({ x }, o) => {
    const c = x!.shape[1]!;
    const stats = o.training ? [null, null] : [T.zeros([c], { dtype: 'float64' }), T.ones([c], { dtype: 'float64' })];
    return F.batchNorm(x!, stats[0]!, stats[1]!, { training: o.training as boolean });
  },
  layerNorm: ({ x, w, b }) => F.layerNorm(x!, x!.shape[x!.ndim - 1]!, { weight: w, bias: b }),
  groupNorm: ({ x, w, b }, o) => F.groupNorm(x!, o.numGroups as number, { weight: w, bias: b }),
  instanceNorm: ({ x }) => F.instanceNorm(x!),
  interpolate: ({ x }, o) =>
    F.interpolate(x!, { size: o.size as number[], mode: o.mode as F.InterpolateMode, alignCorners: false }),
  adaptiveAvgPool2d: ({ x }, o) => F.adaptiveAvgPool2d(x!, o.outputSize as number | [number, number]),
  adaptiveMaxPool2d: ({ x }, o) => F.adaptiveMaxPool2d(x!, o.outputSize as number | [number, number]),
  maxPool2d: ({ x }, o) => F.maxPool2d(x!, o.kernelSize as number),
  avgPool2d: ({ x }, o) => F.avgPool2d(x!, o.kernelSize as number),
  conv2d: ({ x, w, b }) => F.conv2d(x!, w!, b ?? null),
  convTranspose2d: ({ x, w }) => F.convTranspose2d(x!, w!, null),
  prelu: ({ x, w }) => F.prelu(x!, w!),
  softmax: ({ x }, o) => F.softmax(x!, o.dim as number),
  logSoftmax: ({ x }, o) => F.logSoftmax(x!, o.dim as number),
  gelu: ({ x }) => F.gelu(x!),
  elu: ({ x }) => F.elu(x!),
  dropout: ({ x }, o) =>
    F.dropout(x!, { p: o.p as number, training: o.training as boolean, generator: new Generator(1) }),
};

describe('zero-size dimensions in losses and layers, as PyTorch', () => {
  it('has every case, and every op of the fixture has a Torchlet call', () => {
    expect(fixture.cases.length).toBe(117);
    expect(fixture.cases.filter((c) => c.raises).length).toBe(8);
    expect(fixture.cases.filter((c) => c.backwardError).length).toBe(2);
    expect(new Set(fixture.cases.map((c) => c.op))).toEqual(new Set(Object.keys(OPS)));
  });
  for (const c of fixture.cases) {
    it(c.name, () => {
      const g = new Generator(3);
      const inputs = Object.fromEntries(
        Object.entries(c.shapes).map(([k, s]) => [
          k,
          new Variable(T.randn(s, { dtype: 'float64', generator: g }), { requiresGrad: true }),
        ]),
      );
      const call = () => OPS[c.op]!(inputs, c.options);
      if (c.raises) {
        let error: unknown = null;
        try {
          call();
        } catch (e) {
          error = e;
        }
        expect(error instanceof ShapeError || error instanceof RangeError || error instanceof TypeError).toBe(true);
        expect((error as Error).message).toMatch(/^[a-zA-Z0-9]+: /);
        return;
      }
      const y = call();
      expect(y.shape).toEqual(c.outputShape);
      if (c.value === 'nan') expect(Number.isNaN(y.data.item())).toBe(true);
      else if (typeof c.value === 'number') expect(Math.abs(y.data.item() - c.value)).toBe(0); // −0 as 0
      sum(y).backward();
      // Where PyTorch's backward raises (an empty adaptive output), every gradient is zeros of its input's shape.
      const gradShapes = c.gradShapes ?? Object.fromEntries(Object.entries(c.shapes).map(([k, s]) => [k, s]));
      for (const [k, shape] of Object.entries(gradShapes)) {
        const gradient = inputs[k]!.grad;
        if (shape === null) expect(gradient === null || gradient.size === 0).toBe(true);
        else expect(gradient?.shape ?? null).toEqual(shape);
      }
    });
  }

  it('an empty batch leaves batch and instance norm running statistics untouched (PyTorch returns early)', () => {
    const runningMean = T.tensor([0.5, -1, 2], { dtype: 'float64' });
    const runningVar = T.tensor([1, 2, 3], { dtype: 'float64' });
    const x = new Variable(T.zeros([0, 3, 4], { dtype: 'float64' }));
    expect(F.batchNorm(x, runningMean, runningVar, { training: true }).shape).toEqual([0, 3, 4]);
    expect(F.instanceNorm(x, { runningMean, runningVar }).shape).toEqual([0, 3, 4]);
    expect(runningMean.toArray()).toEqual([0.5, -1, 2]);
    expect(runningVar.toArray()).toEqual([1, 2, 3]);
    // One value per channel still has no variance: PyTorch's error, ours typed.
    expect(() => F.batchNorm(T.zeros([1, 3]), null, null, { training: true })).toThrow(ShapeError);
  });
});

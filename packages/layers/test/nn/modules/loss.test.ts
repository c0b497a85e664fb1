import { Variable } from '@torchlet/autograd';
import {
  BCELoss,
  BCEWithLogitsLoss,
  CrossEntropyLoss,
  functional as F,
  HuberLoss,
  KLDivLoss,
  L1Loss,
  MSELoss,
  NLLLoss,
  SmoothL1Loss,
} from '@torchlet/layers';
import { Generator, rand, randn, tensor } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';

const g = new Generator(7);
const x = randn([4, 3], { dtype: 'float64', generator: g });
const y = randn([4, 3], { dtype: 'float64', generator: g });
const p = rand([4, 3], { dtype: 'float64', generator: g });
const labels = tensor([0, 2, 1, 2], { dtype: 'int32' });
const w = tensor([0.5, 1, 2], { dtype: 'float64' });
const same = (a: Variable, b: Variable) =>
  expect(Array.from(a.data.toTypedArray())).toEqual(Array.from(b.data.toTypedArray()));

describe('loss modules are the functional losses with options fixed at construction', () => {
  it('each forward equals its functional loss', () => {
    same(new L1Loss({ reduction: 'sum' }).forward(x, y), F.l1Loss(x, y, { reduction: 'sum' }));
    same(new MSELoss().forward(x, y), F.mseLoss(x, y));
    same(new SmoothL1Loss({ beta: 0.5 }).forward(x, y), F.smoothL1Loss(x, y, { beta: 0.5 }));
    same(
      new HuberLoss({ delta: 2, reduction: 'none' }).forward(x, y),
      F.huberLoss(x, y, { delta: 2, reduction: 'none' }),
    );
    same(new BCELoss({ weight: w }).forward(p, p), F.binaryCrossEntropy(p, p, { weight: w }));
    same(new BCEWithLogitsLoss({ posWeight: w }).forward(x, p), F.binaryCrossEntropyWithLogits(x, p, { posWeight: w }));
    same(new KLDivLoss({ reduction: 'batchmean' }).forward(x, p), F.klDiv(x, p, { reduction: 'batchmean' }));
    const ce = new CrossEntropyLoss({ weight: w, labelSmoothing: 0.1, ignoreIndex: 1 });
    same(ce.forward(x, labels), F.crossEntropy(x, labels, { weight: w, labelSmoothing: 0.1, ignoreIndex: 1 }));
    same(new NLLLoss({ reduction: 'none' }).forward(x, labels), F.nllLoss(x, labels, { reduction: 'none' }));
  });

  it('class and element weights are buffers: in the state dict, not parameters, and loaded back', () => {
    const ce = new CrossEntropyLoss({ weight: w });
    expect(ce.parameters()).toHaveLength(0);
    expect(Object.keys(ce.stateDict())).toEqual(['weight']);
    expect(Object.keys(new BCEWithLogitsLoss({ weight: w, posWeight: w }).stateDict())).toEqual([
      'weight',
      'posWeight',
    ]);
    expect(Object.keys(new BCEWithLogitsLoss().stateDict())).toEqual([]);
    const other = tensor([3, 1, 1], { dtype: 'float64' });
    ce.loadStateDict({ weight: other });
    same(ce.forward(x, labels), F.crossEntropy(x, labels, { weight: other }));
  });

  it('gradients flow through a module as through the function', () => {
    const v = new Variable(x, { requiresGrad: true });
    new CrossEntropyLoss().forward(v, labels).backward();
    const u = new Variable(x, { requiresGrad: true });
    F.crossEntropy(u, labels).backward();
    expect(Array.from(v.grad!.toTypedArray())).toEqual(Array.from(u.grad!.toTypedArray()));
  });

  it('bad options fail when the module is built, naming the class', () => {
    expect(() => new MSELoss({ reduction: 'avg' as never })).toThrow(
      /MSELoss: reduction must be 'none', 'mean' or 'sum'/,
    );
    expect(() => new KLDivLoss({ reduction: 'batchmean' })).not.toThrow();
    expect(() => new L1Loss({ reduction: 'batchmean' as never })).toThrow(RangeError);
    expect(() => new CrossEntropyLoss({ ignore_index: 0 } as never)).toThrow(
      /CrossEntropyLoss: unknown option 'ignore_index'; did you mean 'ignoreIndex'\?/,
    );
    expect(() => new BCELoss({ weight: [1, 2] as never })).toThrow(/BCELoss: weight must be a Tensor/);
    expect(() => new NLLLoss(null as never)).toThrow(TypeError);
  });

  it('extraRepr shows a reduction that is not the default', () => {
    expect(new L1Loss({ reduction: 'sum' }).extraRepr()).toBe("reduction='sum'");
    expect(new L1Loss().extraRepr()).toBe('');
  });
});

import { Variable } from '@torchlet/autograd';
import { contiguousData, Generator, ShapeError, tensor, zeros } from '@torchlet/tensor';
import { describe, expect, it, vi } from 'vitest';
import { ReLU, LeakyReLU, Tanh, Sigmoid, GELU, Softmax, LogSoftmax } from '../../../src/nn/modules/activation.js';
import { Dropout } from '../../../src/nn/modules/dropout.js';
import { Flatten, Identity, Linear } from '../../../src/nn/modules/linear.js';
import { BatchNorm1d, BatchNorm2d } from '../../../src/nn/modules/norm.js';
import { Sequential } from '../../../src/nn/modules/sequential.js';
import { summary, summaryRows } from '../../../src/nn/summary.js';

describe('Linear', () => {
  it('initialises weight and bias within U(±1/√inFeatures), from the generator', () => {
    const a = new Linear(50, 20, { generator: new Generator(1) });
    const b = new Linear(50, 20, { generator: new Generator(1) });
    const bound = 1 / Math.sqrt(50);
    for (const p of [a.weight, a.bias!]) {
      const d = contiguousData(p.data);
      expect(Math.max(...d)).toBeLessThan(bound);
      expect(Math.min(...d)).toBeGreaterThanOrEqual(-bound);
    }
    expect(Math.max(...contiguousData(a.weight.data))).toBeGreaterThan(0.9 * bound);
    expect(a.weight.data.toArray()).toEqual(b.weight.data.toArray());
    expect(a.weight.shape).toEqual([20, 50]);
    expect(a.weight.requiresGrad).toBe(true);
  });
  it('forward is x·Wᵀ + b; bias: false has no bias parameter; dtype float64', () => {
    const fc = new Linear(2, 1, { dtype: 'float64' });
    fc.weight.data.data.set([2, 3]);
    fc.bias!.data.data.set([1]);
    expect(fc.forward(tensor([[1, 1]], { dtype: 'float64' })).toArray()).toEqual([[6]]);
    const noBias = new Linear(2, 3, { bias: false });
    expect(noBias.bias).toBeNull();
    expect(Object.keys(noBias.stateDict())).toEqual(['weight']);
    expect(noBias.toString()).toBe('Linear(inFeatures=2, outFeatures=3, bias=false)');
  });
  it('constructor errors', () => {
    expect(() => new Linear(-1, 2)).toThrow(/Linear: inFeatures must be >= 0, got -1/);
    expect(() => new Linear(2, 1.5)).toThrow(/Linear: outFeatures must be an integer, got 1.5/);
    expect(() => new Linear(2, 2, { dtype: 'int32' as never })).toThrow(
      /dtype must be 'float32' or 'float64', got int32/,
    );
    expect(() => new Linear(2, 2, { bias: 'yes' as never })).toThrow(/bias must be a boolean/);
  });
});

describe('Flatten and Identity', () => {
  it('Flatten keeps the batch axis by default; startDim/endDim as PyTorch', () => {
    const x = zeros([2, 3, 4, 5]);
    expect(new Flatten().forward(x).shape).toEqual([2, 60]);
    expect(new Flatten(0).forward(x).shape).toEqual([120]);
    expect(new Flatten(1, 2).forward(x).shape).toEqual([2, 12, 5]);
    expect(new Flatten(-2).forward(x).shape).toEqual([2, 3, 20]);
    expect(() => new Flatten(4).forward(x)).toThrow(
      /Flatten: startDim=4, endDim=-1 are out of range for input \[2, 3, 4, 5\]/,
    );
    expect(() => new Flatten(2, 1).forward(x)).toThrow(/startDim=2 comes after endDim=1/);
    expect(() => new Flatten(0.5)).toThrow(/startDim must be an integer/);
  });
  it('Identity returns its input', () => {
    const v = new Variable(tensor([1]));
    expect(new Identity().forward(v)).toBe(v);
    expect(new Identity().forward(tensor([1, 2])).toArray()).toEqual([1, 2]);
  });
});

describe('activation modules', () => {
  const x = tensor([-2, 0, 3], { dtype: 'float64' });
  it('compute their functions', () => {
    expect(new ReLU().forward(x).toArray()).toEqual([0, 0, 3]);
    expect(new LeakyReLU(0.1).forward(x).toArray()).toEqual([-0.2, 0, 3]);
    expect(new LeakyReLU().forward(x).toArray()).toEqual([-0.02, 0, 3]);
    expect((new Tanh().forward(x).toArray() as number[])[2]).toBeCloseTo(Math.tanh(3), 15);
    expect((new Sigmoid().forward(x).toArray() as number[])[0]).toBeCloseTo(1 / (1 + Math.exp(2)), 15);
    expect((new GELU().forward(x).toArray() as number[])[2]).toBeCloseTo(3 * 0.9986501019683699, 12);
    expect((new GELU({ approximate: 'tanh' }).forward(x).toArray() as number[])[1]).toBe(0);
    const s = new Softmax(0).forward(x).toArray() as number[];
    expect(s.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 15);
    const ls = new LogSoftmax(-1).forward(x).toArray() as number[];
    expect(Math.exp(ls[2]!)).toBeCloseTo(s[2]!, 15);
    expect(new Softmax(1).toString()).toBe('Softmax(dim=1)');
  });
  it('validate their options', () => {
    expect(() => new LeakyReLU(NaN)).toThrow(/LeakyReLU: negativeSlope must be a finite number, got NaN/);
    expect(() => new GELU({ approximate: 'fast' as never })).toThrow(
      /GELU: approximate must be 'none' or 'tanh', got fast/,
    );
    expect(() => new Softmax(undefined as never)).toThrow(/Softmax: dim must be an integer, got undefined/);
    expect(() => new LogSoftmax(1).forward(x)).toThrow(RangeError);
  });
});

describe('Dropout module', () => {
  it('drops in training with its own generator, is the identity in eval', () => {
    const x = tensor(new Float64Array(100).fill(1));
    const a = new Dropout(0.5, { generator: new Generator(3) });
    const b = new Dropout(0.5, { generator: new Generator(3) });
    const ya = a.forward(x).toArray() as number[];
    expect(ya).toEqual(b.forward(x).toArray());
    expect(ya.some((v) => v === 0)).toBe(true);
    expect(ya.every((v) => v === 0 || v === 2)).toBe(true);
    expect(a.forward(x).toArray()).not.toEqual(ya); // the next mask differs
    a.eval();
    expect(a.forward(x).toArray()).toEqual(Array.from(x.data));
    expect(Object.keys(a.stateDict())).toEqual([]);
    expect(() => new Dropout(-0.1)).toThrow(/Dropout: p must be in \[0, 1\], got p=-0.1/);
    expect(() => new Dropout(0.5, { generator: 1 as never })).toThrow(/generator must be a Generator/);
  });
});

describe('BatchNorm modules', () => {
  it('state dict uses PyTorch names; camelCase getters read the buffers', () => {
    const bn = new BatchNorm2d(3);
    expect(Object.keys(bn.stateDict())).toEqual([
      'weight',
      'bias',
      'running_mean',
      'running_var',
      'num_batches_tracked',
    ]);
    expect(bn.runningVar!.toArray()).toEqual([1, 1, 1]);
    expect(bn.num_batches_tracked!.dtype).toBe('int32');
    expect(bn.numBatchesTracked).toBe(0);
  });
  it('momentum null: the running stats are the cumulative average of the batch stats', () => {
    const bn = new BatchNorm1d(1, { momentum: null, dtype: 'float64' });
    bn.forward(tensor([[1], [3]], { dtype: 'float64' })); // mean 2, unbiased var 2
    bn.forward(tensor([[5], [9]], { dtype: 'float64' })); // mean 7, unbiased var 8
    expect(bn.runningMean!.toArray()).toEqual([4.5]);
    expect(bn.runningVar!.toArray()).toEqual([5]);
    expect(bn.numBatchesTracked).toBe(2);
  });
  it('eval mode does not touch the running stats; trackRunningStats: false uses batch stats always', () => {
    const bn = new BatchNorm1d(2);
    bn.eval();
    bn.forward(
      tensor([
        [1, 2],
        [3, 4],
      ]),
    );
    expect(bn.runningMean!.toArray()).toEqual([0, 0]);
    expect(bn.numBatchesTracked).toBe(0);
    const free = new BatchNorm1d(2, { trackRunningStats: false, affine: false });
    expect(Object.keys(free.stateDict())).toEqual([]);
    free.eval();
    const y = free
      .forward(
        tensor(
          [
            [1, 2],
            [3, 4],
          ],
          { dtype: 'float32' },
        ),
      )
      .toArray() as number[][];
    expect(y[0]![0]).toBeCloseTo(-1, 4);
    expect(free.toString()).toBe('BatchNorm1d(2, eps=0.00001, momentum=0.1, affine=false, trackRunningStats=false)');
  });
  it('resetParameters / resetRunningStats', () => {
    const bn = new BatchNorm1d(2);
    bn.forward(
      tensor([
        [1, 2],
        [3, 4],
      ]),
    );
    bn.weight!.data.data.fill(5);
    bn.resetParameters();
    expect(bn.runningMean!.toArray()).toEqual([0, 0]);
    expect(bn.weight!.data.toArray()).toEqual([1, 1]);
    expect(bn.numBatchesTracked).toBe(0);
  });
  it('errors name the shapes and do not count the failed batch', () => {
    const bn = new BatchNorm2d(3);
    expect(() => bn.forward(zeros([2, 3, 4]))).toThrow(ShapeError);
    expect(() => bn.forward(zeros([2, 3, 4]))).toThrow(/BatchNorm2d: expected 4-D input, got \[2, 3, 4\]/);
    expect(() => bn.forward(zeros([2, 4, 2, 2]))).toThrow(
      /BatchNorm2d: input has 4 channels \(axis 1 of \[2, 4, 2, 2\]\) but numFeatures is 3/,
    );
    expect(() => new BatchNorm1d(3).forward(zeros([2, 3, 4, 4]))).toThrow(/BatchNorm1d: expected 2-D or 3-D input/);
    expect(() => new BatchNorm1d(3).forward(zeros([1, 3]))).toThrow(
      /training needs more than 1 value per channel, got input \[1, 3\]/,
    );
    expect(bn.numBatchesTracked).toBe(0);
    expect(() => new BatchNorm1d(0)).toThrow(/numFeatures must be >= 1, got 0/);
    expect(() => new BatchNorm1d(2, { momentum: 1.5 })).toThrow(
      /momentum must be in \[0, 1\] or null, got momentum=1.5/,
    );
    expect(() => new BatchNorm1d(2, { eps: -1 })).toThrow(/eps must be a finite number >= 0/);
    expect(() => new BatchNorm1d(2, { affine: 1 as never })).toThrow(/affine must be a boolean/);
  });
});

describe('summary', () => {
  const model = () =>
    new Sequential(
      new Flatten(),
      new Linear(12, 8, { generator: new Generator(0) }),
      new BatchNorm1d(8),
      new ReLU(),
      new Dropout(0.2),
      new Linear(8, 3, { generator: new Generator(1) }),
    );

  it('lists each leaf layer with its output shape and parameter count, and the totals', () => {
    const m = model();
    const { rows, output, total, trainable } = summaryRows(m, [2, 3, 4]);
    expect(rows.map((r) => [r.name, r.type, ...r.outputShapes, r.params])).toEqual([
      ['0', 'Flatten', [2, 12], 0],
      ['1', 'Linear', [2, 8], 104],
      ['2', 'BatchNorm1d', [2, 8], 16],
      ['3', 'ReLU', [2, 8], 0],
      ['4', 'Dropout', [2, 8], 0],
      ['5', 'Linear', [2, 3], 27],
    ]);
    expect(output).toEqual([[2, 3]]);
    expect(total).toBe(147);
    expect(trainable).toBe(147);
    const text = summary(m, [2, 3, 4], { print: false });
    expect(text).toMatch(/1 \(Linear\)\s+\[2, 8\]\s+104/);
    expect(text).toContain('Total params: 147');
    expect(m.summary([2, 3, 4], { print: false })).toBe(text);
  });
  it('runs in eval mode under noGrad and restores the modes and forward methods', () => {
    const m = model();
    const bn = m.at(2) as BatchNorm1d;
    summary(m, [2, 3, 4], { print: false });
    expect(bn.numBatchesTracked).toBe(0);
    expect(m.modules().every((x) => x.training)).toBe(true);
    expect(Object.hasOwn(m.at(1), 'forward')).toBe(false);
    m.at(5).eval();
    summary(m, [2, 3, 4], { print: false });
    expect(m.at(5).training).toBe(false);
    expect(m.at(1).training).toBe(true);
  });
  it('restores the model even when the forward throws', () => {
    const m = model();
    expect(() => summary(m, [2, 5], { print: false })).toThrow(/linear: input has 5 features/);
    expect(Object.hasOwn(m.at(1), 'forward')).toBe(false);
    expect(m.training).toBe(true);
    expect(() => summary(m, [2, -1] as never, { print: false })).toThrow(/summary: inputShape must hold sizes >= 0/);
  });
  it('prints the table it returns unless print is false; unknown options are errors', () => {
    const printed: unknown[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((text: unknown) => void printed.push(text));
    try {
      const text = model().summary([2, 3, 4]);
      expect(printed).toEqual([text]);
      summary(model(), [2, 3, 4], { print: false });
      expect(printed.length).toBe(1);
    } finally {
      log.mockRestore();
    }
    expect(() => summary(model(), [2, 3, 4], { silent: true } as never)).toThrow(
      /summary: unknown option 'silent' \(known: dtype, print\)/,
    );
  });
  it('a value that only looks like a module (a forward and nothing else) is a TypeError naming the model', () => {
    const fake = { forward: (x: unknown) => x };
    expect(() => summary(fake as never, [1, 2], { print: false })).toThrow(TypeError);
    expect(() => summary(fake as never, [1, 2], { print: false })).toThrow(/summary: model must be a Module, got /);
  });
  it('a leaf model is its own row', () => {
    expect(summaryRows(new Linear(2, 2), [1, 2]).rows.map((r) => [r.name, r.type])).toEqual([['', 'Linear']]);
  });
});

import { Variable } from '@torchlet/autograd';
import { ShapeError, tensor } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { Parameter } from '../../src/nn/modules/parameter.js';
import { Adam, AdamW } from '../../src/optim/adam.js';
import { CosineAnnealingLR, StepLR } from '../../src/optim/lr-scheduler.js';
import { SGD } from '../../src/optim/sgd.js';

const p64 = (values: number[]) => new Parameter(tensor(values, { dtype: 'float64' }));

describe('Optimizer basics', () => {
  it('updates in place, never touches the gradient, skips parameters without one', () => {
    const a = p64([1, 2]);
    const b = p64([3]);
    const storage = a.data.data;
    const grad = tensor([0.5, -1], { dtype: 'float64' });
    a.grad = grad;
    const opt = new SGD([a, b], { lr: 0.1 });
    opt.step();
    expect(a.data.data).toBe(storage);
    expect(a.toArray()).toEqual([0.95, 2.1]);
    expect(grad.toArray()).toEqual([0.5, -1]);
    expect(b.toArray()).toEqual([3]);
  });

  it('a float32 parameter stays float32 and its state matches its dtype', () => {
    const w = new Parameter(tensor([1, 2, 3]));
    w.grad = tensor([1, 1, 1]);
    const opt = new Adam([w], { lr: 0.1 });
    opt.step();
    expect(w.dtype).toBe('float32');
    expect(Array.from(w.data.data)).toEqual(Array.from(Float32Array.from([0.9, 1.9, 2.9])));
    expect((opt.state.get(w)!.expAvg as { dtype: string }).dtype).toBe('float32');
  });

  it('param groups take their own options and fall back to the defaults', () => {
    const a = p64([1]);
    const b = p64([1]);
    a.grad = tensor([1], { dtype: 'float64' });
    b.grad = tensor([1], { dtype: 'float64' });
    const opt = new SGD([{ params: [a] }, { params: [b], lr: 0.5 }], { lr: 0.1, momentum: 0.9 });
    expect(opt.paramGroups.map((g) => [g.lr, g.momentum])).toEqual([
      [0.1, 0.9],
      [0.5, 0.9],
    ]);
    opt.step();
    expect(a.item()).toBeCloseTo(0.9, 15);
    expect(b.item()).toBeCloseTo(0.5, 15);
  });

  it('zeroGrad sets gradients to null', () => {
    const a = p64([1]);
    a.grad = tensor([1], { dtype: 'float64' });
    new SGD([a], { lr: 1 }).zeroGrad();
    expect(a.grad).toBeNull();
  });

  it('maximize ascends', () => {
    const a = p64([1]);
    a.grad = tensor([2], { dtype: 'float64' });
    new SGD([a], { lr: 0.1, maximize: true }).step();
    expect(a.item()).toBeCloseTo(1.2, 15);
  });

  it('stateDict is JSON-able: indices across groups, hyper-parameters, serialized buffers', () => {
    const a = p64([1, 2]);
    const b = p64([3]);
    a.grad = tensor([1, 1], { dtype: 'float64' });
    const opt = new Adam([{ params: [a] }, { params: [b], lr: 0.5 }], { amsgrad: true });
    opt.step();
    const sd = opt.stateDict();
    expect(JSON.parse(JSON.stringify(sd))).toEqual(sd);
    expect(sd.paramGroups.map((g) => g.params)).toEqual([[0], [1]]);
    expect(sd.paramGroups[1]!.lr).toBe(0.5);
    expect(sd.paramGroups[0]!.betas).toEqual([0.9, 0.999]);
    expect(Object.keys(sd.state)).toEqual(['0']);
    expect(sd.state['0']!.step).toBe(1);
    expect(sd.state['0']!.expAvg).toEqual({
      dtype: 'float64',
      shape: [2],
      data: [0.09999999999999998, 0.09999999999999998],
    });
    expect(Object.keys(sd.state['0']!).sort()).toEqual(['expAvg', 'expAvgSq', 'maxExpAvgSq', 'step']);
  });

  it('loadStateDict also restores hyper-parameters (e.g. a scheduled lr)', () => {
    const a = p64([1]);
    const opt = new SGD([a], { lr: 0.1 });
    opt.paramGroups[0]!.lr = 0.01;
    const other = new SGD([p64([1])], { lr: 0.1 });
    other.loadStateDict(JSON.parse(JSON.stringify(opt.stateDict())));
    expect(other.paramGroups[0]!.lr).toBe(0.01);
  });
});

describe('Optimizer errors name the option and the numbers', () => {
  it('constructor options', () => {
    expect(() => new SGD([p64([1])], { lr: -1 })).toThrow(RangeError);
    expect(() => new SGD([p64([1])], { lr: -1 })).toThrow(/SGD: lr must be >= 0, got -1/);
    expect(() => new SGD([p64([1])], { lr: NaN })).toThrow(/SGD: lr must be a finite number, got NaN/);
    expect(() => new SGD([p64([1])], { lr: 0.1, momentum: -0.5 })).toThrow(/momentum must be >= 0, got -0.5/);
    expect(() => new SGD([p64([1])], { lr: 0.1, nesterov: true })).toThrow(
      /nesterov momentum needs momentum > 0 and dampening = 0, got momentum=0, dampening=0/,
    );
    expect(() => new SGD([p64([1])], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true })).toThrow(
      /dampening=0.1/,
    );
    expect(() => new Adam([p64([1])], { betas: [0.9, 1] })).toThrow(/Adam: betas\[1\] must be < 1, got 1/);
    expect(() => new AdamW([p64([1])], { betas: [-0.1, 0.9] })).toThrow(/AdamW: betas\[0\] must be >= 0, got -0.1/);
    expect(() => new Adam([p64([1])], { betas: [0.9] as never })).toThrow(/betas must be a pair/);
    expect(() => new Adam([p64([1])], { eps: -1 })).toThrow(/eps must be >= 0/);
    expect(() => new Adam([p64([1])], { weightDecay: -1 })).toThrow(/weightDecay must be >= 0/);
    expect(() => new Adam([p64([1])], { amsgrad: 1 as never })).toThrow(/amsgrad must be a boolean/);
    expect(() => new SGD([{ params: [p64([1])], lr: -2 }], { lr: 0.1 })).toThrow(/lr must be >= 0, got -2/);
  });
  it('parameters', () => {
    expect(() => new SGD([], { lr: 0.1 })).toThrow(/SGD: got an empty parameter list/);
    expect(() => new SGD(3 as never, { lr: 0.1 })).toThrow(/params must be an iterable of parameters/);
    expect(() => new SGD([tensor([1])] as never, { lr: 0.1 })).toThrow(
      /params\[0\] must be a Parameter or Variable, got object/,
    );
    const a = p64([1]);
    expect(() => new SGD([a, a], { lr: 0.1 })).toThrow(/params\[1\] \[1\] appears more than once/);
    expect(() => new SGD([{ params: [a] }, { params: [a] }], { lr: 0.1 })).toThrow(/appears more than once/);
    expect(() => new SGD([new Parameter(tensor([1], { dtype: 'int32' }), false)], { lr: 0.1 })).toThrow(
      /params\[0\] is int32 \[1\]/,
    );
    expect(() => new SGD([{ params: [] }], { lr: 0.1 })).toThrow(/parameter group 0 is empty/);
  });
  it('a gradient of the wrong shape', () => {
    const a = p64([1, 2]);
    a.grad = tensor([1], { dtype: 'float64' });
    expect(() => new SGD([a], { lr: 0.1 }).step()).toThrow(ShapeError);
    expect(() => new SGD([a], { lr: 0.1 }).step()).toThrow(/SGD: gradient \[1\] does not match its parameter \[2\]/);
  });
  it('a state dict for another optimizer layout leaves this one unchanged', () => {
    const a = p64([1, 2]);
    a.grad = tensor([1, 1], { dtype: 'float64' });
    const opt = new SGD([a], { lr: 0.1, momentum: 0.9 });
    opt.step();
    const sd = opt.stateDict();
    const two = new SGD([{ params: [p64([1, 2])] }, { params: [p64([1])] }], { lr: 0.1, momentum: 0.9 });
    expect(() => two.loadStateDict(sd)).toThrow(
      /SGD.loadStateDict: the state dict has 1 parameter groups but the optimizer has 2/,
    );
    const other = new SGD([p64([1, 2]), p64([3])], { lr: 0.1, momentum: 0.9 });
    expect(() => other.loadStateDict(sd)).toThrow(
      /parameter group 0 has 1 parameters in the state dict but 2 in the optimizer/,
    );
    const wrongShape = new SGD([p64([1, 2, 3])], { lr: 0.2, momentum: 0.9 });
    expect(() => wrongShape.loadStateDict(sd)).toThrow(ShapeError);
    expect(() => wrongShape.loadStateDict(sd)).toThrow(
      /state 0.momentumBuffer has shape \[2\] but parameter 0 is \[3\]/,
    );
    expect(wrongShape.paramGroups[0]!.lr).toBe(0.2);
    expect(() => wrongShape.loadStateDict(null as never)).toThrow(TypeError);
  });
  it('a non-leaf cannot be optimized', () => {
    const leaf = p64([1]);
    const fake = new Variable(tensor([1], { dtype: 'float64' }), {}, { name: 'mul' } as never);
    expect(leaf.isLeaf).toBe(true);
    expect(() => new SGD([fake], { lr: 0.1 })).toThrow(/params\[0\] is not a leaf \(it was computed by mul\)/);
  });
});

describe('schedulers', () => {
  it('StepLR with two groups scales both, and records initialLr', () => {
    const opt = new SGD([{ params: [p64([1])] }, { params: [p64([1])], lr: 1 }], { lr: 0.1 });
    const s = new StepLR(opt, { stepSize: 2, gamma: 0.5 });
    expect(opt.paramGroups.map((g) => g.initialLr)).toEqual([0.1, 1]);
    const seen: number[][] = [];
    for (let e = 0; e < 5; e++) {
      seen.push(s.getLastLr());
      s.step();
    }
    expect(seen).toEqual([
      [0.1, 1],
      [0.1, 1],
      [0.05, 0.5],
      [0.05, 0.5],
      [0.025, 0.25],
    ]);
  });
  it('stateDict / loadStateDict resume the same sequence', () => {
    const run = (resumeAt: number | null) => {
      let opt = new SGD([p64([1])], { lr: 0.1 });
      let s = new CosineAnnealingLR(opt, { tMax: 5, etaMin: 0.001 });
      const lrs: number[] = [];
      for (let e = 0; e < 9; e++) {
        if (e === resumeAt) {
          const optState = JSON.parse(JSON.stringify(opt.stateDict()));
          const schedState = JSON.parse(JSON.stringify(s.stateDict()));
          opt = new SGD([p64([1])], { lr: 0.1 });
          s = new CosineAnnealingLR(opt, { tMax: 5, etaMin: 0.001 });
          opt.loadStateDict(optState);
          s.loadStateDict(schedState);
        }
        lrs.push(opt.paramGroups[0]!.lr);
        s.step();
      }
      return lrs;
    };
    expect(run(4)).toEqual(run(null));
  });
  it('errors name the option', () => {
    const opt = new SGD([p64([1])], { lr: 0.1 });
    expect(() => new StepLR(opt, { stepSize: 0 })).toThrow(/StepLR: stepSize must be >= 1, got 0/);
    expect(() => new StepLR(opt, { stepSize: 1.5 })).toThrow(/stepSize must be an integer, got 1.5/);
    expect(() => new StepLR(opt, { stepSize: 1, gamma: -1 })).toThrow(/gamma must be >= 0, got -1/);
    expect(() => new CosineAnnealingLR(opt, { tMax: 0 })).toThrow(/CosineAnnealingLR: tMax must be >= 1, got 0/);
    expect(() => new CosineAnnealingLR(opt, { tMax: 3, etaMin: -1 })).toThrow(/etaMin must be >= 0/);
    expect(() => new StepLR({} as never, { stepSize: 1 })).toThrow(/StepLR: optimizer must be an Optimizer/);
    const s = new StepLR(opt, { stepSize: 1 });
    expect(() => s.loadStateDict({ lastEpoch: 1, stepCount: 1, baseLrs: [1, 2], lastLr: [1] })).toThrow(
      /baseLrs must hold one number per parameter group \(1\)/,
    );
  });
});

import { mul, tensor } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { Linear } from '../../src/nn/modules/linear.js';
import { Parameter } from '../../src/nn/modules/parameter.js';
import { Adadelta } from '../../src/optim/adadelta.js';
import { Adagrad } from '../../src/optim/adagrad.js';
import { ExponentialLR, LinearLR, MultiStepLR } from '../../src/optim/lr-scheduler.js';
import { OneCycleLR } from '../../src/optim/one-cycle-lr.js';
import { ReduceLROnPlateau } from '../../src/optim/reduce-lr-on-plateau.js';
import { RMSprop } from '../../src/optim/rmsprop.js';
import { SGD } from '../../src/optim/sgd.js';
import { captureTrainingState, restoreTrainingState } from '../../src/train/training-state.js';

const p64 = (values: number[]) => new Parameter(tensor(values, { dtype: 'float64' }));

describe('RMSprop, Adadelta, Adagrad', () => {
  it("take PyTorch's defaults", () => {
    expect(new RMSprop([p64([1])]).defaults).toEqual({
      lr: 1e-2,
      alpha: 0.99,
      eps: 1e-8,
      weightDecay: 0,
      momentum: 0,
      centered: false,
      maximize: false,
    });
    expect(new Adadelta([p64([1])]).defaults).toEqual({ lr: 1, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false });
    expect(new Adagrad([p64([1])]).defaults).toEqual({
      lr: 1e-2,
      lrDecay: 0,
      weightDecay: 0,
      initialAccumulatorValue: 0,
      eps: 1e-10,
      maximize: false,
    });
  });
  it('Adagrad counts steps per parameter: lrDecay uses each one’s own count', () => {
    const a = p64([1]);
    const b = p64([1]);
    const opt = new Adagrad([a, b], { lr: 1, lrDecay: 1 });
    a.grad = tensor([1], { dtype: 'float64' });
    opt.step(); // a: step 1
    a.grad = tensor([1], { dtype: 'float64' });
    b.grad = tensor([1], { dtype: 'float64' });
    opt.step(); // a: step 2 (lr/2), b: step 1 (lr)
    expect(opt.state.get(a)!.step).toBe(2);
    expect(opt.state.get(b)!.step).toBe(1);
    const ga = 1 / (1 + 1e-10);
    expect(b.data.item()).toBeCloseTo(1 - ga, 12);
    expect(a.data.item()).toBeCloseTo(1 - ga - 0.5 / (Math.SQRT2 + 1e-10), 12);
  });
  it('errors name the option and the value', () => {
    expect(() => new RMSprop([p64([1])], { alpha: -1 })).toThrow(/RMSprop: alpha must be >= 0, got -1/);
    expect(() => new RMSprop([p64([1])], { centered: 1 as never })).toThrow(/RMSprop: centered must be a boolean/);
    expect(() => new Adadelta([p64([1])], { rho: 1.5 })).toThrow(RangeError);
    expect(() => new Adadelta([p64([1])], { rho: 1.5 })).toThrow(/Adadelta: rho must be in \[0, 1\], got 1.5/);
    expect(() => new Adagrad([p64([1])], { lrDecay: -0.1 })).toThrow(/Adagrad: lrDecay must be >= 0, got -0.1/);
    expect(() => new Adagrad([p64([1])], { initialAccumulatorValue: -1 })).toThrow(
      /initialAccumulatorValue must be >= 0/,
    );
  });
  it('unknown option keys are TypeErrors with a suggestion', () => {
    expect(() => new RMSprop([p64([1])], { weight_decay: 1e-4 } as never)).toThrow(TypeError);
    expect(() => new RMSprop([p64([1])], { weight_decay: 1e-4 } as never)).toThrow(
      /RMSprop: unknown option 'weight_decay'; did you mean 'weightDecay'\?/,
    );
    expect(() => new Adagrad([p64([1])], { lr_decay: 0.1 } as never)).toThrow(/did you mean 'lrDecay'/);
    expect(() => new Adadelta([p64([1])], { rh: 0.9 } as never)).toThrow(/unknown option 'rh'; did you mean 'rho'/);
  });
});

describe('new schedulers', () => {
  const sgd = () => new SGD([p64([1])], { lr: 0.1, momentum: 0.9 });
  it('MultiStepLR treats milestones as a multiset', () => {
    const opt = sgd();
    const s = new MultiStepLR(opt, { milestones: [2, 2], gamma: 0.5 });
    s.step();
    s.step();
    expect(opt.paramGroups[0]!.lr).toBeCloseTo(0.025, 15);
  });
  it('OneCycleLR sets the starting rate and switches momentum on at construction', () => {
    const opt = new SGD([p64([1])], { lr: 0.5 });
    new OneCycleLR(opt, { maxLr: 1, totalSteps: 10 });
    expect(opt.paramGroups[0]!.lr).toBeCloseTo(1 / 25, 15); // cos anneal at 0, as PyTorch's (not exact)
    expect(opt.paramGroups[0]!.momentum).toBe(0.95);
    expect(opt.paramGroups[0]!.initialLr).toBe(1 / 25);
  });
  it('ReduceLROnPlateau accepts a one-element tensor metric', () => {
    const opt = sgd();
    const s = new ReduceLROnPlateau(opt, { patience: 0 });
    s.step(tensor([1]));
    s.step(tensor([[2]]));
    expect(opt.paramGroups[0]!.lr).toBeCloseTo(0.01, 15);
  });
  it('errors name the option', () => {
    const opt = sgd();
    expect(() => new MultiStepLR(opt, { milestones: 3 } as never)).toThrow(
      /MultiStepLR: milestones must be an array of epochs, got 3/,
    );
    expect(() => new MultiStepLR(opt, { milestones: [1, -2] })).toThrow(/milestones\[1\] must be >= 0, got -2/);
    expect(() => new ExponentialLR(opt, {} as never)).toThrow(/ExponentialLR: gamma must be a finite number/);
    expect(() => new LinearLR(opt, { startFactor: 0 })).toThrow(/LinearLR: startFactor must be in \(0, 1\], got 0/);
    expect(() => new LinearLR(opt, { endFactor: 1.5 })).toThrow(/endFactor must be in \[0, 1\], got 1.5/);
    expect(() => new LinearLR(opt, { totalIters: 0 })).toThrow(/totalIters must be >= 1, got 0/);
    expect(() => new OneCycleLR(opt, { maxLr: 1 })).toThrow(/OneCycleLR: give totalSteps, or epochs and stepsPerEpoch/);
    expect(() => new OneCycleLR(opt, { maxLr: 1, epochs: 2 })).toThrow(/stepsPerEpoch must be an integer/);
    expect(() => new OneCycleLR(opt, { maxLr: [1, 2], totalSteps: 5 })).toThrow(
      /maxLr must hold one value per parameter group \(1\), got 2/,
    );
    expect(() => new OneCycleLR(opt, { maxLr: 1, totalSteps: 5, pctStart: 1.2 })).toThrow(
      /pctStart must be in \[0, 1\], got 1.2/,
    );
    expect(() => new OneCycleLR(opt, { maxLr: 1, totalSteps: 5, annealStrategy: 'cosine' as never })).toThrow(
      /annealStrategy must be 'cos' or 'linear', got "cosine"/,
    );
    expect(() => new OneCycleLR(new Adagrad([p64([1])]), { maxLr: 1, totalSteps: 5 })).toThrow(
      /cycleMomentum needs an optimizer with momentum or betas; Adagrad has neither/,
    );
    expect(() => new ReduceLROnPlateau(opt, { factor: 1 })).toThrow(/ReduceLROnPlateau: factor must be < 1, got 1/);
    expect(() => new ReduceLROnPlateau(opt, { mode: 'maximum' as never })).toThrow(/mode must be 'min' or 'max'/);
    expect(() => new ReduceLROnPlateau(opt, { thresholdMode: 'relative' as never })).toThrow(
      /thresholdMode must be 'rel' or 'abs'/,
    );
    expect(() => new ReduceLROnPlateau(opt, { minLr: [0, 0] })).toThrow(/minLr must hold one rate per parameter group/);
    const plateau = new ReduceLROnPlateau(opt);
    expect(() => plateau.step(NaN)).toThrow(/ReduceLROnPlateau.step: metric must be finite, got NaN/);
    expect(() => plateau.step(tensor([1, 2]))).toThrow(/one-element tensor, got shape \[2\]/);
    expect(plateau.lastEpoch).toBe(0);
  });
  it('unknown option keys are TypeErrors with a suggestion', () => {
    const opt = sgd();
    expect(() => new ReduceLROnPlateau(opt, { min_lr: 0.01 } as never)).toThrow(/did you mean 'minLr'/);
    expect(() => new OneCycleLR(opt, { max_lr: 0.1, total_steps: 5 } as never)).toThrow(
      /OneCycleLR: unknown option 'max_lr'; did you mean 'maxLr'/,
    );
    expect(() => new LinearLR(opt, { warmup: 5 } as never)).toThrow(/unknown option 'warmup' \(known: startFactor/);
  });
});

describe('a training state holds the new optimizers and ReduceLROnPlateau', () => {
  function run(steps: number) {
    const model = new Linear(3, 2, { dtype: 'float64' });
    const optimizer = new RMSprop(model.parameters(), { lr: 0.01, momentum: 0.5, centered: true });
    const scheduler = new ReduceLROnPlateau(optimizer, { patience: 0, factor: 0.5 });
    for (let s = 0; s < steps; s++) {
      for (const p of model.parameters()) p.grad = mul(p.data, 0.1 * (s + 1));
      optimizer.step();
      scheduler.step(1); // never improves after the first: halves the rate every step
    }
    return { model, optimizer, scheduler };
  }
  it('restores the optimizer buffers and the plateau counters', () => {
    const a = run(3);
    const { tensors, metadata } = captureTrainingState({ ...a, epoch: 3, step: 3 });
    const b = run(0);
    restoreTrainingState(tensors, metadata, b);
    expect(b.scheduler.stateDict()).toEqual(a.scheduler.stateDict());
    expect(b.optimizer.paramGroups[0]!.lr).toBe(a.optimizer.paramGroups[0]!.lr);
    expect(b.scheduler.best).toBe(1);
  });
});

import { Variable } from '@torchlet/autograd';
import { functional as F } from '@torchlet/layers';
import { ShapeError, tensor } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';

const f64 = (values: number[] | number[][]) => tensor(values, { dtype: 'float64' });
const close = (v: Variable, want: number[]) => {
  const got = Array.from(v.data.toTypedArray());
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 12));
};

describe('new losses: worked examples', () => {
  it('smoothL1Loss and huberLoss turn linear at |d| = beta / delta, and huber = delta · smoothL1', () => {
    const x = f64([0, 0.25, 1, 3]);
    const t = f64([0, 0, 0, 0]);
    close(F.smoothL1Loss(x, t, { reduction: 'none' }), [0, 0.03125, 0.5, 2.5]);
    close(F.huberLoss(x, t, { reduction: 'none', delta: 2 }), [0, 0.03125, 0.5, 4]);
    close(F.smoothL1Loss(x, t, { reduction: 'none', beta: 2 }), [0, 0.015625, 0.25, 2]);
    close(F.smoothL1Loss(x, t, { beta: 0 }), [(0 + 0.25 + 1 + 3) / 4]);
  });

  it('binaryCrossEntropy clamps the log at −100, as PyTorch: a confident wrong answer costs 100', () => {
    close(F.binaryCrossEntropy(f64([0, 1, 0.5]), f64([1, 0, 1]), { reduction: 'none' }), [100, 100, Math.LN2]);
  });

  it('klDiv: 0·log 0 = 0, batchmean divides by N, mean by the element count', () => {
    const logq = f64([
      [-1, -2],
      [-0.5, -3],
    ]);
    const p = f64([
      [0, 0.5],
      [0.2, 0.8],
    ]);
    const terms = [0, 0.5 * (Math.log(0.5) + 2), 0.2 * (Math.log(0.2) + 0.5), 0.8 * (Math.log(0.8) + 3)];
    close(F.klDiv(logq, p, { reduction: 'none' }), terms);
    const total = terms.reduce((a, b) => a + b);
    close(F.klDiv(logq, p, { reduction: 'batchmean' }), [total / 2]);
    close(F.klDiv(logq, p), [total / 4]);
    close(F.klDiv(logq, p, { reduction: 'sum' }), [total]);
  });
});

describe('new losses: errors name the op, the argument and the values', () => {
  const a = f64([0.2, 0.4]);
  it('unknown option keys, with a hint for snake_case', () => {
    expect(() => F.l1Loss(a, a, { reduce: 'sum' } as never)).toThrow(TypeError);
    expect(() => F.klDiv(a, a, { log_target: true } as never)).toThrow(
      /klDiv: unknown option 'log_target'; did you mean 'logTarget'\?/,
    );
    expect(() => F.binaryCrossEntropyWithLogits(a, a, { pos_weight: a } as never)).toThrow(/did you mean 'posWeight'/);
    expect(() => F.huberLoss(a, a, { beta: 1 } as never)).toThrow(/huberLoss: unknown option 'beta'/);
  });
  it('bad reductions, thresholds and dtypes', () => {
    expect(() => F.smoothL1Loss(a, a, { reduction: 'avg' as never })).toThrow(RangeError);
    expect(() => F.klDiv(a, a, { reduction: 'avg' as never })).toThrow(
      /klDiv: reduction must be 'none', 'mean', 'sum' or 'batchmean', got "avg"/,
    );
    expect(() => F.l1Loss(a, a, { reduction: 'batchmean' as never })).toThrow(
      /l1Loss: reduction must be 'none', 'mean' or 'sum'/,
    );
    expect(() => F.smoothL1Loss(a, a, { beta: -1 })).toThrow(
      /smoothL1Loss: beta must be a non-negative finite number, got beta=-1/,
    );
    expect(() => F.huberLoss(a, a, { delta: 0 })).toThrow(
      /huberLoss: delta must be a positive finite number, got delta=0/,
    );
    expect(() => F.huberLoss(a, a, { delta: '1' as never })).toThrow(TypeError);
    expect(() => F.klDiv(a, a, { logTarget: 1 as never })).toThrow(/klDiv: logTarget must be a boolean/);
    expect(() => F.l1Loss(a, tensor([1, 2]))).toThrow(/l1Loss: input is float64 but target is float32/);
    expect(() => F.klDiv(tensor([1, 2], { dtype: 'int32' }), a)).toThrow(
      /klDiv: input must be float32 or float64, got int32/,
    );
  });
  it('shapes', () => {
    expect(() => F.huberLoss(a, f64([1, 2, 3]))).toThrow(ShapeError);
    expect(() => F.huberLoss(a, f64([1, 2, 3]))).toThrow(
      /huberLoss: input \[2\] and target \[3\] must have the same shape/,
    );
    expect(() => F.binaryCrossEntropy(a, a, { weight: f64([1, 2, 3]) })).toThrow(
      /binaryCrossEntropy: weight \[3\] does not broadcast to the input's shape \[2\]/,
    );
  });
  it('binaryCrossEntropy wants probabilities: a value outside [0, 1] (or NaN) is named', () => {
    expect(() => F.binaryCrossEntropy(f64([0.5, 1.5]), a)).toThrow(RangeError);
    expect(() => F.binaryCrossEntropy(f64([0.5, 1.5]), a)).toThrow(
      /binaryCrossEntropy: all elements of input should be between 0 and 1 .*got 1.5 at index 1 of \[2\]/,
    );
    expect(() => F.binaryCrossEntropy(f64([NaN, 0.5]), a)).toThrow(/got NaN at index 0/);
  });
  it('BCE gets no gradient for its weight (a constant, as in PyTorch)', () => {
    const w = new Variable(f64([1, 2]), { requiresGrad: true });
    const x = new Variable(a, { requiresGrad: true });
    F.binaryCrossEntropy(x, f64([0, 1]), { weight: w }).backward();
    expect(x.grad).not.toBeNull();
    expect(w.grad).toBeNull();
  });
});

import { Variable } from '@torchlet/autograd';
import { ShapeError, tensor, Tensor } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { crossEntropy, nllLoss } from '../../../src/nn/functional/loss.js';
import { mseLoss } from '../../../src/nn/functional/regression-loss.js';
import { binaryCrossEntropyWithLogits } from '../../../src/nn/functional/binary-cross-entropy.js';

const logits = () =>
  new Variable(
    tensor(
      [
        [1, 2, 3],
        [1, 1, 1],
      ],
      { dtype: 'float64' },
    ),
    { requiresGrad: true },
  );
/** A probability target for `logits()`: one-hot rows for classes 2 and 0. */
const oneHot = (dtype: 'float32' | 'float64') =>
  tensor(
    [
      [0, 0, 1],
      [1, 0, 0],
    ],
    { dtype },
  );
const lse = (xs: number[]) => Math.log(xs.reduce((s, v) => s + Math.exp(v), 0));

describe('crossEntropy worked examples', () => {
  it('mean of −log softmax at the target; gradient (softmax − onehot) / N', () => {
    const x = logits();
    const loss = crossEntropy(x, [2, 0]);
    const want = (lse([1, 2, 3]) - 3 + (lse([1, 1, 1]) - 1)) / 2;
    expect(loss.item()).toBeCloseTo(want, 14);
    expect(loss.gradFn!.name).toBe('crossEntropy');
    loss.backward();
    const p = [1, 2, 3].map((v) => Math.exp(v - lse([1, 2, 3])));
    const grad = x.grad!.toArray() as number[][];
    expect(grad[0]![0]).toBeCloseTo(p[0]! / 2, 14);
    expect(grad[0]![2]).toBeCloseTo((p[2]! - 1) / 2, 14);
    expect(grad[1]![0]).toBeCloseTo((1 / 3 - 1) / 2, 14);
  });
  it('int32 tensor targets and number[] targets agree; unbatched input works', () => {
    const a = crossEntropy(logits(), tensor([2, 0], { dtype: 'int32' })).item();
    expect(crossEntropy(logits(), [2, 0]).item()).toBe(a);
    const single = crossEntropy(tensor([1, 2, 3], { dtype: 'float64' }), new Tensor(Int32Array.of(2), []), {
      reduction: 'none',
    });
    expect(single.shape).toEqual([]);
    expect(single.item()).toBeCloseTo(lse([1, 2, 3]) - 3, 14);
  });
  it('ignored samples contribute nothing and leave the mean denominator', () => {
    const x = logits();
    const loss = crossEntropy(x, [2, 1], { ignoreIndex: 1 });
    expect(loss.item()).toBeCloseTo(lse([1, 2, 3]) - 3, 14);
    loss.backward();
    expect((x.grad!.toArray() as number[][])[1]).toEqual([0, 0, 0]);
  });
  it('does not overflow on huge logits', () => {
    expect(crossEntropy(tensor([[1000, 0, -1000]], { dtype: 'float64' }), [0]).item()).toBeCloseTo(0, 12);
    expect(crossEntropy(tensor([[1000, 0, -1000]]), [2]).item()).toBeCloseTo(2000, 2);
  });
  it('keeps float32 in float32', () => {
    expect(crossEntropy(tensor([[1, 2]]), [0]).dtype).toBe('float32');
  });
});

describe('loss errors name the argument and the numbers', () => {
  it('class index out of range → RangeError naming the index and C', () => {
    expect(() => crossEntropy(logits(), [2, 3])).toThrow(RangeError);
    expect(() => crossEntropy(logits(), [2, 3])).toThrow(
      /crossEntropy: target 3 at index 1 is out of range for 3 classes \(expected 0..2 or ignoreIndex=-100\)/,
    );
    expect(() => crossEntropy(logits(), [-1, 0])).toThrow(/target -1 at index 0/);
    expect(() => nllLoss(logits(), [0, 7])).toThrow(/nllLoss: target 7 at index 1 is out of range for 3 classes/);
    expect(() => crossEntropy(logits(), [0.5, 1])).toThrow(/target 0.5 at index 0/);
  });
  it('target shape, dtype and kind', () => {
    expect(() => crossEntropy(logits(), [0, 1, 2])).toThrow(ShapeError);
    expect(() => crossEntropy(logits(), [0, 1, 2])).toThrow(
      /crossEntropy: target is \[3\] but input \[2, 3\] needs class indices of shape \[2\]/,
    );
    expect(() => crossEntropy(logits(), tensor([[0.5, 0.5]], { dtype: 'float64' }))).toThrow(
      /probability target must have the input's shape \[2, 3\], got \[1, 2\]/,
    );
    // Labels made with tensor([...]) default to float32: the error says class indices must be int32.
    expect(() => crossEntropy(logits(), tensor([1, 2]))).toThrow(TypeError);
    expect(() => crossEntropy(logits(), tensor([1, 2]))).toThrow(
      /crossEntropy: target float32 \[2\] looks like class indices, which must be int32 .*probabilities of the input's shape \[2, 3\]/,
    );
    expect(() => crossEntropy(logits(), oneHot('float32'))).toThrow(
      /input is float64 but the probability target is float32/,
    );
    expect(() => crossEntropy(logits(), 'a' as never)).toThrow(TypeError);
    expect(() => nllLoss(logits(), tensor([0, 1], { dtype: 'float64' }))).toThrow(
      /nllLoss: target must hold int32 class indices, got float64 \[2\]/,
    );
    expect(() => crossEntropy(tensor([[1, 2]], { dtype: 'int32' }), [0])).toThrow(
      /input must be float32 or float64, got int32 \[1, 2\]/,
    );
  });
  it('options', () => {
    expect(() => crossEntropy(logits(), [0, 1], { reduction: 'avg' as never })).toThrow(
      /reduction must be 'none', 'mean' or 'sum', got "avg"/,
    );
    expect(() => crossEntropy(logits(), [0, 1], { labelSmoothing: 1.5 })).toThrow(
      /labelSmoothing must be in \[0, 1\], got 1.5/,
    );
    expect(() => crossEntropy(logits(), [0, 1], { weight: tensor([1, 2], { dtype: 'float64' }) })).toThrow(
      /weight must be \[3\] \(one per class\), got \[2\]/,
    );
    expect(() => crossEntropy(logits(), [0, 1], { ignoreIndex: 0.5 })).toThrow(
      /ignoreIndex must be an integer, got 0.5/,
    );
    expect(() => crossEntropy(logits(), oneHot('float64'), { ignoreIndex: 1 })).toThrow(
      /ignoreIndex=1 applies only to class-index targets/,
    );
  });
  it('mseLoss and binaryCrossEntropyWithLogits', () => {
    const a = tensor([1, 2], { dtype: 'float64' });
    expect(() => mseLoss(a, tensor([1, 2, 3], { dtype: 'float64' }))).toThrow(
      /mseLoss: input \[2\] and target \[3\] must have the same shape/,
    );
    expect(() => binaryCrossEntropyWithLogits(a, tensor([1], { dtype: 'float64' }))).toThrow(
      /input \[2\] and target \[1\] must have the same shape/,
    );
    expect(() => binaryCrossEntropyWithLogits(a, a, { posWeight: tensor([1, 2, 3], { dtype: 'float64' }) })).toThrow(
      /posWeight \[3\] does not broadcast to the input's shape \[2\]/,
    );
    expect(() => binaryCrossEntropyWithLogits(a, a, { weight: tensor([[1], [2]], { dtype: 'float64' }) })).toThrow(
      /weight \[2, 1\] does not broadcast to the input's shape \[2\]/,
    );
    expect(() => binaryCrossEntropyWithLogits(a, tensor([1, 0]))).toThrow(/input is float64 but target is float32/);
  });
});

describe('mseLoss and BCE worked examples', () => {
  it('mseLoss is the mean of squared differences', () => {
    expect(
      mseLoss(tensor([1, 2, 3], { dtype: 'float64' }), tensor([1, 0, 0], { dtype: 'float64' })).item(),
    ).toBeCloseTo(13 / 3, 14);
    expect(
      mseLoss(tensor([1, 2], { dtype: 'float64' }), tensor([0, 0], { dtype: 'float64' }), {
        reduction: 'none',
      }).toArray(),
    ).toEqual([1, 4]);
  });
  it('BCE with logits is stable for large logits and matches −[t·log σ + (1−t)·log(1−σ)]', () => {
    const x = tensor([0.3, -2, 100, -100], { dtype: 'float64' });
    const t = tensor([1, 0, 0, 1], { dtype: 'float64' });
    const got = binaryCrossEntropyWithLogits(x, t, { reduction: 'none' }).toArray() as number[];
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    expect(got[0]).toBeCloseTo(-Math.log(sig(0.3)), 14);
    expect(got[1]).toBeCloseTo(-Math.log(1 - sig(-2)), 14);
    expect(got[2]).toBeCloseTo(100, 10);
    expect(got[3]).toBeCloseTo(100, 10);
  });
});

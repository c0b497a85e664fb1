import { randn, tensor } from '@torchlet/autograd';
import * as T from '@torchlet/tensor';
import { ShapeError } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { conv2d, convTranspose1d, convTranspose2d, convTransposeOutputSize } from '../../../src/nn/functional/index.js';

const f64 = { dtype: 'float64' } as const;

describe('convTranspose: worked examples', () => {
  it('stride 2 spreads each input over the kernel, overlaps add: [1, 2] * [1, 1, 1] → [1, 1, 3, 2, 2]', () => {
    const y = convTranspose1d(tensor([[[1, 2]]], f64), tensor([[[1, 1, 1]]], f64), null, { stride: 2 });
    expect(y.toArray()).toEqual([[[1, 1, 3, 2, 2]]]);
  });

  it('padding trims both ends, outputPadding adds one position at the end only, bias is added everywhere', () => {
    const x = tensor([[[1, 2]]], f64);
    const w = tensor([[[1, 1, 1]]], f64);
    expect(convTranspose1d(x, w, null, { stride: 2, padding: 1 }).toArray()).toEqual([[[1, 3, 2]]]);
    expect(convTranspose1d(x, w, tensor([10], f64), { stride: 2, padding: 1, outputPadding: 1 }).toArray()).toEqual([
      [[11, 13, 12, 12]],
    ]);
  });

  it('maps the output size of a strided conv2d back to its input size', () => {
    const g = new T.Generator(1);
    const x = T.randn([1, 4, 14, 14], { generator: g });
    const down = conv2d(x, T.randn([8, 4, 3, 3], { generator: g }), null, { stride: 2, padding: 1 });
    expect(down.shape).toEqual([1, 8, 7, 7]);
    const up = convTranspose2d(down, T.randn([8, 4, 3, 3], { generator: g }), null, {
      stride: 2,
      padding: 1,
      outputPadding: 1,
    });
    expect(up.shape).toEqual([1, 4, 14, 14]);
    expect(convTransposeOutputSize(7, 3, 2, 1, 1, 1)).toBe(14);
  });

  it('unbatched [Cin, L] input works and drops the batch axis', () => {
    const g = new T.Generator(2);
    const x = randn([3, 4], { ...f64, generator: g, requiresGrad: true });
    const w = randn([3, 2, 3], { ...f64, generator: g });
    const y = convTranspose1d(x, w, null, { stride: 2 });
    expect(y.shape).toEqual([2, 9]);
    const yb = convTranspose1d(T.unsqueeze(x.data, 0), w, null, { stride: 2 });
    expect([y.toArray()]).toEqual(yb.toArray());
    y.backward(T.onesLike(y.data));
    expect(x.grad!.shape).toEqual([3, 4]);
  });

  it('outputPadding may reach the stride when the dilation is larger (PyTorch allows < stride or < dilation)', () => {
    const y = convTranspose1d(T.ones([1, 1, 3], f64), T.ones([1, 1, 2], f64), null, {
      stride: 1,
      dilation: 3,
      outputPadding: 2,
    });
    // (3 − 1)·1 + 3·1 + 2 + 1 = 8 positions; taps at i and i + 3; the last two only get outputPadding.
    expect(y.toArray()).toEqual([[[1, 1, 1, 1, 1, 1, 0, 0]]]);
  });
});

describe('convTranspose: errors name the op, the argument and the numbers', () => {
  const x = T.zeros([1, 4, 5, 5]);
  const w = T.zeros([4, 2, 3, 3]);

  it('outputPadding not smaller than stride or dilation', () => {
    const call = () => convTranspose2d(x, w, null, { stride: 2, outputPadding: [2, 0] });
    expect(call).toThrow(RangeError);
    expect(call).toThrow(
      'convTranspose2d: outputPadding must be smaller than stride or dilation on every axis, got outputPadding=[2, 0] with stride=2, dilation=1',
    );
  });

  it('an empty output', () => {
    const call = () => convTranspose1d(T.zeros([1, 1, 1]), T.zeros([1, 1, 1]), null, { padding: 1 });
    expect(call).toThrow(ShapeError);
    expect(call).toThrow(
      'convTranspose1d: output would be empty: input [1, 1, 1] with weight [1, 1, 1], stride=1, padding=1 gives -1',
    );
  });

  it('input channels that differ from weight.shape[0]', () => {
    const call = () => convTranspose2d(T.zeros([1, 3, 5, 5]), w, null);
    expect(call).toThrow(ShapeError);
    expect(call).toThrow(
      'convTranspose2d: input has 3 channels, but weight [4, 2, 3, 3] with groups=1 expects 4; input is [1, 3, 5, 5]',
    );
  });

  it('groups not dividing the channels', () => {
    const call = () => convTranspose2d(T.zeros([1, 3, 5, 5]), T.zeros([3, 2, 3, 3]), null, { groups: 2 });
    expect(call).toThrow(ShapeError);
    expect(call).toThrow('convTranspose2d: input channels (3) must be divisible by groups (2); input is [1, 3, 5, 5]');
  });

  it('a bias that is not [Cout] (Cout = weight.shape[1] · groups)', () => {
    const call = () => convTranspose2d(x, T.zeros([4, 1, 3, 3]), T.zeros([1]), { groups: 2 });
    expect(call).toThrow(ShapeError);
    expect(call).toThrow('convTranspose2d: bias must be [2] (one per output channel of weight [4, 1, 3, 3]), got [1]');
  });

  it('wrong ranks, bad stride, negative padding, mixed dtypes', () => {
    expect(() => convTranspose2d(T.zeros([4, 5]), w, null)).toThrow(
      'convTranspose2d: input must be 3-D (unbatched) or 4-D (batched), got [4, 5]',
    );
    expect(() => convTranspose1d(T.zeros([1, 4, 5]), w, null)).toThrow(
      'convTranspose1d: weight must be 3-D [Cin, Cout / groups, k], got [4, 2, 3, 3]',
    );
    expect(() => convTranspose2d(x, w, null, { stride: 0 })).toThrow(RangeError);
    expect(() => convTranspose2d(x, w, null, { stride: 0 })).toThrow(
      'convTranspose2d: stride must be positive, got stride=0',
    );
    expect(() => convTranspose2d(x, w, null, { padding: [0, -1] })).toThrow(
      'convTranspose2d: padding must be >= 0, got padding=[0, -1]',
    );
    expect(() => convTranspose2d(x, T.zeros([4, 2, 3, 3], f64), null)).toThrow(TypeError);
    expect(() => convTranspose2d(x, T.zeros([4, 2, 3, 3], f64), null)).toThrow(
      'convTranspose2d: input is float32 but weight is float64',
    );
  });
});

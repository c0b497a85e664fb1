import { randn } from '@torchlet/autograd';
import { ShapeError } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { ConvNd, ConvTranspose3d, ConvTransposeNd, functional as F } from '@torchlet/layers';

describe('convTransposeNd / convTranspose3d: sizes, outputSize and errors', () => {
  it('maps a stride-2 convNd output back to its input size', () => {
    const x = randn([1, 2, 7, 6, 5, 4]);
    const w = randn([3, 2, 3, 3, 3, 3]);
    const y = F.convNd(x, w, null, { stride: 2, padding: 1 });
    expect(y.shape).toEqual([1, 3, 4, 3, 3, 2]);
    const back = F.convTransposeNd(y, w, null, { stride: 2, padding: 1, outputPadding: [0, 1, 0, 1] });
    expect(back.shape).toEqual(x.shape);
  });

  it('outputSize picks outputPadding (spatial, or with N and C in front), as PyTorch modules do', () => {
    const y = randn([1, 3, 4, 3, 3]);
    const w = randn([3, 2, 3, 3, 3]);
    expect(F.convTranspose3d(y, w, null, { stride: 2, padding: 1, outputSize: [8, 5, 6] }).shape).toEqual([
      1, 2, 8, 5, 6,
    ]);
    expect(F.convTranspose3d(y, w, null, { stride: 2, padding: 1, outputSize: [1, 2, 7, 6, 5] }).shape).toEqual([
      1, 2, 7, 6, 5,
    ]);
    const f = () => F.convTranspose3d(y, w, null, { stride: 2, padding: 1, outputSize: [9, 5, 5] });
    expect(f).toThrow(RangeError);
    expect(f).toThrow(
      'convTranspose3d: requested an output size of 9x5x5, but valid sizes range from 7x5x5 to 8x6x6 (for an input of 4x3x3)',
    );
    expect(() => F.convTranspose3d(y, w, null, { outputSize: [7, 5] })).toThrow(
      'convTranspose3d: outputSize must list 3 (or 5) integers, got outputSize=[7, 5]',
    );
  });

  it('errors name the op and the N-d weight layout', () => {
    expect(() => F.convTransposeNd(randn([1, 2, 3]), randn([2, 1]))).toThrow(ShapeError);
    expect(() => F.convTransposeNd(randn([1, 2, 3]), randn([2, 1]))).toThrow(
      'convTransposeNd: weight must be [Cin, Cout / groups, ...kernel] with at least one spatial axis, got [2, 1]',
    );
    expect(() => F.convTransposeNd(randn([1, 3, 2, 2, 2, 2]), randn([2, 1, 1, 1, 1, 1]))).toThrow(
      'convTransposeNd: input has 3 channels, but weight [2, 1, 1, 1, 1, 1] with groups=1 expects 2',
    );
    expect(() => F.convTranspose3d(randn([1, 2, 3, 3, 3]), randn([2, 1, 3, 3]))).toThrow(
      'convTranspose3d: weight must be 5-D [Cin, Cout / groups, kD, kH, kW], got [2, 1, 3, 3]',
    );
  });
});

describe('ConvNd, ConvTransposeNd and ConvTranspose3d modules', () => {
  it('ConvNd(4, ...) holds a [Cout, Cin / groups, k1..k4] weight and runs convNd', () => {
    const conv = new ConvNd(4, 4, 6, [3, 1, 3, 1], { padding: 'same', groups: 2 });
    expect(conv.weight.shape).toEqual([6, 2, 3, 1, 3, 1]);
    expect(conv.bias!.shape).toEqual([6]);
    const x = randn([2, 4, 3, 4, 5, 2]);
    const y = conv.forward(x);
    expect(y.shape).toEqual([2, 6, 3, 4, 5, 2]);
    expect(Array.from(y.data.toTypedArray())).toEqual(
      Array.from(F.convNd(x, conv.weight, conv.bias, conv.options).data.toTypedArray()),
    );
  });

  it('ConvTransposeNd(5, ...) and ConvTranspose3d, with forwardWithOutputSize', () => {
    const up = new ConvTransposeNd(5, 2, 3, 2, { stride: 2 });
    expect(up.weight.shape).toEqual([2, 3, 2, 2, 2, 2, 2]);
    expect(up.forward(randn([1, 2, 2, 1, 2, 1, 2])).shape).toEqual([1, 3, 4, 2, 4, 2, 4]);
    const up3 = new ConvTranspose3d(4, 2, 3, { stride: 2, padding: 1 });
    expect(up3.weight.shape).toEqual([4, 2, 3, 3, 3]);
    expect(up3.forward(randn([1, 4, 3, 3, 3])).shape).toEqual([1, 2, 5, 5, 5]);
    expect(up3.forwardWithOutputSize(randn([1, 4, 3, 3, 3]), [6, 5, 6]).shape).toEqual([1, 2, 6, 5, 6]);
  });

  it('the rank must be a positive integer', () => {
    expect(() => new ConvNd(0, 1, 1, 1)).toThrow('ConvNd: dims must be positive, got dims=0');
    expect(() => new ConvTransposeNd(1.5, 1, 1, 1)).toThrow(
      'ConvTransposeNd: dims must be an integer (the number of spatial axes), got 1.5',
    );
    expect(() => new ConvNd(4, 1, 1, [3, 3])).toThrow('ConvNd: kernelSize must be an integer or 4 integers');
  });
});

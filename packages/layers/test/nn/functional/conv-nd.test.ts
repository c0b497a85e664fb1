import { randn } from '@torchlet/autograd';
import { full, ones, ShapeError, tensor } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { AdaptiveAvgPoolNd, ConvNd, MaxPoolNd, functional as F } from '@torchlet/layers';

describe('convNd: worked examples and errors', () => {
  it('a 4-D box sum: an all-ones 2×2×2×2 kernel over ones counts the taps inside', () => {
    const x = ones([1, 1, 3, 3, 3, 3]);
    const w = ones([1, 1, 2, 2, 2, 2]);
    const y = F.convNd(x, w, tensor([0.5]), { padding: 1, stride: 2 });
    expect(y.shape).toEqual([1, 1, 2, 2, 2, 2]);
    // Output 0 on every axis sees one real element per axis (the other tap is padding), output 1 two.
    const values = y.data.toArray() as number[][][][][][];
    expect(values[0]![0]![0]![0]![0]![0]).toBe(1.5);
    expect(values[0]![0]![1]![1]![1]![1]).toBe(16.5);
    expect(values[0]![0]![1]![0]![1]![0]).toBe(4.5);
  });

  it('unbatched 4-D input `[Cin, ...spatial]`', () => {
    const y = F.convNd(randn([2, 3, 4, 3, 2]), randn([5, 2, 2, 2, 2, 1]));
    expect(y.shape).toEqual([5, 2, 3, 2, 2]);
  });

  it('the weight decides the rank; a weight without a kernel axis is a ShapeError', () => {
    expect(() => F.convNd(randn([1, 2, 4]), randn([3, 2]))).toThrow(ShapeError);
    expect(() => F.convNd(randn([1, 2, 4]), randn([3, 2]))).toThrow(
      'convNd: weight must be [Cout, Cin / groups, ...kernel] with at least one spatial axis, got [3, 2]',
    );
  });

  it('an input of the wrong rank for the weight names both layouts', () => {
    const f = () => F.convNd(randn([1, 2, 4, 4]), randn([3, 2, 1, 1, 1, 1]));
    expect(f).toThrow(ShapeError);
    expect(f).toThrow('convNd: input must be 5-D (unbatched) or 6-D (batched), got [1, 2, 4, 4]');
  });

  it('per-axis options must have one entry per spatial axis', () => {
    expect(() => F.convNd(randn([1, 1, 3, 3, 3, 3]), randn([1, 1, 1, 1, 1, 1]), null, { stride: [1, 1, 1] })).toThrow(
      'convNd: stride must be an integer or 4 integers, got stride=[1, 1, 1]',
    );
  });

  it('channel and kernel-size errors read as for conv2d', () => {
    expect(() => F.convNd(randn([1, 4, 3, 3, 3, 3]), randn([2, 3, 1, 1, 1, 1]))).toThrow(
      'convNd: input has 4 channels, but weight [2, 3, 1, 1, 1, 1] with groups=1 expects 3; input is [1, 4, 3, 3, 3, 3]',
    );
    expect(() => F.convNd(randn([1, 1, 3, 3, 3, 1]), randn([1, 1, 2, 2, 2, 2]))).toThrow(
      'convNd: input [1, 1, 3, 3, 3, 1] padded to 3x3x3x1 is smaller than the dilated kernel 2x2x2x2',
    );
  });
});

describe("the README's 4-D example", () => {
  it('a batch of depth videos through ConvNd → relu → MaxPoolNd → AdaptiveAvgPoolNd; convolveNd smooths a 4-D field', () => {
    const video = randn([2, 3, 8, 6, 16, 16]);
    const conv = new ConvNd(4, 3, 8, 3, { padding: 1 });
    expect(conv.weight.shape).toEqual([8, 3, 3, 3, 3, 3]);
    const features = new MaxPoolNd(4, 2).forward(F.relu(conv.forward(video)));
    expect(features.shape).toEqual([2, 8, 4, 3, 8, 8]);
    expect(new AdaptiveAvgPoolNd(4, 1).forward(features).shape).toEqual([2, 8, 1, 1, 1, 1]);
    const field = randn([10, 10, 10, 10], { dtype: 'float64' });
    const smoothed = F.convolveNd(field, full([3, 3, 3, 3], 1 / 81, { dtype: 'float64' }), 'same');
    expect(smoothed.shape).toEqual([10, 10, 10, 10]);
    // An inner point is the mean of its 3⁴ neighbourhood.
    const f = field.data.toArray() as number[][][][];
    let sum = 0;
    for (let a = 4; a < 7; a++)
      for (let b = 4; b < 7; b++) for (let c = 4; c < 7; c++) for (let d = 4; d < 7; d++) sum += f[a]![b]![c]![d]!;
    expect((smoothed.data.toArray() as number[][][][])[5]![5]![5]![5]!).toBeCloseTo(sum / 81, 12);
  });
});

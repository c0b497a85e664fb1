import { randn } from '@torchlet/autograd';
import { Generator } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import {
  AdaptiveAvgPool1d,
  AdaptiveAvgPool3d,
  AdaptiveAvgPoolNd,
  AdaptiveMaxPool1d,
  AdaptiveMaxPool3d,
  AdaptiveMaxPoolNd,
  AvgPool3d,
  AvgPoolNd,
  functional as F,
  MaxPool3d,
  MaxPoolNd,
} from '@torchlet/layers';

const bits = (v: { data: { toTypedArray(): ArrayLike<number> } }) => Array.from(v.data.toTypedArray());

describe('3-D and N-d pooling modules', () => {
  const x = randn([2, 3, 6, 5, 4], { generator: new Generator(4) });

  it('MaxPool3d / AvgPool3d run maxPool3d / avgPool3d with their options', () => {
    const max = new MaxPool3d(2, { stride: 1, padding: 1, ceilMode: true });
    expect(bits(max.forward(x))).toEqual(
      bits(F.maxPool3d(x, { kernelSize: 2, stride: 1, padding: 1, ceilMode: true })),
    );
    const [, indices] = max.forwardWithIndices(x);
    expect(indices.shape).toEqual([2, 3, 7, 6, 5]);
    const avg = new AvgPool3d([3, 2, 1], { countIncludePad: false, padding: [1, 0, 0] });
    expect(avg.forward(x).shape).toEqual([2, 3, 2, 2, 4]);
    expect(bits(avg.forward(x))).toEqual(
      bits(F.avgPool3d(x, { kernelSize: [3, 2, 1], countIncludePad: false, padding: [1, 0, 0] })),
    );
    expect(avg.extraRepr()).toBe('kernelSize=[3, 2, 1], countIncludePad=false, padding=[1, 0, 0]');
  });

  it('MaxPoolNd / AvgPoolNd take the rank first', () => {
    const v = randn([1, 2, 4, 4, 4, 4]);
    expect(new MaxPoolNd(4, 2).forward(v).shape).toEqual([1, 2, 2, 2, 2, 2]);
    expect(new AvgPoolNd(4, [2, 1, 2, 1]).forward(v).shape).toEqual([1, 2, 2, 4, 2, 4]);
    expect(new MaxPoolNd(4, 2).forwardWithIndices(v)[1].shape).toEqual([1, 2, 2, 2, 2, 2]);
    expect(() => new MaxPoolNd(0, 2)).toThrow('MaxPoolNd: dims must be positive, got dims=0');
    expect(() => new AvgPoolNd(4, [2, 2])).toThrow('AvgPoolNd: kernelSize must be an integer or 4 integers');
  });

  it('adaptive pools of rank 1, 3 and N', () => {
    const seq = randn([2, 4, 13]);
    expect(new AdaptiveAvgPool1d(1).forward(seq).shape).toEqual([2, 4, 1]);
    expect(bits(new AdaptiveMaxPool1d(5).forward(seq))).toEqual(bits(F.adaptiveMaxPool1d(seq, 5)));
    expect(new AdaptiveAvgPool3d([1, null, 2]).forward(x).shape).toEqual([2, 3, 1, 5, 2]);
    expect(bits(new AdaptiveMaxPool3d(2).forward(x))).toEqual(bits(F.adaptiveMaxPool3d(x, 2)));
    expect(new AdaptiveMaxPool3d(2).forwardWithIndices(x)[1].shape).toEqual([2, 3, 2, 2, 2]);
    expect(new AdaptiveAvgPoolNd(4, 1).forward(randn([1, 2, 3, 4, 5, 6])).shape).toEqual([1, 2, 1, 1, 1, 1]);
    expect(new AdaptiveMaxPoolNd(4, [1, 2, 1, 2]).forward(randn([2, 3, 4, 5, 6])).shape).toEqual([2, 1, 2, 1, 2]);
    expect(new AdaptiveAvgPool3d(2).extraRepr()).toBe('outputSize=2');
    expect(() => new AdaptiveAvgPool1d([1, 2])).toThrow(
      'AdaptiveAvgPool1d: outputSize must be an integer, got outputSize=[1, 2]',
    );
    expect(() => new AdaptiveMaxPool3d(-2)).toThrow(
      'AdaptiveMaxPool3d: outputSize must be non-negative, got outputSize=-2',
    );
  });
});

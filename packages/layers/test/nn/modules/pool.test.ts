import * as T from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import {
  adaptiveAvgPool2d,
  adaptiveMaxPool2d,
  avgPool1d,
  avgPool2d,
  maxPool1d,
  maxPool2d,
} from '../../../src/nn/functional/index.js';
import {
  AdaptiveAvgPool2d,
  AdaptiveMaxPool2d,
  AvgPool1d,
  AvgPool2d,
  MaxPool1d,
  MaxPool2d,
} from '../../../src/nn/modules/pool.js';

const x2 = T.randn([2, 3, 7, 6], { dtype: 'float64', generator: new T.Generator(1) });
const x1 = T.randn([2, 3, 9], { dtype: 'float64', generator: new T.Generator(2) });

describe('pool modules', () => {
  it('forward is the functional op with the stored options', () => {
    expect(new MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }).forward(x2).toArray()).toEqual(
      maxPool2d(x2, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true }).toArray(),
    );
    expect(new MaxPool1d(2, { dilation: 2 }).forward(x1).toArray()).toEqual(
      maxPool1d(x1, { kernelSize: 2, dilation: 2 }).toArray(),
    );
    expect(new AvgPool2d([2, 3], { countIncludePad: false, padding: [1, 1] }).forward(x2).toArray()).toEqual(
      avgPool2d(x2, { kernelSize: [2, 3], countIncludePad: false, padding: [1, 1] }).toArray(),
    );
    expect(new AvgPool1d(3, { stride: 2, divisorOverride: 2 }).forward(x1).toArray()).toEqual(
      avgPool1d(x1, { kernelSize: 3, stride: 2, divisorOverride: 2 }).toArray(),
    );
    expect(new AdaptiveAvgPool2d([3, null]).forward(x2).toArray()).toEqual(adaptiveAvgPool2d(x2, [3, null]).toArray());
    expect(new AdaptiveMaxPool2d(2).forward(x2).toArray()).toEqual(adaptiveMaxPool2d(x2, 2).toArray());
  });

  it('forwardWithIndices returns the argmax indices too; pools hold no parameters', () => {
    const [y, indices] = new MaxPool2d(2).forwardWithIndices(x2);
    expect(y.shape).toEqual([2, 3, 3, 3]);
    expect(indices.dtype).toBe('int32');
    const [, adaptiveIndices] = new AdaptiveMaxPool2d([1, 1]).forwardWithIndices(x2);
    expect(adaptiveIndices.shape).toEqual([2, 3, 1, 1]);
    expect(new MaxPool1d(2).forwardWithIndices(x1)[1].shape).toEqual([2, 3, 4]);
    expect(new MaxPool2d(2).parameters()).toHaveLength(0);
  });

  it('repr shows the kernel and the options given', () => {
    expect(new MaxPool2d(2).toString()).toBe('MaxPool2d(kernelSize=2)');
    expect(new MaxPool2d(3, { stride: 2, padding: 1 }).toString()).toBe('MaxPool2d(kernelSize=3, stride=2, padding=1)');
    expect(new AvgPool1d(4, { ceilMode: true, countIncludePad: false }).toString()).toBe(
      'AvgPool1d(kernelSize=4, ceilMode=true, countIncludePad=false)',
    );
    expect(new AdaptiveAvgPool2d([7, null]).toString()).toBe('AdaptiveAvgPool2d(outputSize=[7, null])');
  });

  it('constructor errors name the layer and the numbers', () => {
    expect(() => new MaxPool2d(3, { padding: 2 })).toThrow(RangeError);
    expect(() => new MaxPool2d(3, { padding: 2 })).toThrow(
      'MaxPool2d: padding must be at most half of kernelSize, got padding=2 with kernelSize=3',
    );
    expect(() => new AvgPool1d(0)).toThrow('AvgPool1d: kernelSize must be positive, got kernelSize=0');
    expect(() => new MaxPool1d(2, { stride: [1, 1] })).toThrow(TypeError);
    expect(() => new MaxPool1d(2, { stride: [1, 1] })).toThrow(
      'MaxPool1d: stride must be an integer, got stride=[1, 1]',
    );
    expect(() => new AdaptiveAvgPool2d(-1)).toThrow(
      'AdaptiveAvgPool2d: outputSize must be non-negative, got outputSize=-1',
    );
    // @ts-expect-error: three sizes
    expect(() => new AdaptiveMaxPool2d([1, 2, 3])).toThrow(
      'AdaptiveMaxPool2d: outputSize must be an integer or [h, w] of integers or null, got outputSize=[1, 2, 3]',
    );
  });
});

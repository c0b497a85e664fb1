import { describe, expect, it } from 'vitest';
import { ShapeError } from '@torchlet/tensor';
import { convGeometry, convOutputSize } from '@torchlet/tensor/kernels';

describe('convOutputSize', () => {
  it('worked examples of floor((I + 2p − d·(k − 1) − 1) / s) + 1', () => {
    expect(convOutputSize(28, 5)).toBe(24); // LeNet conv1
    expect(convOutputSize(32, 3, { padding: 1 })).toBe(32); // "same" for odd k
    expect(convOutputSize(32, 3, { stride: 2, padding: 1 })).toBe(16);
    expect(convOutputSize(7, 3, { stride: 2 })).toBe(3);
    expect(convOutputSize(8, 3, { stride: 2 })).toBe(3); // the last column is never reached
    expect(convOutputSize(10, 3, { dilation: 2 })).toBe(6); // dilated span 5
    expect(convOutputSize(224, 7, { stride: 2, padding: 3 })).toBe(112); // ResNet stem
    expect(convOutputSize(1, 1)).toBe(1);
    expect(convOutputSize(0, 3, { padding: 2 })).toBe(2); // windows over padding alone
  });

  it('per axis for an array input size', () => {
    expect(convOutputSize([32, 20], 3, { stride: [2, 1], padding: 1 })).toEqual([16, 20]);
    expect(convOutputSize([5, 6, 7], [1, 2, 3])).toEqual([5, 5, 5]);
  });

  it('rejects a kernel larger than the padded input', () => {
    const f = () => convOutputSize(4, 5);
    expect(f).toThrow(ShapeError);
    expect(f).toThrow(
      'convOutputSize: input [.., 4] padded to 4 is smaller than the dilated kernel 5 (kernelSize=5, dilation=1, padding=0)',
    );
  });

  it('rejects bad options with the user spelling', () => {
    expect(() => convOutputSize(8, 3, { stride: 0 })).toThrow(RangeError);
    expect(() => convOutputSize(8, 3, { stride: 0 })).toThrow('convOutputSize: stride must be positive, got stride=0');
    expect(() => convOutputSize(8, 3, { padding: -1 })).toThrow('convOutputSize: padding must be >= 0, got padding=-1');
    expect(() => convOutputSize(8, 2.5)).toThrow(TypeError);
    expect(() => convOutputSize(8, 2.5)).toThrow('convOutputSize: kernelSize must be an integer, got kernelSize=2.5');
  });
});

describe('convGeometry', () => {
  it('fills every field per axis, with asymmetric padding', () => {
    const g = convGeometry('conv2d', {
      channels: 3,
      inputSize: [4, 5],
      kernelSize: [3, 2],
      stride: [1, 2],
      padding: [1, 0],
      paddingAfter: [0, 1],
      dilation: [1, 2],
    });
    expect(g).toEqual({
      channels: 3,
      inputSize: [4, 5],
      kernelSize: [3, 2],
      stride: [1, 2],
      padBefore: [1, 0],
      padAfter: [0, 1],
      dilation: [1, 2],
      // H: (4 + 1 + 0 − 2 − 1) / 1 + 1 = 3; W: floor((5 + 0 + 1 − 2 − 1) / 2) + 1 = 2
      outputSize: [3, 2],
    });
  });

  it('expands scalars and defaults stride 1, padding 0 (both sides), dilation 1', () => {
    const g = convGeometry('conv3d', { channels: 2, inputSize: [4, 5, 6], kernelSize: 3 });
    expect(g.kernelSize).toEqual([3, 3, 3]);
    expect(g.stride).toEqual([1, 1, 1]);
    expect(g.padBefore).toEqual([0, 0, 0]);
    expect(g.padAfter).toEqual([0, 0, 0]);
    expect(g.dilation).toEqual([1, 1, 1]);
    expect(g.outputSize).toEqual([2, 3, 4]);
    expect(convGeometry('conv1d', { channels: 1, inputSize: [9], kernelSize: 3, padding: 2 }).padAfter).toEqual([2]);
  });

  it('copies its inputs, so later edits to the option arrays do not leak in', () => {
    const inputSize = [6, 6];
    const g = convGeometry('conv2d', { channels: 1, inputSize, kernelSize: 3 });
    inputSize[0] = 100;
    expect(g.inputSize).toEqual([6, 6]);
  });
});

describe('convGeometry errors', () => {
  it('padded input smaller than the dilated kernel', () => {
    const f = () => convGeometry('conv2d', { channels: 1, inputSize: [4, 4], kernelSize: 5 });
    expect(f).toThrow(ShapeError);
    expect(f).toThrow(
      'conv2d: input [.., 4, 4] padded to 4x4 is smaller than the dilated kernel 5x5 (kernelSize=5, dilation=1, padding=0)',
    );
    expect(() =>
      convGeometry('conv2d', { channels: 1, inputSize: [6, 6], kernelSize: 3, dilation: [3, 1], paddingAfter: [0, 0] }),
    ).toThrow(
      'conv2d: input [.., 6, 6] padded to 6x6 is smaller than the dilated kernel 7x3 (kernelSize=3, dilation=[3, 1], padding=0, paddingAfter=[0, 0])',
    );
  });

  it('a padded input or dilated kernel past 2^53 − 1 is a RangeError (its size would round)', () => {
    const padded = () => convGeometry('conv1d', { channels: 1, inputSize: [2], kernelSize: 2, padding: 2 ** 53 + 2 });
    expect(padded).toThrow(RangeError);
    expect(padded).toThrow(
      'conv1d: with padding=9007199254740994 the padded input (from [.., 2]) is 18014398509481990, on axis 0 past 2^53 − 1',
    );
    expect(() =>
      convGeometry('conv2d', { channels: 1, inputSize: [4, 4], kernelSize: 3, dilation: [1, 2 ** 53] }),
    ).toThrow(
      /^conv2d: with kernelSize=3, dilation=\[1, 9007199254740992\] the dilated kernel is 3x18014398509481984, on axis 1/,
    );
  });

  it('a stride past the padded input and a one-tap dilation are clamped: the same windows', () => {
    const g = convGeometry('conv2d', {
      channels: 1,
      inputSize: [4, 5],
      kernelSize: [2, 1],
      stride: 2 ** 60,
      dilation: [1, 2 ** 60],
    });
    expect(g.outputSize).toEqual([1, 1]);
    expect(g.stride).toEqual([4, 5]);
    expect(g.dilation).toEqual([1, 1]);
  });

  it('tuples with the wrong number of entries (TypeError, as every conv option)', () => {
    const f = () => convGeometry('conv2d', { channels: 1, inputSize: [8, 8], kernelSize: [3, 3, 3] });
    expect(f).toThrow(TypeError);
    expect(f).toThrow('conv2d: kernelSize must be an integer or 2 integers, got kernelSize=[3, 3, 3]');
    expect(() => convGeometry('conv1d', { channels: 1, inputSize: [8], kernelSize: 3, stride: [1, 1] })).toThrow(
      'conv1d: stride must be an integer, got stride=[1, 1]',
    );
  });

  it('inputSize with no axes, or not an array', () => {
    const f = () => convGeometry('convNd', { channels: 1, inputSize: [], kernelSize: 1 });
    expect(f).toThrow(ShapeError);
    expect(f).toThrow('convNd: inputSize must list at least one spatial size, got []');
    expect(() => convGeometry('conv2d', { channels: 1, inputSize: 8 as never, kernelSize: 1 })).toThrow(
      'conv2d: inputSize must list at least one spatial size, got number 8',
    );
  });

  it('any number of axes: a 5-D geometry sizes each axis by the same formula', () => {
    const g = convGeometry('convNd', {
      channels: 2,
      inputSize: [5, 6, 7, 8, 9],
      kernelSize: [1, 2, 3, 2, 1],
      stride: [1, 2, 1, 3, 2],
      padding: [0, 1, 2, 0, 1],
      dilation: [1, 1, 2, 1, 1],
    });
    expect(g.outputSize).toEqual([5, 4, 7, 3, 6]);
  });

  it('out-of-range values (RangeError) and non-integers (TypeError)', () => {
    const base = { channels: 1, inputSize: [8, 8], kernelSize: 3 };
    expect(() => convGeometry('conv2d', { ...base, stride: [2, 0] })).toThrow(RangeError);
    expect(() => convGeometry('conv2d', { ...base, stride: [2, 0] })).toThrow(
      'conv2d: stride must be positive, got stride=[2, 0]',
    );
    expect(() => convGeometry('conv2d', { ...base, dilation: 0 })).toThrow(
      'conv2d: dilation must be positive, got dilation=0',
    );
    expect(() => convGeometry('conv2d', { ...base, kernelSize: [0, 3] })).toThrow(
      'conv2d: kernelSize must be positive, got kernelSize=[0, 3]',
    );
    expect(() => convGeometry('conv2d', { ...base, padding: [-1, 0] })).toThrow(
      'conv2d: padding must be >= 0, got padding=[-1, 0]',
    );
    expect(() => convGeometry('conv2d', { ...base, paddingAfter: -2 })).toThrow(
      'conv2d: paddingAfter must be >= 0, got paddingAfter=-2',
    );
    expect(() => convGeometry('conv2d', { ...base, inputSize: [8, -1] })).toThrow(
      'conv2d: inputSize must be >= 0, got inputSize=[8, -1]',
    );
    expect(() => convGeometry('conv2d', { ...base, channels: 0 })).toThrow(RangeError);
    expect(() => convGeometry('conv2d', { ...base, channels: 0 })).toThrow('conv2d: channels must be >= 1, got 0');
    expect(() => convGeometry('conv2d', { ...base, channels: 1.5 })).toThrow(TypeError);
    expect(() => convGeometry('conv2d', { ...base, channels: 1.5 })).toThrow(
      'conv2d: channels must be an integer, got 1.5',
    );
    expect(() => convGeometry('conv2d', { ...base, padding: [1, 0.5] })).toThrow(TypeError);
    expect(() => convGeometry('conv2d', { ...base, padding: [1, 0.5] })).toThrow(
      'conv2d: padding must be an integer or 2 integers, got padding=[1, 0.5]',
    );
    expect(() => convGeometry('conv2d', { ...base, stride: '2' as never })).toThrow(
      "conv2d: stride must be an integer or 2 integers, got stride='2'",
    );
  });
});

import { describe, expect, it } from 'vitest';
import {
  ShapeError,
  checkInt,
  checkOptions,
  checkRank,
  checkShape,
  checkTensor,
  describeValue,
  normalizeAxes,
  normalizeAxis,
  zeros,
} from '@torchlet/tensor';

describe('argument checks', () => {
  it('normalizeAxis maps negative axes and accepts 0/-1 on a 0-d tensor', () => {
    expect(normalizeAxis('op', -1, 3)).toBe(2);
    expect(normalizeAxis('op', 0, 3)).toBe(0);
    expect(normalizeAxis('op', -1, 0)).toBe(0);
    expect(() => normalizeAxis('op', 3, 3)).toThrow(RangeError);
    expect(() => normalizeAxis('op', 3, 3)).toThrow(
      'op: dim=3 is out of range for a tensor of rank 3 (expected -3..2)',
    );
    expect(() => normalizeAxis('op', -4, 3, 'axis')).toThrow('op: axis=-4 is out of range');
    expect(() => normalizeAxis('op', 1.5, 3)).toThrow(TypeError);
    expect(() => normalizeAxis('op', 1.5, 3)).toThrow('op: dim must be an integer, got 1.5');
  });

  it('normalizeAxes rejects repeats however spelled', () => {
    expect(normalizeAxes('op', [0, -1], 3)).toEqual([0, 2]);
    expect(() => normalizeAxes('op', [2, -1], 3)).toThrow('op: dim repeats axis -1 in [2, -1]');
  });

  it('checkShape, checkInt, checkRank, checkTensor', () => {
    expect(checkShape('op', [2, 0])).toEqual([2, 0]);
    expect(() => checkShape('op', [2, -1])).toThrow('op: shape must hold sizes >= 0, got [2, -1]');
    expect(() => checkShape('op', [NaN])).toThrow('op: shape must hold integers, got [NaN]');
    expect(() => checkShape('op', 'x', 'size')).toThrow('op: size must be an array of sizes, got x');
    expect(checkInt('op', 3, 'k', 0)).toBe(3);
    expect(() => checkInt('op', -1, 'k', 0)).toThrow('op: k must be >= 0, got -1');
    expect(() => checkInt('op', '1', 'k')).toThrow('op: k must be an integer, got 1');
    expect(() => checkRank('conv2d', 'input', [1, 2, 3], [4])).toThrow(ShapeError);
    expect(() => checkRank('conv2d', 'input', [1, 2, 3], [4])).toThrow('conv2d: input must be 4-D, got [1, 2, 3]');
    expect(() => checkRank('op', 'x', [1], [2, 3])).toThrow('op: x must be 2-D or 3-D, got [1]');
    const t = zeros([1]);
    expect(checkTensor('op', t)).toBe(t);
    expect(() => checkTensor('op', new Float32Array(2), 'input')).toThrow(
      'op: input must be a Tensor, got Float32Array',
    );
  });

  it('describeValue spells what was passed', () => {
    expect(describeValue(null)).toBe('null');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue([1])).toBe('an array');
    expect(describeValue(3)).toBe('number 3');
    expect(describeValue({})).toBe('Object');
    expect(describeValue(Object.create(null))).toBe('object');
  });
});

describe('checkOptions with known keys', () => {
  const known = ['stride', 'padding', 'paddingMode', 'dilation'] as const;
  it('passes known keys and undefined options through', () => {
    expect(checkOptions('op', { stride: 2 }, known)).toEqual({ stride: 2 });
    expect(checkOptions('op', undefined, known)).toEqual({});
  });
  it('rejects an unknown key with the known list', () => {
    expect(() => checkOptions('conv2d', { groupz: 2 }, known)).toThrow(TypeError);
    expect(() => checkOptions('conv2d', { bias: true }, known)).toThrow(
      "conv2d: unknown option 'bias' (known: stride, padding, paddingMode, dilation)",
    );
  });
  it('suggests the camelCase spelling of a snake_case key', () => {
    expect(() => checkOptions('conv2d', { padding_mode: 'reflect' }, known)).toThrow(
      "conv2d: unknown option 'padding_mode'; did you mean 'paddingMode'? (known: stride, padding, paddingMode, dilation)",
    );
    expect(() => checkOptions('conv2d', { PaddingMode: 'reflect' }, known)).toThrow(/did you mean 'paddingMode'/);
  });
  it('suggests the nearest name for a typo, and nothing for a far one', () => {
    expect(() => checkOptions('conv2d', { paddding: 1 }, known)).toThrow(/'paddding'; did you mean 'padding'\?/);
    expect(() => checkOptions('conv2d', { dilatoin: 1 }, known)).toThrow(/did you mean 'dilation'/);
    expect(() => checkOptions('conv2d', { momentum: 1 }, known)).toThrow(/unknown option 'momentum' \(known:/);
  });
  it('says when an op takes no options', () => {
    expect(() => checkOptions('relu', { inplace: true }, [])).toThrow("relu: unknown option 'inplace' (it takes none)");
  });
});

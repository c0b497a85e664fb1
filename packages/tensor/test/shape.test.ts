import { describe, expect, it } from 'vitest';
import { ShapeError, broadcastShapes, contiguousStrides, formatShape, sameShape, sizeOf } from '@torchlet/tensor';

describe('shape helpers', () => {
  it('formatShape, sizeOf, contiguousStrides, sameShape', () => {
    expect(formatShape([2, 3, 4])).toBe('[2, 3, 4]');
    expect(formatShape([])).toBe('[]');
    expect(sizeOf([2, 3, 4])).toBe(24);
    expect(sizeOf([])).toBe(1);
    expect(sizeOf([3, 0])).toBe(0);
    expect(contiguousStrides([2, 3, 4])).toEqual([12, 4, 1]);
    expect(contiguousStrides([])).toEqual([]);
    expect(sameShape([2, 3], [2, 3])).toBe(true);
    expect(sameShape([2, 3], [3, 2])).toBe(false);
    expect(sameShape([2], [2, 1])).toBe(false);
  });

  it('broadcastShapes aligns at the right and stretches size-1 axes', () => {
    expect(broadcastShapes('op', [2, 1, 4], [3, 1])).toEqual([2, 3, 4]);
    expect(broadcastShapes('op', [], [5])).toEqual([5]);
    expect(broadcastShapes('op', [1, 0], [3, 1])).toEqual([3, 0]);
  });

  it('broadcastShapes names the op, both shapes and the axis', () => {
    expect(() => broadcastShapes('mul', [2, 3], [4, 3])).toThrow(ShapeError);
    expect(() => broadcastShapes('mul', [2, 3], [4, 3])).toThrow(
      'mul: shapes [2, 3] and [4, 3] do not broadcast (axis -2: 2 vs 4)',
    );
  });
});

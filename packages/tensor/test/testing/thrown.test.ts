import { describe, expect, it } from 'vitest';
import { ShapeError, shapeError } from '@torchlet/tensor';
import { thrownBy } from '@torchlet/tensor/testing';

describe('thrownBy', () => {
  it('returns the error of the kind asked for, rethrows another kind, and fails when nothing is thrown', () => {
    const e = thrownBy(() => {
      throw shapeError('op', 'bad');
    }, ShapeError);
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.message).toMatch(/op: bad/);
    expect(() =>
      thrownBy(() => {
        throw new RangeError('other');
      }, ShapeError),
    ).toThrow(RangeError);
    expect(() => thrownBy(() => 1, ShapeError)).toThrow(/expected a ShapeError, nothing was thrown/);
  });
});

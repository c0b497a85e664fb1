import { describe, expect, it } from 'vitest';
import {
  ShapeError,
  arange,
  pad,
  padAdjoint,
  padOutputShape,
  reshape,
  scalar,
  tensor,
  transpose,
  zeros,
} from '@torchlet/tensor';

const row = () => tensor([1, 2, 3], { dtype: 'float64' });

describe('pad', () => {
  it('fills 1-D borders in each mode', () => {
    expect(pad(row(), 2).toArray()).toEqual([0, 0, 1, 2, 3, 0, 0]);
    expect(pad(row(), [[1, 2]], { value: -1 }).toArray()).toEqual([-1, 1, 2, 3, -1, -1]);
    expect(pad(row(), [[2, 1]], { mode: 'reflect' }).toArray()).toEqual([3, 2, 1, 2, 3, 2]);
    expect(pad(row(), [[2, 1]], { mode: 'replicate' }).toArray()).toEqual([1, 1, 1, 2, 3, 3]);
    expect(pad(row(), [[2, 3]], { mode: 'circular' }).toArray()).toEqual([2, 3, 1, 2, 3, 1, 2, 3]);
  });

  it('a short padWidth pads the trailing axes (H and W of NCHW)', () => {
    const x = reshape(arange(4, undefined, 1, { dtype: 'float64' }), [1, 1, 2, 2]);
    const y = pad(x, [
      [1, 0],
      [0, 1],
    ]);
    expect(y.shape).toEqual([1, 1, 3, 3]);
    expect(y.toArray()).toEqual([
      [
        [
          [0, 0, 0],
          [0, 1, 0],
          [2, 3, 0],
        ],
      ],
    ]);
    expect(pad(x, [[1, 1]], { mode: 'replicate' }).toArray()).toEqual([
      [
        [
          [0, 0, 1, 1],
          [2, 2, 3, 3],
        ],
      ],
    ]);
  });

  it('reads strided input and keeps int32', () => {
    const t = transpose(reshape(arange(6, undefined, 1, { dtype: 'int32' }), [2, 3]), 0, 1); // [[0,3],[1,4],[2,5]]
    const y = pad(
      t,
      [
        [0, 1],
        [1, 0],
      ],
      { mode: 'reflect' },
    );
    expect(y.dtype).toBe('int32');
    expect(y.toArray()).toEqual([
      [3, 0, 3],
      [4, 1, 4],
      [5, 2, 5],
      [4, 1, 4],
    ]);
    expect(pad(t, 1, { value: 9 }).get(0, 0)).toBe(9);
  });

  it('zero padding, 0-d tensors and empty axes', () => {
    const x = row();
    const same = pad(x, 0, { mode: 'reflect' });
    expect(same.toArray()).toEqual([1, 2, 3]);
    expect(same.data).not.toBe(x.data);
    expect(pad(scalar(3), []).item()).toBe(3);
    expect(
      pad(
        zeros([0, 2]),
        [
          [1, 1],
          [0, 0],
        ],
        { value: 5 },
      ).toArray(),
    ).toEqual([
      [5, 5],
      [5, 5],
    ]);
    expect(
      pad(
        zeros([2, 0]),
        [
          [1, 0],
          [0, 0],
        ],
        { mode: 'reflect' },
      ).shape,
    ).toEqual([3, 0]);
  });

  it('rejects pads that reflect or wrap past the data, naming axis and sizes', () => {
    const x = zeros([2, 3]);
    expect(() =>
      pad(
        x,
        [
          [0, 0],
          [3, 0],
        ],
        { mode: 'reflect' },
      ),
    ).toThrow(RangeError);
    expect(() =>
      pad(
        x,
        [
          [0, 0],
          [3, 0],
        ],
        { mode: 'reflect' },
      ),
    ).toThrow("pad: mode 'reflect' needs padding < size; axis 1 has size 3 but padWidth [3, 0] (input [2, 3])");
    expect(() =>
      pad(
        x,
        [
          [0, 3],
          [0, 0],
        ],
        { mode: 'circular' },
      ),
    ).toThrow("pad: mode 'circular' needs padding <= size; axis 0 has size 2 but padWidth [0, 3] (input [2, 3])");
    expect(() =>
      pad(
        zeros([0, 2]),
        [
          [1, 0],
          [0, 0],
        ],
        { mode: 'replicate' },
      ),
    ).toThrow("pad: mode 'replicate' cannot pad an empty axis; axis 0 has size 0 but padWidth [1, 0]");
    expect(
      pad(
        x,
        [
          [0, 0],
          [2, 2],
        ],
        { mode: 'reflect' },
      ).shape,
    ).toEqual([2, 7]);
    expect(
      pad(
        x,
        [
          [2, 2],
          [0, 0],
        ],
        { mode: 'circular' },
      ).shape,
    ).toEqual([6, 3]);
  });

  it('rejects negative, non-integer and malformed pad widths', () => {
    const x = zeros([2, 3]);
    expect(() => pad(x, -1)).toThrow(RangeError);
    expect(() => pad(x, -1)).toThrow('pad: padWidth must be >= 0, got -1');
    expect(() =>
      pad(x, [
        [0, 0],
        [1, -2],
      ]),
    ).toThrow('pad: padWidth[1][1] must be >= 0, got -2');
    expect(() => pad(x, 1.5)).toThrow(TypeError);
    expect(() => pad(x, 1.5)).toThrow('pad: padWidth must be an integer, got number 1.5');
    expect(() => pad(x, [1, 2] as never)).toThrow('pad: padWidth[0] must be a [before, after] pair, got number 1');
    expect(() => pad(x, [[1, 2, 3]] as never)).toThrow(
      'pad: padWidth[0] must be a [before, after] pair, got [1, 2, 3]',
    );
    expect(() => pad(x, 'same' as never)).toThrow(
      'pad: padWidth must be a number or an array of [before, after] pairs, got string same',
    );
    expect(() =>
      pad(x, [
        [0, 0],
        [0, 0],
        [1, 1],
      ]),
    ).toThrow(ShapeError);
    expect(() =>
      pad(x, [
        [0, 0],
        [0, 0],
        [1, 1],
      ]),
    ).toThrow('pad: padWidth has 3 [before, after] pairs but the input has only 2 axes');
  });

  it('rejects unknown modes and bad values', () => {
    const x = zeros([2, 3]);
    expect(() => pad(x, 1, { mode: 'edge' as never })).toThrow(RangeError);
    expect(() => pad(x, 1, { mode: 'edge' as never })).toThrow(
      "pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got 'edge'",
    );
    expect(() => pad(x, 1, { value: '1' as never })).toThrow('pad: value must be a number, got string 1');
    expect(() => pad(zeros([2], { dtype: 'int32' }), 1, { value: 0.5 })).toThrow(
      'pad: value=0.5 cannot fill an int32 tensor',
    );
    expect(() => pad([1] as never, 1)).toThrow('pad: x must be a Tensor, got an array');
  });
});

describe('padOutputShape', () => {
  it('adds before + after per axis, trailing axes for short lists', () => {
    expect(
      padOutputShape(
        [1, 3, 28, 28],
        [
          [2, 2],
          [2, 2],
        ],
      ),
    ).toEqual([1, 3, 32, 32]);
    expect(padOutputShape([4, 5], 1)).toEqual([6, 7]);
    expect(padOutputShape([], [])).toEqual([]);
  });

  it('rejects bad shapes and widths', () => {
    expect(() => padOutputShape([2, -1], 1)).toThrow('padOutputShape: shape must hold sizes >= 0, got [2, -1]');
    expect(() =>
      padOutputShape(
        [2],
        [
          [1, 1],
          [1, 1],
        ],
      ),
    ).toThrow('padOutputShape: padWidth has 2 [before, after] pairs but the input has only 1 axes');
    expect(() => padOutputShape([2], -3)).toThrow('padOutputShape: padWidth must be >= 0, got -3');
  });
});

describe('padAdjoint', () => {
  it('adds reflected border gradients back onto their sources', () => {
    // reflect [1,2,3] by (2,1): output copies x[2],x[1],x[0],x[1],x[2],x[1]
    const g = tensor([1, 10, 100, 1000, 10000, 100000], { dtype: 'float64' });
    expect(padAdjoint(g, [3], [[2, 1]], { mode: 'reflect' }).toArray()).toEqual([100, 101010, 10001]);
    expect(padAdjoint(g, [3], [[2, 1]], { mode: 'replicate' }).toArray()).toEqual([111, 1000, 110000]);
    expect(padAdjoint(g, [3], [[2, 1]]).toArray()).toEqual([100, 1000, 10000]);
  });

  it('rejects a gradient of the wrong shape', () => {
    expect(() => padAdjoint(zeros([5]), [3], [[2, 1]])).toThrow(ShapeError);
    expect(() => padAdjoint(zeros([5]), [3], [[2, 1]])).toThrow(
      'padAdjoint: gradOutput has shape [5] but padding [3] gives [6]',
    );
    expect(() => padAdjoint(zeros([6]), [3], [[3, 0]], { mode: 'reflect' })).toThrow(
      "padAdjoint: mode 'reflect' needs padding < size",
    );
    expect(() => padAdjoint(zeros([6]), 3 as never, [[3, 0]])).toThrow(
      'padAdjoint: inputShape must be an array of sizes, got 3',
    );
  });
});

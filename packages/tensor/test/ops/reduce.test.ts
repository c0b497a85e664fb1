import { describe, expect, it } from 'vitest';
import {
  argmax,
  argmin,
  arange,
  logsumexp,
  max,
  maxWithIndices,
  mean,
  min,
  minWithIndices,
  ones,
  reshape,
  scalar,
  std,
  sum,
  tensor,
  transpose,
  variance,
  zeros,
} from '@torchlet/tensor';

const m = () =>
  tensor(
    [
      [1, 5, 2],
      [4, 3, 6],
    ],
    { dtype: 'float64' },
  );

describe('sum and mean', () => {
  it('reduce one axis, several, or all, with keepdim', () => {
    expect(sum(m()).item()).toBe(21);
    expect(sum(m()).shape).toEqual([]);
    expect(sum(m(), 0).toArray()).toEqual([5, 8, 8]);
    expect(sum(m(), -1).toArray()).toEqual([8, 13]);
    expect(sum(m(), 1, true).toArray()).toEqual([[8], [13]]);
    expect(sum(m(), undefined, true).toArray()).toEqual([[21]]);
    expect(sum(ones([2, 3, 4]), [0, 2]).toArray()).toEqual([8, 8, 8]);
    expect(mean(m(), 1).toArray()).toEqual([8 / 3, 13 / 3]);
    expect(mean(m()).item()).toBe(3.5);
  });

  it('sums the bias-gradient axes of an [N, C, H, W] tensor, and transposed input', () => {
    const x = reshape(arange(2 * 3 * 2 * 2, undefined, 1, { dtype: 'float64' }), [2, 3, 2, 2]);
    // channel c holds 4c..4c+3 and 12+4c..12+4c+3: sum = 32c + 60
    expect(sum(x, [0, 2, 3]).toArray()).toEqual([60, 92, 124]);
    expect(sum(transpose(m(), 0, 1), 0).toArray()).toEqual([8, 13]);
  });

  it('keeps dtypes: float32 stays, int32 sum stays int32, int32 mean becomes float32', () => {
    expect(sum(tensor([1.5, 2.25])).dtype).toBe('float32');
    const i = tensor([1, 2, 4], { dtype: 'int32' });
    expect(sum(i).dtype).toBe('int32');
    expect(sum(i).item()).toBe(7);
    expect(mean(i).dtype).toBe('float32');
    expect(mean(i).item()).toBeCloseTo(7 / 3, 6);
  });

  it('accumulates float32 in float64: 1 + 1e-8 × 1e6 is not lost', () => {
    const x = tensor(new Float32Array(1_000_001).fill(1e-8));
    x.data[0] = 1;
    expect(sum(x).item()).toBe(Math.fround(1 + 1e6 * Math.fround(1e-8)));
  });

  it('empty axes: sum is 0, mean is NaN; dim [] reduces nothing; 0-d input is its own sum', () => {
    expect(sum(zeros([0, 3]), 0).toArray()).toEqual([0, 0, 0]);
    expect(sum(zeros([0])).item()).toBe(0);
    expect(Number.isNaN(mean(zeros([0])).item())).toBe(true);
    expect(sum(m(), []).toArray()).toEqual(m().toArray());
    expect(sum(scalar(4)).item()).toBe(4);
    expect(sum(scalar(4), 0).item()).toBe(4);
  });

  it('rejects bad dims and keepdim', () => {
    expect(() => sum(m(), 2)).toThrow(RangeError);
    expect(() => sum(m(), 2)).toThrow('sum: dim=2 is out of range for a tensor of rank 2 (expected -2..1)');
    expect(() => sum(m(), [0, -2])).toThrow('sum: dim repeats axis -2 in [0, -2]');
    expect(() => sum(m(), 0.5)).toThrow(TypeError);
    expect(() => sum(m(), '0' as never)).toThrow('sum: dim must be an integer or an array of integers, got string 0');
    expect(() => sum(m(), 0, 1 as never)).toThrow('sum: keepdim must be a boolean, got number 1');
    expect(() => mean(m(), 0, { keepdim: true } as never)).toThrow('mean: keepdim must be a boolean, got Object');
    expect(() => sum([1, 2] as never)).toThrow('sum: x must be a Tensor, got an array');
    expect(() => mean(m(), [0, 4])).toThrow('mean: dim=4 is out of range for a tensor of rank 2 (expected -2..1)');
    expect(() => min(m(), -3)).toThrow('min: dim=-3 is out of range for a tensor of rank 2 (expected -2..1)');
    expect(() => max(m(), 0, null as never)).toThrow('max: keepdim must be a boolean, got null');
  });
});

describe('max and min', () => {
  it('reduce values, propagating NaN as PyTorch', () => {
    expect(max(m()).item()).toBe(6);
    expect(min(m(), 1).toArray()).toEqual([1, 3]);
    expect(max(m(), [0, 1], true).toArray()).toEqual([[6]]);
    expect(max(tensor([1, NaN, 3])).item()).toBeNaN();
    expect(min(tensor([NaN, 1, -3])).item()).toBeNaN();
    expect(max(tensor([-Infinity, -Infinity])).item()).toBe(-Infinity);
    const i = max(tensor([3, -7], { dtype: 'int32' }));
    expect(i.dtype).toBe('int32');
    expect(min(tensor([3, -7], { dtype: 'int32' })).item()).toBe(-7);
  });

  it('throw on an empty reduced axis, naming it', () => {
    expect(() => max(zeros([2, 0]), 1)).toThrow(RangeError);
    expect(() => max(zeros([2, 0]), 1)).toThrow(
      'max: cannot reduce axis 1 of size 0 (x is [2, 0]); the result has no identity',
    );
    expect(() => min(zeros([0]))).toThrow('min: cannot reduce axis 0 of size 0 (x is [0])');
    expect(max(zeros([0, 2]), 1).shape).toEqual([0]);
  });
});

describe('argmax, argmin, maxWithIndices', () => {
  it('index along a dim or flat; first occurrence on ties', () => {
    expect(argmax(m()).item()).toBe(5);
    expect(argmax(m()).dtype).toBe('int32');
    expect(argmax(m(), 1).toArray()).toEqual([1, 2]);
    expect(argmin(m(), 0, true).toArray()).toEqual([[0, 1, 0]]);
    expect(argmax(m(), undefined, true).shape).toEqual([1, 1]);
    expect(argmax(tensor([2, 7, 7, 1, 7])).item()).toBe(1);
    expect(
      argmin(
        tensor([
          [3, 1, 1],
          [0, 0, 5],
        ]),
        1,
      ).toArray(),
    ).toEqual([1, 0]);
    expect(argmax(tensor([1, NaN, 5, NaN])).item()).toBe(1);
    expect(argmax(scalar(3)).item()).toBe(0);
  });

  it('maxWithIndices and minWithIndices return both, keepdim respected', () => {
    const r = maxWithIndices(m(), 0);
    expect(r.values.toArray()).toEqual([4, 5, 6]);
    expect(r.values.dtype).toBe('float64');
    expect(r.indices.toArray()).toEqual([1, 0, 1]);
    const k = minWithIndices(m(), -1, true);
    expect(k.values.toArray()).toEqual([[1], [3]]);
    expect(k.indices.toArray()).toEqual([[0], [1]]);
  });

  it('reject empty axes, array dims and out-of-range dims', () => {
    expect(() => argmax(zeros([0]))).toThrow(RangeError);
    expect(() => argmax(zeros([0]))).toThrow(
      'argmax: cannot reduce an empty tensor (x is [0]); the result has no identity',
    );
    expect(() => argmin(zeros([3, 0]), 1)).toThrow('argmin: cannot reduce axis 1 of size 0 (x is [3, 0])');
    expect(() => argmax(m(), [0] as never)).toThrow(TypeError);
    expect(() => argmax(m(), [0] as never)).toThrow('argmax: dim must be an integer, got an array');
    expect(() => maxWithIndices(m(), 2)).toThrow(
      'maxWithIndices: dim=2 is out of range for a tensor of rank 2 (expected -2..1)',
    );
    expect(() => minWithIndices(m(), 0, 'yes' as never)).toThrow(
      'minWithIndices: keepdim must be a boolean, got string yes',
    );
  });
});

describe('variance and std', () => {
  it('unbiased by default; correction 0 is the population variance', () => {
    const x = tensor([2, 4, 4, 4, 5, 5, 7, 9], { dtype: 'float64' });
    expect(variance(x, undefined, { correction: 0 }).item()).toBe(4);
    expect(variance(x).item()).toBeCloseTo(32 / 7, 14);
    expect(std(x, 0, { correction: 0 }).item()).toBe(2);
    expect(variance(m(), 1, { keepdim: true }).toArray()).toEqual(
      [[13 / 3], [7 / 3]].map((r) => r.map((v) => expect.closeTo(v, 14))),
    );
    expect(variance(tensor([1, 2, 3], { dtype: 'int32' })).dtype).toBe('float32');
  });

  it('is stable for a large offset (two-pass)', () => {
    const x = tensor([1e9 + 1, 1e9 + 2, 1e9 + 3], { dtype: 'float64' });
    expect(variance(x).item()).toBe(1);
  });

  it('N <= correction gives NaN or Infinity as PyTorch', () => {
    expect(variance(tensor([3])).item()).toBeNaN();
    expect(variance(tensor([3, 5]), undefined, { correction: 2 }).item()).toBe(Infinity);
  });

  it('rejects bad corrections', () => {
    expect(() => variance(m(), 0, { correction: -1 })).toThrow(RangeError);
    expect(() => variance(m(), 0, { correction: -1 })).toThrow('variance: correction must be >= 0, got correction=-1');
    expect(() => variance(m(), 0, { correction: NaN })).toThrow(
      'variance: correction must be a finite number, got number NaN',
    );
    expect(() => variance(m(), 0, { keepdim: 0 as never })).toThrow(
      'variance: keepdim must be a boolean, got number 0',
    );
    expect(() => std(m(), 0, { correction: -2 })).toThrow('variance: correction must be >= 0, got correction=-2');
    expect(() => std(m(), 3)).toThrow('variance: dim=3 is out of range for a tensor of rank 2');
  });
});

describe('logsumexp', () => {
  it('is stable for large values and exact for small ones', () => {
    expect(logsumexp(tensor([1000, 1000], { dtype: 'float64' }), 0).item()).toBeCloseTo(1000 + Math.log(2), 10);
    expect(logsumexp(tensor([-1000, -1000], { dtype: 'float64' }), 0).item()).toBeCloseTo(-1000 + Math.log(2), 10);
    expect(logsumexp(m(), 1).toArray()).toEqual([
      expect.closeTo(Math.log(Math.exp(1) + Math.exp(5) + Math.exp(2)), 12),
      expect.closeTo(Math.log(Math.exp(4) + Math.exp(3) + Math.exp(6)), 12),
    ]);
  });

  it('handles -Infinity rows, +Infinity, NaN and empty axes', () => {
    const x = tensor(
      [
        [-Infinity, -Infinity],
        [0, -Infinity],
        [Infinity, 1],
        [NaN, 1],
      ],
      { dtype: 'float64' },
    );
    const r = logsumexp(x, 1, true).toArray() as number[][];
    expect(r[0]![0]).toBe(-Infinity);
    expect(r[1]![0]).toBe(0);
    expect(r[2]![0]).toBe(Infinity);
    expect(r[3]![0]).toBeNaN();
    expect(logsumexp(zeros([2, 0]), 1).toArray()).toEqual([-Infinity, -Infinity]);
    expect(logsumexp(tensor([0, 0], { dtype: 'int32' }), 0).dtype).toBe('float32');
  });

  it('requires dim', () => {
    expect(() => logsumexp(m(), undefined as never)).toThrow(TypeError);
    expect(() => logsumexp(m(), undefined as never)).toThrow(
      'logsumexp: dim is required (an integer or an array of integers)',
    );
    expect(() => logsumexp(m(), 5)).toThrow('logsumexp: dim=5 is out of range for a tensor of rank 2 (expected -2..1)');
  });
});

import { describe, expect, it } from 'vitest';
import {
  ShapeError,
  abs,
  add,
  allClose,
  arange,
  cast,
  ceil,
  clamp,
  clone,
  div,
  eq,
  erf,
  erfScalar,
  exp,
  floor,
  leakyRelu,
  log,
  maximum,
  minimum,
  mul,
  neg,
  pow,
  relu,
  reshape,
  round,
  sigmoid,
  sqrt,
  sub,
  Tensor,
  tensor,
  transpose,
  where,
} from '@torchlet/tensor';
import { broadcastStrides } from '../../src/ops/elementwise.js';

const i32 = (v: number[]) => tensor(v, { dtype: 'int32' });
const f64 = (v: number[] | number[][]) => tensor(v, { dtype: 'float64' });

describe('binary ops', () => {
  it('broadcast numpy-style', () => {
    expect(
      add(
        tensor([
          [1, 2],
          [3, 4.5],
        ]),
        tensor([10, 20]),
      ).toArray(),
    ).toEqual([
      [11, 22],
      [13, 24.5],
    ]);
    expect(mul(tensor([[1], [2]]), tensor([1, 10, 100])).toArray()).toEqual([
      [1, 10, 100],
      [2, 20, 200],
    ]);
    expect(sub(5, tensor([1, 2])).toArray()).toEqual([4, 3]);
    expect(add(tensor([[1], [2]]), tensor([])).shape).toEqual([2, 0]);
  });

  it('promote dtypes like torch: int with int stays int, scalars never widen floats, div is true division', () => {
    expect(add(i32([1]), i32([2])).dtype).toBe('int32');
    expect(add(i32([1]), 0.5).dtype).toBe('float32');
    expect(add(i32([1]), 2).dtype).toBe('int32');
    expect(add(tensor([1]), f64([1])).dtype).toBe('float64');
    expect(mul(tensor([1]), 1e300).dtype).toBe('float32');
    expect(div(i32([1]), i32([2])).toArray()).toEqual([0.5]);
    expect(div(i32([1]), i32([2])).dtype).toBe('float32');
    expect(add(2, 3).item()).toBe(5);
  });

  it('maximum/minimum propagate NaN; comparisons give int32 masks', () => {
    expect(maximum(f64([1, NaN, 3]), f64([2, 0, NaN])).toArray()).toEqual([2, NaN, NaN]);
    expect(minimum(f64([1, 5]), 2).toArray()).toEqual([1, 2]);
    const m = eq(f64([1, 2, NaN]), f64([1, 3, NaN]));
    expect(m.dtype).toBe('int32');
    expect(m.toArray()).toEqual([1, 0, 0]);
    expect(pow(f64([2, 3]), 2).toArray()).toEqual([4, 9]);
  });

  it('reject shapes that do not broadcast, naming both and the axis', () => {
    expect(() => add(tensor([[1, 2, 3]]), tensor([1, 2]))).toThrow(ShapeError);
    expect(() => add(tensor([[1, 2, 3]]), tensor([1, 2]))).toThrow(
      'add: shapes [1, 3] and [2] do not broadcast (axis -1: 3 vs 2)',
    );
    expect(() => mul(reshape(arange(6), [2, 3, 1]), reshape(arange(8), [4, 2]))).toThrow(
      'mul: shapes [2, 3, 1] and [4, 2] do not broadcast (axis -2: 3 vs 4)',
    );
  });

  it('reject non-tensor arguments', () => {
    expect(() => add([1, 2] as never, 1)).toThrow(TypeError);
    expect(() => add([1, 2] as never, 1)).toThrow('add: a must be a Tensor or a number, got an array');
    expect(() => sub(tensor([1]), '2' as never)).toThrow('sub: b must be a Tensor or a number, got string 2');
    expect(() => where([1] as never, 1, 2)).toThrow('where: condition must be a Tensor, got an array');
    expect(() => where(i32([1, 0]), tensor([1, 2, 3]), 0)).toThrow('where: shapes [2] and [3] do not broadcast');
  });
});

describe('where and allClose', () => {
  it('where picks by a non-zero condition with promotion', () => {
    const y = where(i32([1, 0, 2]), f64([1, 2, 3]), -1);
    expect(y.toArray()).toEqual([1, -1, 3]);
    expect(y.dtype).toBe('float64');
  });

  it('allClose compares within tolerance; NaN never matches', () => {
    expect(allClose(f64([1, 2]), f64([1 + 1e-9, 2]))).toBe(true);
    expect(allClose(f64([1, 2]), f64([1.1, 2]))).toBe(false);
    expect(allClose(f64([1.1]), f64([1]), 0.2)).toBe(true);
    expect(allClose(f64([NaN]), f64([NaN]))).toBe(false);
    expect(allClose(f64([1, 1]), f64([1]))).toBe(true);
    expect(() => allClose(f64([1, 2]), f64([1, 2, 3]))).toThrow('allClose: shapes [2] and [3] do not broadcast');
    expect(() => allClose(f64([1]), 1 as never)).toThrow('allClose: b must be a Tensor, got number 1');
  });
});

describe('unary ops', () => {
  it('compute elementwise on strided views', () => {
    const t = transpose(reshape(f64([0, 1, 2, 3, 4, 5]), [2, 3]), 0, 1);
    expect(neg(t).toArray()).toEqual([
      [-0, -3],
      [-1, -4],
      [-2, -5],
    ]);
    expect(exp(f64([0, 1])).toArray()).toEqual([1, Math.E]);
    expect(log(f64([1, 0])).toArray()).toEqual([0, -Infinity]);
    expect(sqrt(f64([4, -1])).toArray()).toEqual([2, NaN]);
  });

  it('keep int32 for integer-preserving ops, float32 for the rest', () => {
    expect(abs(i32([-2, 3])).dtype).toBe('int32');
    expect(relu(i32([-2, 3])).toArray()).toEqual([0, 3]);
    expect(floor(i32([2])).dtype).toBe('int32');
    expect(exp(i32([0])).dtype).toBe('float32');
    expect(sigmoid(i32([0])).toArray()).toEqual([0.5]);
  });

  it('relu: the float32 bit select agrees with float64 at the edges, NaN passes as in torch', () => {
    const edges = [-0, 0, -1e-45, 1e-45, -3.5, 2.25, -Infinity, Infinity, NaN, 3e38, -3e38];
    const want = [0, 0, 0, 1e-45, 0, 2.25, 0, Infinity, NaN, 3e38, 0];
    const r32 = relu(tensor(edges, { dtype: 'float32' })).toArray() as number[];
    expect(r32.map((v, i) => (Number.isNaN(want[i]!) ? Number.isNaN(v) : v === Math.fround(want[i]!)))).toEqual(
      edges.map(() => true),
    );
    expect(Object.is(r32[0], 0)).toBe(true); // −0 becomes +0
    expect(relu(f64(edges)).toArray()).toEqual(want);
    // A contiguous view at an offset reads from there.
    expect(relu(new Tensor(tensor([-1, -2, 3, -4, 5], { dtype: 'float32' }).data, [3], [1], 2)).toArray()).toEqual([
      3, 0, 5,
    ]);
    expect(relu(new Tensor(i32([7, -1, -9, 4]).data, [2], [1], 2)).toArray()).toEqual([0, 4]);
  });

  it('sigmoid does not overflow; round is half-to-even', () => {
    expect(sigmoid(f64([-1000, 1000])).toArray()).toEqual([0, 1]);
    expect(round(f64([0.5, 1.5, 2.5, -0.5, -1.5, 2.4])).toArray()).toEqual([0, 2, 2, -0, -2, 2]);
    expect(ceil(f64([1.2, -1.2])).toArray()).toEqual([2, -1]);
  });

  it('erf matches Python math.erf to ~1 ulp across all three ranges', () => {
    // Values from CPython's math.erf (an independent implementation).
    const cases: [number, number][] = [
      [0, 0],
      [0.1, 0.1124629160182849],
      [0.3, 0.3286267594591274],
      [0.46875, 0.49261347321793797],
      [0.5, 0.5204998778130465],
      [0.7, 0.6778011938374184],
      [1, 0.8427007929497149],
      [1.5, 0.9661051464753108],
      [-2, -0.9953222650189527],
      [3, 0.9999779095030014],
      [3.9, 0.9999999652077514],
      [4.5, 0.9999999998033839],
      [5, 0.9999999999984626],
      [10, 1],
    ];
    for (const [x, want] of cases) expect(Math.abs(erfScalar(x) - want)).toBeLessThanOrEqual(4e-16 * Math.abs(want));
    expect(erf(f64([30, -30])).toArray()).toEqual([1, -1]);
    // Odd symmetry holds exactly.
    for (const x of [0.2, 0.9, 2.7, 6]) expect(erfScalar(-x)).toBe(-erfScalar(x));
  });

  it('leakyRelu and clamp', () => {
    expect(leakyRelu(f64([-10, 5])).toArray()).toEqual([-0.1, 5]);
    expect(leakyRelu(f64([-10, 5]), 0.2).toArray()).toEqual([-2, 5]);
    expect(clamp(f64([-2, 0.5, 3]), -1, 1).toArray()).toEqual([-1, 0.5, 1]);
    expect(clamp(f64([-2, 3]), null, 1).toArray()).toEqual([-2, 1]);
    expect(clamp(f64([-2, NaN]), 0).toArray()).toEqual([0, NaN]);
    expect(clamp(f64([0, 5]), 3, 1).toArray()).toEqual([1, 1]); // min > max: everything is max, as torch
    expect(clamp(i32([1, 5]), 0, 3).dtype).toBe('int32');
    const fractional = clamp(i32([1, 5]), 0, 2.5);
    expect(fractional.dtype).toBe('float32');
    expect(fractional.toArray()).toEqual([1, 2.5]);
  });

  it('reject bad arguments', () => {
    expect(() => exp([1] as never)).toThrow(TypeError);
    expect(() => exp([1] as never)).toThrow('exp: x must be a Tensor, got an array');
    expect(() => leakyRelu(f64([1]), NaN)).toThrow('leakyRelu: negativeSlope must be a finite number, got NaN');
    expect(() => clamp(f64([1]), NaN)).toThrow(RangeError);
    expect(() => clamp(f64([1]), NaN)).toThrow('clamp: bounds must not be NaN, got min=NaN, max=undefined');
    expect(() => clamp(f64([1]), '0' as never)).toThrow(
      'clamp: bounds must be numbers or null, got min=string 0, max=undefined',
    );
  });
});

describe('cast, clone, broadcastStrides', () => {
  it('cast truncates toward zero into int32 and returns x for the same dtype', () => {
    const x = f64([1.9, -1.9, 2]);
    expect(cast(x, 'int32').toArray()).toEqual([1, -1, 2]);
    expect(cast(x, 'float64')).toBe(x);
    expect(cast(i32([3]), 'float32').dtype).toBe('float32');
    expect(() => cast(x, 'bool' as never)).toThrow("cast: dtype must be 'float32', 'float64' or 'int32', got bool");
    expect(() => cast(1 as never, 'int32')).toThrow('cast: x must be a Tensor, got number 1');
  });

  it('clone owns packed storage', () => {
    const t = transpose(reshape(arange(6), [2, 3]), 0, 1);
    const c = clone(t);
    expect(c.data).not.toBe(t.data);
    expect(c.isContiguous()).toBe(true);
    expect(c.toArray()).toEqual(t.toArray());
    expect(() => clone(undefined as never)).toThrow('clone: x must be a Tensor, got undefined');
  });

  it('broadcastStrides puts 0 on stretched and new axes', () => {
    expect(broadcastStrides(tensor([[1], [2]]), [4, 2, 3])).toEqual([0, 1, 0]);
    expect(broadcastStrides(tensor([[1, 2, 3]]), [2, 3])).toEqual([0, 1]);
  });
});

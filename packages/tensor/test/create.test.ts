import { describe, expect, it } from 'vitest';
import {
  Generator,
  ShapeError,
  arange,
  eye,
  full,
  linspace,
  ones,
  onesLike,
  rand,
  randint,
  randn,
  scalar,
  tensor,
  uniform,
  zeros,
  zerosLike,
} from '@torchlet/tensor';

describe('tensor', () => {
  it('infers shape from nested arrays; float32 by default', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(tensor(3).shape).toEqual([]);
    expect(tensor([]).shape).toEqual([0]);
    expect(tensor([[], []]).shape).toEqual([2, 0]);
  });

  it('uses a matching typed array as storage, casts others, truncates to int32', () => {
    const data = new Float64Array([1, 2, 3, 4]);
    const t = tensor(data, { shape: [2, 2] });
    expect(t.data).toBe(data);
    expect(t.dtype).toBe('float64');
    expect(tensor(data, { dtype: 'float32' }).data).toBeInstanceOf(Float32Array);
    expect(tensor([1.7, -1.7], { dtype: 'int32' }).toArray()).toEqual([1, -1]);
    expect(tensor(new Float32Array([2.9]), { dtype: 'int32' }).toArray()).toEqual([2]);
  });

  it('rejects ragged arrays, non-numbers, wrong shapes and dtypes', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(ShapeError);
    expect(() => tensor([[1, 2], [3]])).toThrow('tensor: ragged nested array: entry [1] has 1 items, expected 2');
    expect(() => tensor(['a'] as never)).toThrow(TypeError);
    expect(() => tensor(['a'] as never)).toThrow('tensor: element at [0] must be a number, got a');
    expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow(
      'tensor: shape [2, 2] holds 4 elements, but the data has 3',
    );
    expect(() => tensor([1, 2], { shape: [-1, -2] })).toThrow('tensor: shape must hold sizes >= 0, got [-1, -2]');
    expect(() => tensor([1], { dtype: 'float16' as never })).toThrow(
      "tensor: dtype must be 'float32', 'float64' or 'int32', got float16",
    );
  });
});

describe('full, zeros, ones, scalar, *Like', () => {
  it('fill with the value and dtype asked for', () => {
    expect(full([2, 2], 7).toArray()).toEqual([
      [7, 7],
      [7, 7],
    ]);
    expect(zeros([3], { dtype: 'int32' }).data).toBeInstanceOf(Int32Array);
    expect(ones([2]).toArray()).toEqual([1, 1]);
    expect(scalar(2.5).item()).toBe(2.5);
    const x = full([2, 3], 4, { dtype: 'float64' });
    expect(zerosLike(x).dtype).toBe('float64');
    expect(onesLike(x, { dtype: 'int32' }).toArray()).toEqual([
      [1, 1, 1],
      [1, 1, 1],
    ]);
    expect(zeros([0, 4]).size).toBe(0);
  });

  it('reject bad shapes, values and tensors', () => {
    expect(() => zeros([2, -1])).toThrow(RangeError);
    expect(() => zeros([2, -1])).toThrow('zeros: shape must hold sizes >= 0, got [2, -1]');
    expect(() => ones([2.5])).toThrow(TypeError);
    expect(() => ones([2.5])).toThrow('ones: shape must hold integers, got [2.5]');
    expect(() => zeros(3 as never)).toThrow('zeros: shape must be an array of sizes, got 3');
    expect(() => full([2], '1' as never)).toThrow('full: value must be a number, got 1');
    expect(() => scalar(NaN as never, { dtype: 'int8' as never })).toThrow(
      "scalar: dtype must be 'float32', 'float64' or 'int32', got int8",
    );
    expect(() => zerosLike([1, 2] as never)).toThrow('zerosLike: t must be a Tensor, got an array');
    expect(() => onesLike(null as never)).toThrow('onesLike: t must be a Tensor, got null');
  });
});

describe('arange, linspace, eye', () => {
  it('arange excludes end like torch.arange', () => {
    expect(arange(5).toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(arange(2, 8, 3).toArray()).toEqual([2, 5]);
    expect(arange(5, 0, -2).toArray()).toEqual([5, 3, 1]);
    expect(arange(0, 1, 0.25, { dtype: 'float64' }).toArray()).toEqual([0, 0.25, 0.5, 0.75]);
    expect(arange(3, 3).shape).toEqual([0]);
  });

  it('arange rejects zero and backwards steps and non-finite bounds', () => {
    expect(() => arange(0, 5, 0)).toThrow(RangeError);
    expect(() => arange(0, 5, 0)).toThrow('arange: step must be non-zero');
    expect(() => arange(0, 5, -1)).toThrow('arange: step=-1 moves away from end (start=0, end=5)');
    expect(() => arange(0, Infinity)).toThrow('arange: end must be a finite number, got Infinity');
  });

  it('linspace hits both ends exactly', () => {
    const t = linspace(0, 1, 5, { dtype: 'float64' });
    expect(t.toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(linspace(-1, 0.3, 7, { dtype: 'float64' }).get(6)).toBe(0.3);
    expect(linspace(2, 3, 1).toArray()).toEqual([2]);
    expect(linspace(2, 3, 0).shape).toEqual([0]);
    expect(() => linspace(0, 1, -1)).toThrow('linspace: steps must be >= 0, got -1');
    expect(() => linspace(0, 1, 2.5)).toThrow('linspace: steps must be an integer, got 2.5');
    expect(() => linspace(NaN, 1, 3)).toThrow('linspace: start must be a finite number, got NaN');
  });

  it('eye is the identity, rectangular allowed', () => {
    expect(eye(2).toArray()).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(eye(2, 3).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(() => eye(-1)).toThrow('eye: n must be >= 0, got -1');
    expect(() => eye(2, 1.5)).toThrow('eye: m must be an integer, got 1.5');
  });
});

describe('random creation', () => {
  it('rand, randn, uniform, randint take shapes, dtypes and generators', () => {
    const g = new Generator(0);
    expect(rand([2, 3], { generator: g }).shape).toEqual([2, 3]);
    expect(randn([4], { generator: g, dtype: 'float64' }).dtype).toBe('float64');
    const u = uniform([1000], -2, -1, { generator: g });
    expect(Math.min(...u.data)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...u.data)).toBeLessThan(-1);
    const k = randint(0, 3, [100], { generator: g });
    expect(k.dtype).toBe('int32');
    expect(k.data.every((v) => v >= 0 && v < 3)).toBe(true);
  });

  it('reject int32 floats, bad bounds and non-generators', () => {
    expect(() => rand([2], { dtype: 'int32' })).toThrow(TypeError);
    expect(() => rand([2], { dtype: 'int32' })).toThrow("rand: dtype must be floating point, got 'int32'");
    expect(() => randn([2], { dtype: 'int32' })).toThrow("randn: dtype must be floating point, got 'int32'");
    expect(() => uniform([2], 0, 1, { dtype: 'int32' })).toThrow(
      "uniform: dtype must be floating point, got 'int32'; use randint",
    );
    expect(() => uniform([2], 1, 0)).toThrow(RangeError);
    expect(() => uniform([2], 1, 0)).toThrow('uniform: low must be <= high, got low=1, high=0');
    expect(() => uniform([2], 0, Infinity)).toThrow('uniform: high must be a finite number, got Infinity');
    expect(() => randint(3, 3, [2])).toThrow('randint: high must be > low, got low=3, high=3');
    expect(() => randint(0.5, 3, [2])).toThrow('randint: low must be an integer, got 0.5');
    expect(() => randn([-1])).toThrow('randn: shape must hold sizes >= 0, got [-1]');
    expect(() => rand([2], { generator: 42 as never })).toThrow('rand: generator must be a Generator, got number 42');
  });

  it('randint: bounds outside what the dtype holds are RangeErrors naming the bound (no int32 wrap-around)', () => {
    expect(() => randint(0, 2 ** 40, [3])).toThrow(RangeError);
    expect(() => randint(0, 2 ** 40, [3])).toThrow(
      'randint: high - 1 = 1099511627775 is out of bounds for int32 (-2147483648..2147483647); high=1099511627776',
    );
    expect(() => randint(-(2 ** 31) - 1, 0, [3])).toThrow('randint: low=-2147483649 is out of bounds for int32');
    expect(() => randint(0, 2 ** 25, [3], { dtype: 'float32' })).toThrow(
      /high - 1 = 33554431 is out of bounds for float32/,
    );
    expect(() => randint(0, 2 ** 53 + 2, [3], { dtype: 'float64' })).toThrow(/out of bounds for float64/);
    // The extremes that fit are accepted and stay inside [low, high).
    const full = randint(-(2 ** 31), 2 ** 31, [1000], { generator: new Generator(1) });
    expect(full.dtype).toBe('int32');
    const values = Array.from(full.data);
    expect(values.some((v) => v < -(2 ** 30)) && values.some((v) => v > 2 ** 30)).toBe(true);
    const wide = randint(0, 2 ** 40, [100], { dtype: 'float64', generator: new Generator(1) });
    expect(Array.from(wide.data).every((v) => v >= 0 && v < 2 ** 40 && Number.isInteger(v))).toBe(true);
  });
});

import { Tensor, Generator, ShapeError, zeros, contiguousData, manualSeed } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { Parameter } from '../../src/nn/modules/parameter.js';
import {
  calculateFanInAndFanOut,
  calculateGain,
  constant_,
  kaimingNormal_,
  kaimingUniform_,
  normal_,
  ones_,
  uniform_,
  xavierNormal_,
  xavierUniform_,
  zeros_,
} from '../../src/nn/init.js';

function stats(t: Tensor): { min: number; max: number; mean: number; std: number } {
  const d = contiguousData(t);
  let min = Infinity,
    max = -Infinity,
    s = 0,
    s2 = 0;
  for (const v of d) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    s += v;
    s2 += v * v;
  }
  const mean = s / d.length;
  return { min, max, mean, std: Math.sqrt(s2 / d.length - mean * mean) };
}

describe('calculateFanInAndFanOut', () => {
  it('Linear [out, in] and conv [Cout, Cin, kH, kW] follow PyTorch', () => {
    expect(calculateFanInAndFanOut([10, 784])).toEqual({ fanIn: 784, fanOut: 10 });
    expect(calculateFanInAndFanOut([6, 1, 5, 5])).toEqual({ fanIn: 25, fanOut: 150 });
    expect(calculateFanInAndFanOut([4, 3, 2, 3, 5])).toEqual({ fanIn: 90, fanOut: 120 });
  });
  it('rejects fewer than 2 dimensions with a ShapeError naming the shape', () => {
    expect(() => calculateFanInAndFanOut([5])).toThrow(ShapeError);
    expect(() => calculateFanInAndFanOut([5])).toThrow(/calculateFanInAndFanOut: .*at least 2 dimensions, got \[5\]/);
  });
});

describe('calculateGain', () => {
  it('matches torch.nn.init.calculate_gain', () => {
    expect(calculateGain('linear')).toBe(1);
    expect(calculateGain('conv2d')).toBe(1);
    expect(calculateGain('sigmoid')).toBe(1);
    expect(calculateGain('tanh')).toBeCloseTo(5 / 3, 15);
    expect(calculateGain('relu')).toBeCloseTo(Math.SQRT2, 15);
    expect(calculateGain('leakyRelu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.0001)), 15);
    // Linear's reset uses a = √5: gain √(1/3)
    expect(calculateGain('leakyRelu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 15);
    expect(calculateGain('selu')).toBe(0.75);
  });
  it('rejects an unknown nonlinearity with a RangeError listing the choices', () => {
    expect(() => calculateGain('swish' as never)).toThrow(RangeError);
    expect(() => calculateGain('swish' as never)).toThrow(
      /calculateGain: unsupported nonlinearity 'swish'; expected one of .*leakyRelu/,
    );
  });
  it('rejects a non-numeric slope', () => {
    expect(() => calculateGain('leakyRelu', NaN)).toThrow(TypeError);
    expect(() => calculateGain('leakyRelu', NaN)).toThrow(/negative slope/);
  });
});

describe('random initialisers', () => {
  it('kaimingUniform_ stays within gain·√(3/fan) and fills the whole range', () => {
    const w = zeros([64, 32, 3, 3], { dtype: 'float64' });
    kaimingUniform_(w, { a: Math.sqrt(5), generator: new Generator(1) });
    const bound = 1 / Math.sqrt(32 * 9); // a = √5 → U(±1/√fanIn)
    const s = stats(w);
    expect(s.max).toBeLessThan(bound);
    expect(s.min).toBeGreaterThanOrEqual(-bound);
    expect(s.max).toBeGreaterThan(bound * 0.99);
    expect(s.min).toBeLessThan(-bound * 0.99);
    expect(s.std).toBeCloseTo(bound / Math.sqrt(3), 3);
  });
  it('kaimingUniform_ mode fanOut uses shape[0] · receptive field', () => {
    const w = zeros([8, 200], { dtype: 'float64' });
    kaimingUniform_(w, { mode: 'fanOut', nonlinearity: 'relu', generator: new Generator(2) });
    const bound = Math.SQRT2 * Math.sqrt(3 / 8);
    expect(stats(w).max).toBeLessThan(bound);
    expect(stats(w).max).toBeGreaterThan(bound * 0.95);
  });
  it('kaimingNormal_ has std gain/√fanIn', () => {
    const w = zeros([200, 100], { dtype: 'float64' });
    kaimingNormal_(w, { nonlinearity: 'relu', generator: new Generator(3) });
    const s = stats(w);
    expect(s.std).toBeGreaterThan(0.97 * Math.sqrt(2 / 100));
    expect(s.std).toBeLessThan(1.03 * Math.sqrt(2 / 100));
    expect(Math.abs(s.mean)).toBeLessThan(0.005);
  });
  it('xavierUniform_ and xavierNormal_ use gain·√(2/(fanIn+fanOut))', () => {
    const w = zeros([100, 50, 2], { dtype: 'float64' });
    xavierUniform_(w, { gain: 2, generator: new Generator(4) });
    const a = 2 * Math.sqrt(6 / (100 + 200));
    expect(stats(w).max).toBeLessThan(a);
    expect(stats(w).max).toBeGreaterThan(a * 0.99);
    xavierNormal_(w, { generator: new Generator(5) });
    const std = Math.sqrt(2 / 300);
    expect(stats(w).std).toBeGreaterThan(0.97 * std);
    expect(stats(w).std).toBeLessThan(1.03 * std);
  });
  it('uniform_ and normal_ honour their bounds and moments', () => {
    const t = zeros([10000], { dtype: 'float64' });
    uniform_(t, -3, 5, { generator: new Generator(6) });
    expect(stats(t).min).toBeGreaterThanOrEqual(-3);
    expect(stats(t).max).toBeLessThan(5);
    expect(stats(t).mean).toBeCloseTo(1, 1);
    normal_(t, 2, 0.5, { generator: new Generator(7) });
    expect(stats(t).mean).toBeCloseTo(2, 1);
    expect(stats(t).std).toBeCloseTo(0.5, 1);
  });
  it('same seed → same values; the default generator follows manualSeed', () => {
    const a = kaimingUniform_(zeros([5, 4]), { generator: new Generator(9) });
    const b = kaimingUniform_(zeros([5, 4]), { generator: new Generator(9) });
    const c = kaimingUniform_(zeros([5, 4]), { generator: new Generator(10) });
    expect(a.toArray()).toEqual(b.toArray());
    expect(a.toArray()).not.toEqual(c.toArray());
    manualSeed(42);
    const d = xavierNormal_(zeros([3, 3]));
    manualSeed(42);
    const e = xavierNormal_(zeros([3, 3]));
    expect(d.toArray()).toEqual(e.toArray());
  });
  it('draws in row-major order: a float64 fill equals the generator sequence', () => {
    const t = uniform_(zeros([2, 3], { dtype: 'float64' }), -1, 1, { generator: new Generator(11) });
    const g = new Generator(11);
    const expected = Array.from({ length: 6 }, () => -1 + 2 * g.next());
    expect(Array.from(contiguousData(t))).toEqual(expected);
  });
  it('fills a Parameter in place and returns it', () => {
    const p = new Parameter(zeros([4, 3]));
    const storage = p.data.data;
    expect(kaimingUniform_(p, { generator: new Generator(0) })).toBe(p);
    expect(p.data.data).toBe(storage);
    expect(Array.from(storage).every((v) => v !== 0)).toBe(true);
  });
  it('fills a strided view without touching the rest of the storage', () => {
    const base = new Float64Array(12);
    // The transposed view of a [3, 4] block: column-major walk of the storage.
    const view = new Tensor(base, [4, 3], [1, 4], 0);
    constant_(view, 7);
    expect(Array.from(base)).toEqual(new Array(12).fill(7));
    const half = new Tensor(base, [3, 2], [4, 2], 1); // every other element from 1
    zeros_(half);
    expect(Array.from(base)).toEqual([7, 0, 7, 0, 7, 0, 7, 0, 7, 0, 7, 0]);
    ones_(new Tensor(base, [2], [6], 0)); // elements 0 and 6
    expect(Array.from(base)).toEqual([1, 0, 7, 0, 7, 0, 1, 0, 7, 0, 7, 0]);
  });
  it('a zero-size tensor is left alone by kaiming (as PyTorch)', () => {
    expect(kaimingUniform_(zeros([0, 3])).size).toBe(0);
  });
});

describe('errors', () => {
  it('kaiming/xavier on a 1-D tensor is a ShapeError naming the shape', () => {
    expect(() => kaimingUniform_(zeros([5]))).toThrow(ShapeError);
    expect(() => kaimingUniform_(zeros([5]))).toThrow(/kaimingUniform_: .*at least 2 dimensions, got \[5\]/);
    expect(() => xavierNormal_(zeros([5]))).toThrow(/xavierNormal_: .*got \[5\]/);
  });
  it('bad mode, bad bounds, negative std, int32 tensors, expanded views', () => {
    expect(() => kaimingNormal_(zeros([2, 2]), { mode: 'fan_in' as never })).toThrow(RangeError);
    expect(() => kaimingNormal_(zeros([2, 2]), { mode: 'fan_in' as never })).toThrow(
      /mode must be 'fanIn' or 'fanOut', got 'fan_in'/,
    );
    expect(() => uniform_(zeros([2]), 1, 0)).toThrow(/uniform_: low must be <= high, got low=1, high=0/);
    expect(() => normal_(zeros([2]), 0, -1)).toThrow(RangeError);
    expect(() => normal_(zeros([2]), 0, -1)).toThrow(/std must be >= 0, got std=-1/);
    expect(() => uniform_(zeros([2], { dtype: 'int32' }))).toThrow(TypeError);
    expect(() => uniform_(zeros([2], { dtype: 'int32' }))).toThrow(/floating-point tensor, got int32 \[2\]/);
    expect(() => constant_(new Tensor(new Float32Array(1), [3], [0]), 1)).toThrow(/cannot fill an expanded view/);
    expect(() => uniform_({} as never)).toThrow(/uniform_: tensor must be a Tensor or a Parameter/);
    expect(() => constant_(zeros([2]), NaN)).toThrow(/value must be a finite number/);
  });
});

import { randn } from '@torchlet/autograd';
import * as T from '@torchlet/tensor';
import { Generator, manualSeed } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { conv2d, convTranspose2d } from '../../../src/nn/functional/index.js';
import { Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d } from '../../../src/nn/modules/conv.js';

function maxAbs(t: T.Tensor): number {
  return Array.from(t.toTypedArray()).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

describe('Conv modules', () => {
  it('Conv2d holds weight [Cout, Cin/groups, kH, kW] and bias [Cout] as parameters, in that order', () => {
    const m = new Conv2d(4, 6, [3, 5], { groups: 2 });
    expect([...m.namedParameters()].map(([name, p]) => [name, p.shape])).toEqual([
      ['weight', [6, 2, 3, 5]],
      ['bias', [6]],
    ]);
    expect(m.weight.requiresGrad).toBe(true);
    expect(m.weight.dtype).toBe('float32');
    expect(new Conv2d(4, 6, 3, { bias: false }).parameters()).toHaveLength(1);
  });

  it('initialises as PyTorch: weight and bias in U(±1/√fanIn), fanIn = Cin/groups · ∏k', () => {
    const m = new Conv2d(16, 64, 3, { dtype: 'float64', generator: new Generator(0) });
    const bound = 1 / Math.sqrt(16 * 9);
    const w = Array.from(m.weight.data.toTypedArray());
    expect(maxAbs(m.weight.data)).toBeLessThanOrEqual(bound);
    // 9216 draws from U(±b): the extremes come within 1% of the bound, the mean is near 0, the variance near b²/3.
    expect(maxAbs(m.weight.data)).toBeGreaterThan(0.99 * bound);
    const mean = w.reduce((s, v) => s + v, 0) / w.length;
    const variance = w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length;
    expect(Math.abs(mean)).toBeLessThan(0.05 * bound);
    expect(variance / ((bound * bound) / 3)).toBeGreaterThan(0.95);
    expect(variance / ((bound * bound) / 3)).toBeLessThan(1.05);
    expect(maxAbs(m.bias!.data)).toBeLessThanOrEqual(bound);
    expect(maxAbs(m.bias!.data)).toBeGreaterThan(0);
  });

  it('ConvTranspose2d: weight [Cin, Cout/groups, k], fanIn = Cout/groups · ∏k as PyTorch', () => {
    const m = new ConvTranspose2d(8, 4, 3, { groups: 2, generator: new Generator(1) });
    expect(m.weight.shape).toEqual([8, 2, 3, 3]);
    expect(m.bias!.shape).toEqual([4]);
    const bound = 1 / Math.sqrt(2 * 9);
    expect(maxAbs(m.weight.data)).toBeLessThanOrEqual(bound);
    expect(maxAbs(m.weight.data)).toBeGreaterThan(0.8 * bound);
  });

  it('the same generator seed gives the same weights; manualSeed drives the default generator', () => {
    const a = new Conv1d(3, 5, 4, { generator: new Generator(42) });
    const b = new Conv1d(3, 5, 4, { generator: new Generator(42) });
    const c = new Conv1d(3, 5, 4, { generator: new Generator(43) });
    expect(a.weight.toArray()).toEqual(b.weight.toArray());
    expect(a.bias!.toArray()).toEqual(b.bias!.toArray());
    expect(a.weight.toArray()).not.toEqual(c.weight.toArray());
    manualSeed(7);
    const d = new Conv1d(3, 5, 4);
    manualSeed(7);
    const e = new Conv1d(3, 5, 4);
    expect(d.weight.toArray()).toEqual(e.weight.toArray());
  });

  it('forward is the functional op on the parameters, and backward fills their gradients', () => {
    const g = new Generator(2);
    const m = new Conv2d(3, 4, 3, { stride: 2, padding: 'valid', dtype: 'float64', generator: g });
    const x = randn([2, 3, 7, 7], { dtype: 'float64', generator: g });
    const y = m.forward(x);
    expect(y.toArray()).toEqual(conv2d(x, m.weight.data, m.bias!.data, { stride: 2 }).toArray());
    y.backward(T.onesLike(y.data));
    expect(m.weight.grad!.shape).toEqual([4, 3, 3, 3]);
    expect(m.bias!.grad!.toArray()).toEqual([18, 18, 18, 18]); // 2 samples × 3×3 positions
  });

  it("paddingMode and 'same' reach the functional op; Conv3d and ConvTranspose1d run", () => {
    const g = new Generator(3);
    const m = new Conv2d(2, 2, 4, { padding: 'same', paddingMode: 'circular', generator: g });
    expect(m.forward(T.randn([1, 2, 5, 6], { generator: g })).shape).toEqual([1, 2, 5, 6]);
    expect(
      new Conv3d(2, 3, 3, { padding: 1, generator: g }).forward(T.randn([2, 4, 4, 4], { generator: g })).shape,
    ).toEqual([3, 4, 4, 4]);
    const t = new ConvTranspose1d(4, 2, 4, { stride: 2, padding: 1, generator: g });
    expect(t.forward(T.randn([1, 4, 10], { generator: g })).shape).toEqual([1, 2, 20]);
    const t2 = new ConvTranspose2d(4, 2, 3, { stride: 2, padding: 1, outputPadding: 1, generator: g });
    const x = T.randn([1, 4, 3, 3], { generator: g });
    expect(t2.forward(x).toArray()).toEqual(
      convTranspose2d(x, t2.weight.data, t2.bias!.data, { stride: 2, padding: 1, outputPadding: 1 }).toArray(),
    );
  });

  it('repr shows the channels, the kernel and the options that differ from the defaults', () => {
    expect(new Conv2d(1, 6, 5).toString()).toBe('Conv2d(1, 6, kernelSize=[5, 5])');
    expect(new Conv2d(3, 8, 3, { stride: 2, padding: 1, bias: false }).toString()).toBe(
      'Conv2d(3, 8, kernelSize=[3, 3], stride=[2, 2], padding=[1, 1], bias=false)',
    );
    expect(new Conv1d(4, 4, 3, { padding: 'same', dilation: 2, groups: 4, paddingMode: 'reflect' }).toString()).toBe(
      "Conv1d(4, 4, kernelSize=[3], padding='same', dilation=[2], groups=4, paddingMode='reflect')",
    );
    expect(new ConvTranspose2d(8, 4, 3, { stride: 2, padding: 1, outputPadding: 1 }).toString()).toBe(
      'ConvTranspose2d(8, 4, kernelSize=[3, 3], stride=[2, 2], padding=[1, 1], outputPadding=[1, 1])',
    );
  });

  it('constructor errors name the layer and the numbers', () => {
    expect(() => new Conv2d(6, 8, 3, { groups: 4 })).toThrow(RangeError);
    expect(() => new Conv2d(6, 8, 3, { groups: 4 })).toThrow('Conv2d: inChannels (6) must be divisible by groups (4)');
    expect(() => new Conv2d(4, 6, 3, { groups: 4 })).toThrow('Conv2d: outChannels (6) must be divisible by groups (4)');
    expect(() => new Conv2d(0, 6, 3)).toThrow('Conv2d: inChannels must be positive, got 0');
    expect(() => new Conv2d(1.5, 6, 3)).toThrow(TypeError);
    expect(() => new Conv2d(3, 6, [3, 0])).toThrow('Conv2d: kernelSize must be positive, got kernelSize=[3, 0]');
    expect(() => new Conv2d(3, 6, 3, { padding: 'same', stride: 2 })).toThrow(
      "Conv2d: padding='same' needs stride 1 on every axis, got stride=2",
    );
    // @ts-expect-error: not a mode
    expect(() => new Conv2d(3, 6, 3, { paddingMode: 'edge' })).toThrow(
      "Conv2d: paddingMode must be 'zeros', 'reflect', 'replicate' or 'circular', got 'edge'",
    );
    expect(() => new ConvTranspose2d(4, 4, 3, { stride: 2, outputPadding: 2 })).toThrow(RangeError);
    expect(() => new ConvTranspose2d(4, 4, 3, { stride: 2, outputPadding: 2 })).toThrow(
      'ConvTranspose2d: outputPadding must be smaller than stride or dilation on every axis, got outputPadding=2 with stride=2, dilation=1',
    );
    // @ts-expect-error: transposed convs have no padding modes
    expect(() => new ConvTranspose1d(4, 4, 3, { paddingMode: 'reflect' })).toThrow(
      "ConvTranspose1d: only paddingMode 'zeros' is supported, got paddingMode='reflect'",
    );
    // @ts-expect-error: not a float dtype
    expect(() => new Conv1d(1, 1, 1, { dtype: 'int32' })).toThrow(
      "Conv1d: dtype must be 'float32' or 'float64', got 'int32'",
    );
  });
});

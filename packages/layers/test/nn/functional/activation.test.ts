import { Variable } from '@torchlet/autograd';
import { ShapeError, tensor, zeros } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { elu, hardswish, mish, prelu, silu, softplus } from '../../../src/nn/functional/activation.js';
import { ELU, Hardswish, Mish, PReLU, SiLU, Softplus } from '../../../src/nn/modules/activation.js';
import { Unflatten } from '../../../src/nn/modules/linear.js';

const f64 = (v: number[]) => tensor(v, { dtype: 'float64' });

describe('activations: worked values at the kinks', () => {
  it('elu: α·(eˣ − 1) below 0, gradient α at 0', () => {
    const x = new Variable(f64([-1, 0, 2]), { requiresGrad: true });
    const y = elu(x, { alpha: 2 });
    expect(y.data.toArray()).toEqual([2 * Math.expm1(-1), 0, 2]);
    y.backward(f64([1, 1, 1]));
    expect(x.grad!.toArray()).toEqual([2 * Math.exp(-1), 2, 1]);
  });
  it('hardswish: gradient −0.5 at −3 and 1.5 at 3', () => {
    const x = new Variable(f64([-3, 0, 3, 4]), { requiresGrad: true });
    const y = hardswish(x);
    expect(y.data.toArray()).toEqual([0, 0, 3, 4]);
    y.backward(f64([1, 1, 1, 1]));
    expect(x.grad!.toArray()).toEqual([-0.5, 0.5, 1.5, 1]);
  });
  it('softplus: the linear branch starts above β·x > threshold', () => {
    const y = softplus(f64([2, 2.5]), { beta: 2, threshold: 4 }).data.toArray() as number[];
    expect(y[0]).toBeCloseTo(Math.log1p(Math.exp(4)) / 2, 14);
    expect(y[1]).toBe(2.5);
  });
  it('silu and mish at 0 and far out', () => {
    expect(silu(f64([0, 50, -800])).data.toArray()).toEqual([0, 50, -0]);
    expect(mish(f64([0, 800])).data.toArray()).toEqual([0, 800]);
  });
  it('prelu: weight per channel; input gradient at 0 is the weight, weight gradient there 0', () => {
    const x = new Variable(
      tensor(
        [
          [
            [0, -2],
            [1, -1],
          ],
        ],
        { dtype: 'float64' },
      ),
      { requiresGrad: true },
    );
    const w = new Variable(f64([0.5, 0.25]), { requiresGrad: true });
    const y = prelu(x, w);
    expect(y.data.toArray()).toEqual([
      [
        [0, -1],
        [1, -0.25],
      ],
    ]);
    y.backward(
      tensor(
        [
          [
            [1, 1],
            [1, 1],
          ],
        ],
        { dtype: 'float64' },
      ),
    );
    expect(x.grad!.toArray()).toEqual([
      [
        [0.5, 0.5],
        [1, 0.25],
      ],
    ]);
    expect(w.grad!.toArray()).toEqual([-2, -1]);
  });
});

describe('activation errors name the op and the argument', () => {
  it('elu / softplus options', () => {
    expect(() => elu(f64([1]), { alpha: Number.NaN })).toThrow(TypeError);
    expect(() => elu(f64([1]), { alpha: Number.NaN })).toThrow(/elu: alpha must be a finite number, got number NaN/);
    expect(() => softplus(f64([1]), { beta: 0 })).toThrow(RangeError);
    expect(() => softplus(f64([1]), { beta: 0 })).toThrow(/softplus: beta must not be 0/);
    expect(() => softplus(f64([1]), { threshold: Infinity })).toThrow(/softplus: threshold must be a finite number/);
  });
  it('int32 input and non-tensors', () => {
    expect(() => silu(tensor([1], { dtype: 'int32' }))).toThrow(
      /silu: input must be float32 or float64, got int32 \[1\]/,
    );
    expect(() => mish(null as never)).toThrow(/mish: input must be a Tensor or Variable, got null/);
    expect(() => hardswish([1] as never)).toThrow(TypeError);
  });
  it('prelu weight shape and dtype', () => {
    expect(() => prelu(zeros([2, 3, 4]), zeros([2]))).toThrow(ShapeError);
    expect(() => prelu(zeros([2, 3, 4]), zeros([2]))).toThrow(
      /prelu: weight \[2\] has one entry per channel, but input \[2, 3, 4\] has 3 channels/,
    );
    expect(() => prelu(zeros([3]), zeros([3]))).toThrow(/has no channel axis/);
    expect(() => prelu(zeros([2, 3]), zeros([1, 1]))).toThrow(/prelu: weight must be \[1\] or \[C\], got \[1, 1\]/);
    expect(() => prelu(zeros([2, 3]), zeros([1], { dtype: 'float64' }))).toThrow(
      /prelu: input is float32 but weight is float64/,
    );
  });
});

describe('activation modules', () => {
  it('hold their options, show them, and run the functional op', () => {
    expect(new ELU({ alpha: 0.5 }).toString()).toBe('ELU(alpha=0.5)');
    expect(new Softplus({ beta: 2 }).toString()).toBe('Softplus(beta=2, threshold=20)');
    expect(new SiLU().forward(f64([0])).data.toArray()).toEqual([0]);
    expect(new Hardswish().forward(f64([3])).data.toArray()).toEqual([3]);
    expect(new Mish().forward(f64([0])).data.toArray()).toEqual([0]);
    expect(() => new ELU({ alpha: 'x' as never })).toThrow(/ELU: alpha must be a finite number, got x/);
    expect(() => new Softplus({ beta: 0 })).toThrow(/Softplus: beta must not be 0/);
  });
  it('PReLU: weight [numParameters] at init 0.25, a learned parameter', () => {
    const m = new PReLU({ numParameters: 3, init: 0.1, dtype: 'float64' });
    expect(m.weight.shape).toEqual([3]);
    expect(Array.from(m.weight.data.data)).toEqual([0.1, 0.1, 0.1]);
    expect(Object.keys(m.stateDict())).toEqual(['weight']);
    expect(new PReLU().weight.data.toArray()).toEqual([0.25]);
    expect(m.toString()).toBe('PReLU(numParameters=3)');
    expect(() => new PReLU({ numParameters: 0 })).toThrow(/PReLU: numParameters must be >= 1, got 0/);
    expect(() => m.forward(zeros([2, 4], { dtype: 'float64' }))).toThrow(ShapeError);
  });
  it('Unflatten splits one axis, with one inferred size', () => {
    const x = zeros([2, 12]);
    expect(new Unflatten(1, [3, 4]).forward(x).shape).toEqual([2, 3, 4]);
    expect(new Unflatten(-1, [2, -1, 3]).forward(x).shape).toEqual([2, 2, 2, 3]);
    expect(new Unflatten(0, [1, 2]).forward(x).shape).toEqual([1, 2, 12]);
    expect(() => new Unflatten(1, [5, 2]).forward(x)).toThrow(ShapeError);
    expect(() => new Unflatten(1, [5, 2]).forward(x)).toThrow(
      /Unflatten: unflattenedSize \[5, 2\] does not split axis 1 of length 12/,
    );
    expect(() => new Unflatten(1, [5, -1]).forward(x)).toThrow(/does not split/);
    expect(() => new Unflatten(3, [1]).forward(x)).toThrow(/Unflatten: dim=3 is out of range for input \[2, 12\]/);
    expect(() => new Unflatten(1, [-1, -1])).toThrow(/at most one -1/);
    expect(() => new Unflatten(1, [])).toThrow(/non-empty array/);
  });
});

import { describe, expect, it } from 'vitest';
import * as T from '@torchlet/tensor';
import { Generator } from '@torchlet/tensor';
import {
  defineOp,
  gradcheck,
  GradcheckError,
  mul,
  randn,
  reshape,
  slice,
  sum,
  tanh,
  Variable,
  type ForwardContext,
} from '@torchlet/autograd';

// x³ with a backward that forgets the factor 3 on purpose.
const wrongCube = defineOp({
  name: 'wrongCube',
  forward(ctx: ForwardContext<{ x: T.Tensor }>, x: T.Tensor) {
    ctx.save({ x });
    return T.mul(x, T.mul(x, x));
  },
  backward(ctx, gradOutput: T.Tensor) {
    const { x } = ctx.saved;
    return [T.mul(gradOutput, T.mul(x, x))];
  },
});

// Right everywhere except the gradient of one element (flat index 4) of its second input.
const wrongAtOneElement = defineOp({
  name: 'wrongAtOneElement',
  forward(_ctx, a: T.Tensor, b: T.Tensor) {
    return T.add(a, b);
  },
  backward(_ctx, gradOutput: T.Tensor) {
    const gradB = T.clone(gradOutput);
    gradB.data[4] = gradB.data[4]! + 0.5;
    return [gradOutput, gradB];
  },
});

const float64Leaf = (shape: number[], seed: number) =>
  randn(shape, { dtype: 'float64', generator: new Generator(seed), requiresGrad: true });

describe('gradcheck', () => {
  it('passes a correct op and returns true', () => {
    expect(gradcheck((x) => tanh(x), [float64Leaf([3, 2], 1)])).toBe(true);
    expect(gradcheck((a, b) => sum(mul(a, b)), [float64Leaf([4], 2), float64Leaf([4], 3)])).toBe(true);
  });

  it('catches a wrong backward (full Jacobian) and names input, element and values', () => {
    const x = new Variable(T.tensor([0.5, -1, 2], { dtype: 'float64' }), { requiresGrad: true });
    let error: unknown;
    try {
      gradcheck(wrongCube, [x]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GradcheckError);
    const e = error as GradcheckError;
    expect(e.inputIndex).toBe(0);
    expect(e.elementIndex).toBe(0);
    expect(e.outputIndex).toBe(0);
    expect(e.analytical).toBeCloseTo(0.25, 12); // x² at 0.5
    expect(e.numerical).toBeCloseTo(0.75, 6); // 3x²
    expect(e.message).toMatch(
      /^gradcheck: input 0, element 0 \[0\]: analytical 0\.25 vs numerical 0\.7\d+ for output element 0 \[0\]/,
    );
  });

  it('names the second input and the flat element index of a single wrong entry', () => {
    // 6 × 5 = 30 outputs: above the full-Jacobian limit, so this is the random-projection path.
    const a = float64Leaf([6, 5], 4);
    const b = float64Leaf([6, 5], 5);
    expect(() => gradcheck(wrongAtOneElement, [a, b])).toThrow(GradcheckError);
    expect(() => gradcheck(wrongAtOneElement, [a, b])).toThrow(
      /input 1, element 4 \[0, 4\]: analytical .* vs numerical .* through a random gradOutput \(seed 0\)/,
    );
    try {
      gradcheck(wrongAtOneElement, [a, b]);
    } catch (e) {
      const err = e as GradcheckError;
      expect([err.inputIndex, err.elementIndex, err.outputIndex]).toEqual([1, 4, null]);
    }
  });

  it('checks only inputs that require grad', () => {
    const constant = new Variable(T.randn([6, 5], { dtype: 'float64', generator: new Generator(6) }));
    expect(gradcheck(wrongAtOneElement, [float64Leaf([6, 5], 7), constant])).toBe(true);
  });

  it('reports a gradient that never arrives (a forward that ignores autograd)', () => {
    const detached = (x: Variable) => new Variable(T.mul(x.data, 2));
    expect(() => gradcheck(detached, [float64Leaf([2], 8)])).toThrow(
      /input 0, element 0 \[0\]: analytical 0 vs numerical 2/,
    );
  });

  it("leaves the caller's inputs and their grads untouched", () => {
    const x = float64Leaf([3], 9);
    const before = x.data.toArray();
    gradcheck((x) => tanh(x), [x]);
    expect(x.grad).toBeNull();
    expect(x.data.toArray()).toEqual(before);
  });

  it('handles an fn whose output is a view of its input', () => {
    // The output shares the perturbed storage; the numerical side must copy each evaluation.
    expect(gradcheck((x) => reshape(x, [-1]), [float64Leaf([2, 3], 13)])).toBe(true);
    expect(gradcheck((x) => slice(x, 1, 1), [float64Leaf([2, 3], 14)])).toBe(true);
  });

  it('accepts non-leaf inputs', () => {
    const x = mul(float64Leaf([3], 10), 2);
    expect(gradcheck((x) => tanh(x), [x])).toBe(true);
  });

  it('respects the tolerances it is given', () => {
    // The finite-difference error of x³ with eps = 1e-2 is eps² = 1e-4: inside atol 1e-3, outside 1e-6.
    const cube = (x: Variable) => mul(x, mul(x, x));
    const x = new Variable(T.tensor([1], { dtype: 'float64' }), { requiresGrad: true });
    expect(gradcheck(cube, [x], { eps: 1e-2, atol: 1e-3, rtol: 0 })).toBe(true);
    expect(() => gradcheck(cube, [x], { eps: 1e-2, atol: 1e-6, rtol: 0 })).toThrow(GradcheckError);
  });

  it('rejects float32 inputs and outputs with a TypeError', () => {
    const x32 = randn([2], { requiresGrad: true });
    expect(() => gradcheck((x) => tanh(x), [x32])).toThrow(TypeError);
    expect(() => gradcheck((x) => tanh(x), [x32])).toThrow(
      /gradcheck: inputs\[0\] is float32 \[2\]; finite differences need float64/,
    );
    const toFloat32 = (x: Variable) => new Variable(T.cast(x.data, 'float32'));
    expect(() => gradcheck(toFloat32, [float64Leaf([2], 11)])).toThrow(
      /gradcheck: fn returned float32 \[2\]; gradcheck needs a float64 output/,
    );
  });

  it('rejects inputs that are not Variables, or that none requires grad', () => {
    expect(() => gradcheck((x) => x, [T.ones([2]) as unknown as Variable])).toThrow(
      /gradcheck: inputs\[0\] must be a Variable, got object/,
    );
    expect(() => gradcheck((x) => tanh(x), [new Variable(T.ones([2], { dtype: 'float64' }))])).toThrow(
      /gradcheck: no input requires grad/,
    );
    expect(() => gradcheck(() => T.ones([1]) as unknown as Variable, [float64Leaf([1], 12)])).toThrow(
      /gradcheck: fn must return a Variable/,
    );
  });
});

import { describe, expect, it } from 'vitest';
import * as T from '@torchlet/tensor';
import {
  abs,
  amax,
  clamp,
  div,
  exp,
  gelu,
  InplaceModificationError,
  leakyRelu,
  log,
  logSoftmax,
  logsumexp,
  matmul,
  mul,
  pow,
  relu,
  reshape,
  sigmoid,
  softmax,
  sqrt,
  sum,
  tanh,
  variance,
  Variable,
} from '@torchlet/autograd';

const leaf = (values: number[]) => new Variable(T.tensor(values, { dtype: 'float64' }), { requiresGrad: true });
const x3 = () => leaf([0.5, 1.5, 2.5]);
const w3 = () => leaf([4, 5, 6]);

/**
 * Every op that saves a tensor for backward: `run` builds the op on fresh leaves and returns the
 * output and the tensor it saved (an input, or its own output); the test then writes that tensor in
 * place between forward and backward.
 */
const cases: { op: string; field: string; run: () => { out: Variable; saved: T.Tensor } }[] = [
  { op: 'mul', field: 'b', run: () => ((x, w) => ({ out: mul(x, w), saved: w.data }))(x3(), w3()) },
  { op: 'div', field: 'b', run: () => ((x, w) => ({ out: div(x, w), saved: w.data }))(x3(), w3()) },
  { op: 'pow', field: 'base', run: () => ((x, w) => ({ out: pow(x, w), saved: x.data }))(x3(), w3()) },
  { op: 'pow', field: 'y', run: () => ((x, w) => ((y) => ({ out: y, saved: y.data }))(pow(x, w)))(x3(), w3()) },
  { op: 'log', field: 'x', run: () => ((x) => ({ out: log(x), saved: x.data }))(x3()) },
  { op: 'abs', field: 'x', run: () => ((x) => ({ out: abs(x), saved: x.data }))(x3()) },
  { op: 'leakyRelu', field: 'x', run: () => ((x) => ({ out: leakyRelu(x), saved: x.data }))(x3()) },
  { op: 'gelu', field: 'x', run: () => ((x) => ({ out: gelu(x), saved: x.data }))(x3()) },
  { op: 'clamp', field: 'x', run: () => ((x) => ({ out: clamp(x, 1, 2), saved: x.data }))(x3()) },
  { op: 'amax', field: 'x', run: () => ((x) => ({ out: amax(x), saved: x.data }))(x3()) },
  { op: 'logsumexp', field: 'x', run: () => ((x) => ({ out: logsumexp(x, 0), saved: x.data }))(x3()) },
  { op: 'variance', field: 'x', run: () => ((x) => ({ out: variance(x), saved: x.data }))(x3()) },
  {
    op: 'matmul',
    field: 'b',
    run: () => ((x, w) => ({ out: matmul(reshape(x, [1, 3]), reshape(w, [3, 1])), saved: w.data }))(x3(), w3()),
  },
  // Ops that save their output: writing the output in place is caught too.
  ...(
    [
      ['exp', exp],
      ['sqrt', sqrt],
      ['tanh', tanh],
      ['sigmoid', sigmoid],
      ['relu', relu],
    ] as const
  ).map(([op, f]) => ({
    op,
    field: 'y',
    run: () => ((y) => ({ out: y, saved: y.data }))(f(x3())),
  })),
  { op: 'softmax', field: 'y', run: () => ((y) => ({ out: y, saved: y.data }))(softmax(x3(), 0)) },
  { op: 'logSoftmax', field: 'y', run: () => ((y) => ({ out: y, saved: y.data }))(logSoftmax(x3(), 0)) },
];

describe('in-place writes to saved tensors', () => {
  it("the issue's example: a weight overwritten between forward and backward is refused, not silently used", () => {
    const x = leaf([1, 2, 3]);
    const w = leaf([4, 5, 6]);
    const y = sum(mul(x, w));
    w.copy_(100);
    let error: unknown = null;
    try {
      y.backward();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InplaceModificationError);
    expect((error as Error).message).toContain(
      "mul: one of the variables needed for gradient computation has been modified by an inplace operation: its saved 'b' [3] (input 1) is at version 1; expected version 0",
    );
    expect(x.grad).toBeNull();
  });

  it('the same order without the write gives the right gradient', () => {
    const x = leaf([1, 2, 3]);
    const w = leaf([4, 5, 6]);
    sum(mul(x, w)).backward();
    expect(x.grad!.toArray()).toEqual([4, 5, 6]);
    w.copy_(100); // after backward: nothing saved needs it any more
    const y = sum(mul(x, w));
    x.grad = null;
    y.backward();
    expect(x.grad!.toArray()).toEqual([100, 100, 100]);
  });

  for (const c of cases) {
    it(`${c.op}: writing its saved '${c.field}' between forward and backward throws, naming the op and the tensor`, () => {
      const { out, saved } = c.run();
      T.copy_(saved, 0.25);
      const backward = () => sum(out).backward();
      expect(backward).toThrow(InplaceModificationError);
      expect(backward).toThrow(new RegExp(`^${c.op}: one of the variables .* its saved '${c.field}' \\[`));
    });
    it(`${c.op}: untouched, backward runs`, () => {
      const { out } = c.run();
      expect(() => sum(out).backward()).not.toThrow();
    });
  }

  it('a write through a view (same storage) counts', () => {
    const x = leaf([1, 2, 3, 4]);
    const w = leaf([1, 2, 3, 4]);
    const y = sum(mul(x, w));
    T.copy_(T.reshape(w.data, [2, 2]), T.tensor([9], { dtype: 'float64' }));
    expect(() => y.backward()).toThrow(/mul: .* its saved 'b' \[4\] \(input 1\) is at version 1; expected version 0/);
  });

  it('a write to a tensor the op did not save does not get in the way', () => {
    const x = leaf([1, 2, 3]);
    const w = new Variable(T.tensor([4, 5, 6], { dtype: 'float64' }));
    const y = sum(mul(x, w)); // only x needs a gradient, so only w is saved
    x.copy_(7);
    y.backward();
    expect(x.grad!.toArray()).toEqual([4, 5, 6]);
  });

  it('retainGraph keeps the check: a write between two backwards is refused on the second', () => {
    const x = leaf([1, 2, 3]);
    const w = leaf([4, 5, 6]);
    const y = sum(mul(x, w));
    y.backward(undefined, { retainGraph: true });
    w.copy_(0);
    expect(() => y.backward()).toThrow(InplaceModificationError);
  });

  it('copy_ refuses a value an op produced, and a source that does not broadcast', () => {
    const x = leaf([1, 2, 3]);
    const y = mul(x, 2);
    expect(() => y.copy_(0)).toThrow(TypeError);
    expect(() => y.copy_(0)).toThrow(/copy_: cannot write in place into a value computed by mul/);
    expect(() => x.copy_(T.tensor([1, 2]))).toThrow(T.ShapeError);
    expect(() => x.copy_(T.tensor([1, 2]))).toThrow(/copy_: shapes \[2\] and \[3\] do not broadcast/);
    expect(() => x.copy_(T.zeros([2, 3]))).toThrow(/copy_: src \[2, 3\] does not broadcast to dst \[3\]/);
    expect(x.copy_(T.tensor([7, 8, 9])).toArray()).toEqual([7, 8, 9]);
  });
});

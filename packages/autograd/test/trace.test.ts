import { add, defineOp, noGrad, relu, traceOps, Variable, type TracedCall } from '@torchlet/autograd';
import { mul, randn, type Tensor } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';

describe('traceOps', () => {
  it('reports each outermost op call in order, with its arguments and outputs, also under noGrad', () => {
    const x = new Variable(randn([2, 3]));
    const calls: TracedCall[] = [];
    const y = noGrad(() =>
      traceOps(
        (c) => calls.push(c),
        () => relu(add(x, 1)),
      ),
    );
    expect(calls.map((c) => c.op)).toEqual(['add', 'relu']);
    expect(calls[0]!.args[0]).toBe(x);
    expect(calls[0]!.args[1]).toBe(1);
    expect(calls[1]!.args[0]).toBe(calls[0]!.outputs[0]);
    expect(calls[1]!.outputs[0]).toBe(y);
  });

  it('an op called inside another op is part of it, not a call of its own', () => {
    const outer = defineOp({
      name: 'outer',
      forward: (_ctx, t: Tensor) => relu(mul(t, 2)).data,
      backward: (_ctx, g: Tensor) => [g],
    });
    const ops: string[] = [];
    traceOps(
      (c) => ops.push(c.op),
      () => outer(randn([4])),
    );
    expect(ops).toEqual(['outer']);
  });

  it('stops reporting when fn returns or throws, and traces do not nest', () => {
    const ops: string[] = [];
    expect(() =>
      traceOps(
        (c) => ops.push(c.op),
        () => {
          relu(randn([2]));
          throw new Error('boom');
        },
      ),
    ).toThrow('boom');
    relu(randn([2]));
    expect(ops).toEqual(['relu']);
    expect(() =>
      traceOps(
        () => {},
        () =>
          traceOps(
            () => {},
            () => 0,
          ),
      ),
    ).toThrow(/traces do not nest/);
  });
});

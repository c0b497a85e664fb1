import { add, mul, Variable } from '@torchlet/autograd';
import { tensor, type Tensor } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { Module } from '../../../src/nn/modules/module.js';
import { ReLU } from '../../../src/nn/modules/activation.js';
import { Linear } from '../../../src/nn/modules/linear.js';
import { Sequential } from '../../../src/nn/modules/sequential.js';
import { summaryRows } from '../../../src/nn/summary.js';
import { toOnnxBytes } from '../../../src/onnx/export.js';

const v = (values: number[]) => new Variable(tensor(values, { dtype: 'float64' }));
const values = (x: Variable) => Array.from(x.data.toTypedArray());

/** y = x + 1, with a subclass that calls super.forward (one call of one layer). */
class AddOne extends Module {
  forward(x: Tensor | Variable): Variable {
    return add(x, v([1]));
  }
}
class Doubled extends AddOne {
  override forward(x: Tensor | Variable): Variable {
    return mul(super.forward(x), v([2]));
  }
}

describe('forward hooks', () => {
  it('run around forward in registration order; pre-hooks may replace the inputs, hooks the output', () => {
    const m = new AddOne();
    const seen: string[] = [];
    m.registerForwardPreHook((_m, [x]) => void seen.push(`pre1 ${values(x as Variable)}`));
    m.registerForwardPreHook((_m, [x]) => (seen.push(`pre2 ${values(x as Variable)}`), [v([10])]));
    m.registerForwardHook((mod, [x], y) => {
      expect(mod).toBe(m);
      seen.push(`post1 ${values(x as Variable)} → ${values(y)}`);
      return mul(y, v([3]));
    });
    m.registerForwardHook((_m, _inputs, y) => void seen.push(`post2 ${values(y)}`));
    expect(values(m.forward(v([0])))).toEqual([33]);
    expect(seen).toEqual(['pre1 0', 'pre2 0', 'post1 10 → 11', 'post2 33']);
  });

  it('remove() unregisters only its own registration, and a second remove() does nothing', () => {
    const m = new AddOne();
    let calls = 0;
    const hook = () => void calls++;
    const first = m.registerForwardHook(hook);
    const second = m.registerForwardHook(hook);
    m.forward(v([0]));
    expect(calls).toBe(2);
    first.remove();
    first.remove();
    m.forward(v([0]));
    expect(calls).toBe(3);
    expect(m.hasForwardHooks()).toBe(true);
    second.remove();
    m.forward(v([0]));
    expect(calls).toBe(3);
    expect(m.hasForwardHooks()).toBe(false);
  });

  it('a subclass forward calling super.forward is one call: hooks run once, on the outer output', () => {
    const m = new Doubled();
    const outputs: number[][] = [];
    m.registerForwardHook((_m, _inputs, y) => void outputs.push(values(y)));
    expect(values(m.forward(v([1])))).toEqual([4]);
    expect(outputs).toEqual([[4]]);
  });

  it('belong to one instance, not its class or its children', () => {
    const a = new ReLU();
    const b = new ReLU();
    const seq = new Sequential(a);
    let calls = 0;
    a.registerForwardHook(() => void calls++);
    b.forward(v([1]));
    expect(calls).toBe(0);
    expect(seq.hasForwardHooks()).toBe(false);
    seq.forward(v([1]));
    expect(calls).toBe(1);
  });

  it('a hook that throws fails the call; the hook stays registered until removed', () => {
    const m = new AddOne();
    const h = m.registerForwardPreHook(() => {
      throw new Error('stop');
    });
    expect(() => m.forward(v([0]))).toThrow('stop');
    expect(() => m.forward(v([0]))).toThrow('stop');
    h.remove();
    expect(values(m.forward(v([0])))).toEqual([1]);
  });

  it('reject a hook that is not a function, naming the method', () => {
    const m = new AddOne();
    expect(() => m.registerForwardHook(null as never)).toThrow(
      /registerForwardHook: hook must be a function, got null/,
    );
    expect(() => m.registerForwardPreHook(3 as never)).toThrow(
      /registerForwardPreHook: hook must be a function, got number/,
    );
  });

  it('summary and the ONNX exporter leave no hook behind, also when the forward throws', () => {
    const model = new Sequential(new Linear(3, 2), new ReLU());
    summaryRows(model, [1, 3]);
    toOnnxBytes(model, [1, 3]);
    expect(() => summaryRows(model, [1, 4])).toThrow(/linear/);
    expect(() => toOnnxBytes(model, [1, 4])).toThrow(/linear/);
    expect(model.modules().some((m) => m.hasForwardHooks())).toBe(false);
  });
});

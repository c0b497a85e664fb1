import { describe, expect, it } from 'vitest';
import { AnomalyError, currentScope, detectAnomaly, log, relu, sqrt, type Variable } from '@torchlet/autograd';
import { thrownBy } from '@torchlet/autograd/testing';
import { Generator, randn, type Tensor } from '@torchlet/tensor';
import { Conv2d, Flatten, Linear, Module, ReLU, type Layer, Sequential, Tanh } from '@torchlet/layers';
import { crossEntropy } from '@torchlet/layers/functional';

/** A layer that takes the log: NaN for the negative half of a tanh. */
class Log extends Module {
  forward(x: Tensor | Variable): Variable {
    return log(x);
  }
}

/** √relu(x): a finite forward (zeros where x <= 0) whose gradient is Infinity at those zeros. */
class SqrtRelu extends Module {
  forward(x: Tensor | Variable): Variable {
    return sqrt(relu(x));
  }
}

/** Records the scope its forward runs in, and extends another layer through super.forward. */
class Probe extends Tanh {
  seen = '';
  override forward(x: Tensor | Variable): Variable {
    this.seen = currentScope();
    return super.forward(x);
  }
}

class Net extends Module {
  features: Sequential;
  head: Sequential;
  constructor(middle: Layer, g: Generator) {
    super();
    this.features = new Sequential(new Conv2d(1, 4, 3, { generator: g }), new Tanh(), middle);
    this.head = new Sequential(new Flatten(), new Linear(4 * 4 * 4, 3, { generator: g }));
  }
  forward(x: Tensor | Variable): Variable {
    return this.head.forward(this.features.forward(x));
  }
}

/** The AnomalyError `fn` throws (fails the test if it throws anything else or nothing). */
const anomalyOf = (fn: () => unknown) => thrownBy(fn, AnomalyError);

describe('detectAnomaly inside a model', () => {
  it('a NaN from the middle layer names the op log and the module path features.2', () => {
    const g = new Generator(0);
    const model = new Net(new Log(), g);
    const x = randn([2, 1, 6, 6], { generator: g });
    const e = anomalyOf(() => detectAnomaly(() => model.forward(x)));
    expect(e.op).toBe('log');
    expect(e.phase).toBe('forward');
    expect(e.scope).toBe('features.2 (Log)');
    expect(e.message).toMatch(
      /^log: forward produced NaN in its output \(at \[\d+, \d+, \d+, \d+\] of \[2, 4, 4, 4\], \d+ of 128 elements non-finite\) from finite inputs; in features\.2 \(Log\)$/,
    );
    // Without anomaly mode the same model silently returns NaN logits.
    expect(Array.from(model.forward(x).data.data).some(Number.isNaN)).toBe(true);
  });

  it('a backward Infinity names sqrt, its input and the layer it was created in', () => {
    const g = new Generator(1);
    const model = new Net(new SqrtRelu(), g);
    const x = randn([2, 1, 6, 6], { generator: g });
    const e = anomalyOf(() =>
      detectAnomaly(() => {
        const loss = crossEntropy(model.forward(x), [0, 2]);
        expect(Number.isFinite(loss.item())).toBe(true);
        loss.backward();
      }),
    );
    expect(e.op).toBe('sqrt');
    expect(e.phase).toBe('backward');
    expect(e.inputIndex).toBe(0);
    expect(e.message).toMatch(
      /^sqrt: backward produced Infinity in the gradient for input 0 .* the op was created in features\.2 \(SqrtRelu\)$/,
    );
  });

  it('the root module, nested paths and super.forward read as expected', () => {
    const probe = new Probe();
    const model = new Sequential(new Sequential(new ReLU(), probe));
    detectAnomaly(() => model.forward(randn([2, 3])));
    expect(probe.seen).toBe('0.1 (Probe)');
    const alone = new Probe();
    detectAnomaly(() => alone.forward(randn([2])));
    expect(alone.seen).toBe('the root module (Probe)');
    // Off, no scope is tracked at all.
    model.forward(randn([2, 3]));
    expect(probe.seen).toBe('');
  });

  it('summary still hooks and restores forward on scoped modules', () => {
    const g = new Generator(2);
    const model = new Net(new Log(), g);
    const text = model.summary([1, 1, 6, 6], { print: false });
    expect(text).toMatch(/features\.2 \(Log\)\s+\[1, 4, 4, 4\]/);
    const e = anomalyOf(() => detectAnomaly(() => model.forward(randn([1, 1, 6, 6], { generator: g }))));
    expect(e.scope).toBe('features.2 (Log)');
  });
});

import { describe, expect, it } from 'vitest';
import * as T from '@torchlet/tensor';
import { Generator } from '@torchlet/tensor';
import {
  AnomalyError,
  currentScope,
  defineOp,
  detectAnomaly,
  div,
  isAnomalyEnabled,
  log,
  mul,
  noGrad,
  randn,
  setDetectAnomaly,
  sqrt,
  sum,
  tensor,
  withScope,
} from '@torchlet/autograd';
import { thrownBy } from '@torchlet/autograd/testing';

/** The AnomalyError `fn` throws (fails the test if it throws anything else or nothing). */
const anomalyOf = (fn: () => unknown) => thrownBy(fn, AnomalyError);

describe('detectAnomaly: forward', () => {
  it('names the op, the value, the element and the scope of a NaN output', () => {
    const x = tensor(
      [
        [1, 2],
        [-3, 4],
      ],
      { dtype: 'float64', requiresGrad: true },
    );
    const e = anomalyOf(() => detectAnomaly(() => withScope('encoder', () => log(x))));
    expect(e.op).toBe('log');
    expect(e.phase).toBe('forward');
    expect(e.value).toBe('NaN');
    expect(e.scope).toBe('encoder');
    expect(e.message).toBe(
      'log: forward produced NaN in its output (at [1, 0] of [2, 2], 1 of 4 elements non-finite) from finite inputs; in encoder',
    );
  });

  it('reports -Infinity and +Infinity by sign', () => {
    const e = anomalyOf(() => detectAnomaly(() => log(tensor([0, 1]))));
    expect(e.value).toBe('-Infinity');
    expect(e.message).toMatch(/^log: forward produced -Infinity .* outside any module scope$/);
    const f = anomalyOf(() => detectAnomaly(() => div(tensor([1, 2]), tensor([0, 1]))));
    expect(f.op).toBe('div');
    expect(f.value).toBe('Infinity');
  });

  it('blames no op for a NaN that came in: says which input already held it', () => {
    const x = tensor([1, Number.NaN, 3]);
    const e = anomalyOf(() => detectAnomaly(() => mul(x, 2)));
    expect(e.op).toBe('mul');
    expect(e.inputIndex).toBe(0);
    expect(e.message).toMatch(/^mul: input 0 already holds NaN \(at \[1\] of \[3\]/);
  });

  it('checks under noGrad too, and leaves finite computations alone', () => {
    expect(() => detectAnomaly(() => noGrad(() => sqrt(tensor([-1]))))).toThrow(/sqrt: forward produced NaN/);
    const ok = detectAnomaly(() => sum(mul(tensor([1, 2, 3], { requiresGrad: true }), 2)));
    expect(ok.item()).toBe(12);
  });

  it('is off by default, so NaN flows through silently without it', () => {
    expect(isAnomalyEnabled()).toBe(false);
    expect(Number.isNaN(log(tensor([-1])).item())).toBe(true);
  });

  it('nested scopes join with dots; an unnamed root reads as the root', () => {
    withScope({ name: '', kind: 'Net' }, () => {
      expect(currentScope()).toBe('the root module (Net)');
      withScope({ name: 'features', kind: 'Sequential' }, () =>
        withScope({ name: '2', kind: 'Log' }, () => expect(currentScope()).toBe('features.2 (Log)')),
      );
    });
    expect(currentScope()).toBe('');
  });
});

describe('detectAnomaly: backward', () => {
  it('names the op, the input whose gradient went bad and the scope the op was created in', () => {
    // sqrt(0) is a fine forward (0) but its gradient 1/(2·0) is Infinity.
    const x = tensor([4, 0, 9], { dtype: 'float64', requiresGrad: true });
    const e = anomalyOf(() =>
      detectAnomaly(() => {
        const y = withScope({ name: 'block', kind: 'Custom' }, () => sqrt(x));
        sum(y).backward();
      }),
    );
    expect(e.op).toBe('sqrt');
    expect(e.phase).toBe('backward');
    expect(e.inputIndex).toBe(0);
    expect(e.value).toBe('Infinity');
    expect(e.scope).toBe('block (Custom)');
    expect(e.message).toBe(
      'sqrt: backward produced Infinity in the gradient for input 0 (at [1] of [3], 1 of 3 elements non-finite) from a finite incoming gradient; the op was created in block (Custom)',
    );
    expect(e.forwardStack).toMatch(/anomaly\.test\.ts/);
  });

  it('names the second input when only its gradient is bad', () => {
    const a = tensor([0, 1], { dtype: 'float64', requiresGrad: true });
    const b = tensor([0, 1], { dtype: 'float64', requiresGrad: true });
    const custom = defineOp({
      name: 'badSecondGrad',
      forward(_ctx, p: T.Tensor, q: T.Tensor) {
        return T.add(p, q);
      },
      backward(_ctx, g: T.Tensor) {
        return [g, T.mul(g, Number.NaN)];
      },
    });
    const f = anomalyOf(() => detectAnomaly(() => sum(custom(a, b)).backward()));
    expect(f.op).toBe('badSecondGrad');
    expect(f.inputIndex).toBe(1);
    expect(f.message).toMatch(/gradient for input 1/);
  });

  it('a NaN seed is reported as arriving at the op, not produced by it', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const e = anomalyOf(() => detectAnomaly(() => mul(x, 3).backward(T.tensor([1, Number.NaN]))));
    expect(e.inputIndex).toBeNull();
    expect(e.message).toMatch(/^mul: the gradient arriving at output 0 already holds NaN/);
  });

  it('restores the previous setting after fn, also when fn throws', () => {
    expect(() =>
      detectAnomaly(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(isAnomalyEnabled()).toBe(false);
    setDetectAnomaly(true);
    try {
      detectAnomaly(() => 1);
      expect(isAnomalyEnabled()).toBe(true);
    } finally {
      setDetectAnomaly(false);
    }
  });

  it('for an async fn, stays on until the promise settles', async () => {
    const seen: boolean[] = [];
    await detectAnomaly(async () => {
      await Promise.resolve();
      seen.push(isAnomalyEnabled());
    });
    expect(seen).toEqual([true]);
    expect(isAnomalyEnabled()).toBe(false);
  });

  it('a finite training step under detectAnomaly matches one without it, bit for bit', () => {
    const run = () => {
      const g = new Generator(3);
      const w = randn([4, 3], { dtype: 'float64', generator: g, requiresGrad: true });
      const x = T.randn([4, 3], { dtype: 'float64', generator: g });
      const loss = sum(log(mul(mul(w, w), T.add(T.abs(x), 1))));
      loss.backward();
      return Array.from(w.grad!.data);
    };
    expect(detectAnomaly(run)).toEqual(run());
  });
});

describe('detectAnomaly: bad arguments', () => {
  it('fn must be a function; the flag a boolean; a scope a string or { name }', () => {
    expect(() => detectAnomaly(null as unknown as () => void)).toThrow(TypeError);
    expect(() => detectAnomaly(null as unknown as () => void)).toThrow(
      /detectAnomaly: fn must be a function, got null/,
    );
    expect(() => setDetectAnomaly('yes' as unknown as boolean)).toThrow(
      /setDetectAnomaly: on must be a boolean, got yes/,
    );
    expect(() => withScope(3 as unknown as string, () => 1)).toThrow(
      /withScope: scope must be a string or \{ name, kind\? \}, got number/,
    );
    expect(() => withScope('a', 5 as unknown as () => void)).toThrow(/withScope: fn must be a function, got number/);
  });
});

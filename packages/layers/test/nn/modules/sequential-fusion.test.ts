import { randn, setDetectAnomaly, Variable } from '@torchlet/autograd';
import { Generator, getGemm, setGemm, WasmGemm, type Tensor } from '@torchlet/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { Conv1d, Conv2d, MaxPool1d, MaxPool2d, Module, ReLU, Sequential } from '../../../src/index.js';
import { fusionAt, fusionRules } from '../../../src/nn/fusion.js';
import { summaryRows } from '../../../src/nn/summary.js';

// Sequential runs Conv2d → ReLU → MaxPool2d(2) (and the 1-D block) as one fused op (under the wasm
// backend, float32), with the same bits as running the modules one by one, and only where that is
// invisible: exact classes, no forward hooks or per-instance forward, a plain 2×2 pool, anomaly detection off.
const before = getGemm();
setGemm(new WasmGemm({ threads: 2, minParallelFlops: 0 }));
afterAll(() => setGemm(before));

function block(pool = new MaxPool2d(2)): Sequential {
  return new Sequential(new Conv2d(2, 4, 3, { padding: 1, generator: new Generator(1) }), new ReLU(), pool);
}

/** The last op of `seq.forward(x)`: 'convReluMaxPool' when it fused, 'maxPool' when it did not. */
function lastOp(seq: Sequential): string | undefined {
  return seq.forward(randn([2, 2, 8, 8], { generator: new Generator(2) })).gradFn?.name;
}

function bits(t: Tensor): number[] {
  return Array.from(new Int32Array((t.toTypedArray() as Float32Array).slice().buffer));
}

/**
 * `seq.forward(x)` fuses, and gives the output and (for upstream gradient `g`) the parameter
 * gradients of running its modules one by one, bit for bit.
 */
function expectFusedMatchesOneByOne(seq: Sequential, x: Tensor | Variable, g: Tensor): void {
  const fused = seq.forward(x);
  expect(fused.gradFn?.name).toBe('convReluMaxPool');
  fused.backward(g);
  const fusedGrads = seq.parameters().map((p) => bits(p.grad!));
  seq.zeroGrad();
  let y: Variable | Tensor = x;
  for (const m of seq) y = m.forward(y);
  expect((y as Variable).gradFn?.name).toBe('maxPool');
  expect(bits((y as Variable).data)).toEqual(bits(fused.data));
  (y as Variable).backward(g);
  expect(seq.parameters().map((p) => bits(p.grad!))).toEqual(fusedGrads);
}

describe('Sequential fuses Conv2d → ReLU → MaxPool2d(2)', () => {
  it('with the bits of running the modules one by one, output and parameter gradients', () => {
    const seq = new Sequential(
      new Conv2d(3, 5, 5, { padding: 2, generator: new Generator(3) }),
      new ReLU(),
      new MaxPool2d(2),
      new Conv2d(5, 6, 3, { generator: new Generator(4) }),
      new ReLU(),
      new MaxPool2d([2, 2], { stride: 2 }),
    );
    const x = randn([9, 3, 16, 16], { generator: new Generator(5) });
    const g = randn([9, 6, 3, 3], { generator: new Generator(6) }).data;
    expectFusedMatchesOneByOne(seq, x, g);
  });

  it('and Conv1d → ReLU → MaxPool1d(2), with the same bits', () => {
    const seq = new Sequential(
      new Conv1d(2, 4, 7, { padding: 3, generator: new Generator(7) }),
      new ReLU(),
      new MaxPool1d(2),
      new Conv1d(4, 3, 5, { generator: new Generator(8) }),
      new ReLU(),
      new MaxPool1d(2, { stride: 2 }),
    );
    const x = randn([5, 2, 33], { generator: new Generator(9) });
    const g = randn([5, 3, 6], { generator: new Generator(10) }).data;
    expectFusedMatchesOneByOne(seq, x, g);
    const unfusable = new Sequential(new Conv1d(2, 4, 3), new ReLU(), new MaxPool1d(3));
    expect(unfusable.forward(randn([2, 2, 12])).gradFn?.name).toBe('maxPool');
  });

  it('for a plain block only', () => {
    expect(lastOp(block())).toBe('convReluMaxPool');
    expect(lastOp(block(new MaxPool2d(2, { stride: 1 })))).toBe('maxPool');
    expect(lastOp(block(new MaxPool2d(3)))).toBe('maxPool');
    expect(lastOp(block(new MaxPool2d(2, { padding: 1 })))).toBe('maxPool');
    expect(lastOp(block(new MaxPool2d(2, { ceilMode: true })))).toBe('maxPool');
    expect(lastOp(block(new MaxPool2d(2, { dilation: 2 })))).toBe('maxPool');
    class LoudReLU extends ReLU {}
    const subclassed = new Sequential(new Conv2d(2, 4, 3, { padding: 1 }), new LoudReLU(), new MaxPool2d(2));
    expect(lastOp(subclassed)).toBe('maxPool');
  });

  it('not while a module has a forward hook', () => {
    const seq = block();
    let calls = 0;
    const handle = seq.at(2).registerForwardPreHook(() => void calls++);
    expect(lastOp(seq)).toBe('maxPool');
    expect(calls).toBe(1);
    handle.remove();
    expect(lastOp(seq)).toBe('convReluMaxPool');
    expect(calls).toBe(1);
  });

  it("not when a module's forward is replaced per instance, or under anomaly detection", () => {
    const seq = block();
    const relu = seq.at(1) as Module & { forward: Module['forward'] };
    let calls = 0;
    const original = relu.forward;
    Object.defineProperty(relu, 'forward', {
      value: (x: Variable) => (calls++, original.call(relu, x)),
      configurable: true,
      writable: true,
    });
    expect(lastOp(seq)).toBe('maxPool');
    expect(calls).toBe(1);
    delete (relu as { forward?: unknown }).forward;
    expect(lastOp(seq)).toBe('convReluMaxPool');
    setDetectAnomaly(true);
    try {
      expect(lastOp(seq)).toBe('maxPool');
    } finally {
      setDetectAnomaly(false);
    }
  });

  it('summary still sees all three layers', () => {
    expect(summaryRows(block(), [1, 2, 8, 8]).rows.map((r) => [r.type, ...r.outputShapes])).toEqual([
      ['Conv2d', [1, 4, 8, 8]],
      ['ReLU', [1, 4, 8, 8]],
      ['MaxPool2d', [1, 4, 4, 4]],
    ]);
  });
});

describe('the fusion rules', () => {
  it('match a run anywhere in the list, only where the whole pattern fits', () => {
    const modules = [new ReLU(), ...block().children(), new ReLU()];
    expect(fusionAt(modules, 0)).toBeNull();
    const found = fusionAt(modules, 1);
    expect(found?.rule.op).toBe('conv2dReluMaxPool2d');
    expect(found?.modules).toEqual(modules.slice(1, 4));
    expect(fusionAt(modules.slice(0, 3), 1)).toBeNull();
    const oneD = [new Conv1d(2, 4, 3), new ReLU(), new MaxPool1d(2)];
    expect(fusionAt(oneD, 0)?.rule.op).toBe('conv1dReluMaxPool1d');
  });

  it('each name its op, a pattern and at least the interception and anomaly tests', () => {
    expect(fusionRules.map((r) => [r.op, r.pattern.map((c) => c.name)])).toEqual([
      ['conv2dReluMaxPool2d', ['Conv2d', 'ReLU', 'MaxPool2d']],
      ['conv1dReluMaxPool1d', ['Conv1d', 'ReLU', 'MaxPool1d']],
    ]);
    for (const rule of fusionRules) expect(rule.tests.length).toBeGreaterThanOrEqual(3);
  });
});

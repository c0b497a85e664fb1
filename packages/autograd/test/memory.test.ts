import { describe, expect, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as T from '@torchlet/tensor';
import { Generator, type Tensor } from '@torchlet/tensor';
import {
  add,
  defineOp,
  matmul,
  mean,
  mul,
  noGrad,
  randn,
  relu,
  sub,
  type Node,
  type Variable,
} from '@torchlet/autograd';

// A real collector call without restarting node with --expose-gc: the flag can be set at run time,
// and a fresh context then sees the `gc` global.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Everything reachable from `root` through the graph's edges. */
function nodesOf(root: Variable): Node[] {
  const seen = new Set<Node>();
  const stack = root.gradFn ? [root.gradFn] : [];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    for (const input of node.inputs) if (input?.gradFn) stack.push(input.gradFn);
  }
  return [...seen];
}

/** A two-layer MLP regression step: x [32, 8] → 16 hidden (relu) → 4, mean squared error. */
function makeModel(g: Generator) {
  const params = {
    w1: randn([8, 16], { dtype: 'float64', generator: g, requiresGrad: true }),
    b1: randn([16], { dtype: 'float64', generator: g, requiresGrad: true }),
    w2: randn([16, 4], { dtype: 'float64', generator: g, requiresGrad: true }),
    b2: randn([4], { dtype: 'float64', generator: g, requiresGrad: true }),
  };
  for (const p of Object.values(params)) p.data = T.mul(p.data, 0.3);
  const x = T.randn([32, 8], { dtype: 'float64', generator: g });
  const target = T.tanh(T.matmul(x, T.randn([8, 4], { dtype: 'float64', generator: g })));
  const forward = () => {
    const hidden = relu(add(matmul(x, params.w1), params.b1));
    const out = add(matmul(hidden, params.w2), params.b2);
    const diff = sub(out, target);
    return { hidden, loss: mean(mul(diff, diff)) };
  };
  const step = (lr: number) => {
    const { hidden, loss } = forward();
    loss.backward();
    noGrad(() => {
      for (const p of Object.values(params)) {
        p.data = T.sub(p.data, T.mul(p.grad!, lr));
        p.grad = null;
      }
    });
    return { hidden, loss };
  };
  return { params, forward, step };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('memory: the graph is freed by backward', () => {
  it('after backward, no node of the graph holds saved tensors or edges', () => {
    const { forward } = makeModel(new Generator(1));
    const { loss } = forward();
    const nodes = nodesOf(loss);
    expect(nodes.map((n) => n.name).sort()).toEqual(['add', 'add', 'matmul', 'matmul', 'mean', 'mul', 'relu', 'sub']);
    // Each op's saved record is the one place its tensors live; releasing drops it whole.
    const holdsTensor = (v: unknown): boolean =>
      v instanceof T.Tensor ||
      (v !== null && typeof v === 'object' && Object.values(v).some((f) => f instanceof T.Tensor));
    expect(nodes.some((n) => holdsTensor(n.ctx.saved))).toBe(true);
    loss.backward();
    for (const node of nodes) {
      expect(node.released).toBe(true);
      expect(() => node.ctx.saved).toThrow(/freed/);
      expect(Object.values(node.ctx).filter(holdsTensor)).toEqual([]);
      expect(node.inputs).toEqual([]);
    }
  });

  it('retainGraph keeps the buffers for a second backward', () => {
    const { forward } = makeModel(new Generator(2));
    const { loss } = forward();
    loss.backward(undefined, { retainGraph: true });
    expect(nodesOf(loss).every((n) => !n.released)).toBe(true);
    loss.backward();
    expect(nodesOf(loss).every((n) => n.released)).toBe(true);
  });

  it('onRelease hooks run once, when backward frees the graph, and not while retainGraph keeps it', () => {
    const events: string[] = [];
    const double = defineOp({
      name: 'double',
      forward(ctx, x: Tensor): Tensor {
        ctx.onRelease(() => events.push('released'));
        return T.mul(x, 2);
      },
      backward(_ctx, gradOutput: Tensor): [Tensor] {
        events.push('backward');
        return [T.mul(gradOutput, 2)];
      },
    });
    const x = randn([3], { dtype: 'float64', generator: new Generator(4), requiresGrad: true });
    const y = mean(double(x));
    y.backward(undefined, { retainGraph: true });
    expect(events).toEqual(['backward']);
    y.backward();
    expect(events).toEqual(['backward', 'backward', 'released']);
  });

  it('onRelease hooks also run once a graph no backward freed is collected (an evaluation outside noGrad)', async () => {
    let released = 0;
    const double = defineOp({
      name: 'double',
      forward(ctx, x: Tensor): Tensor {
        ctx.onRelease(() => released++);
        return T.mul(x, 2);
      },
      backward(_ctx, gradOutput: Tensor): [Tensor] {
        return [T.mul(gradOutput, 2)];
      },
    });
    const x = randn([3], { dtype: 'float64', generator: new Generator(5), requiresGrad: true });
    for (let i = 0; i < 5; i++) mean(double(x)); // graphs built and dropped
    const kept = mean(double(x));
    kept.backward();
    expect(released).toBe(1);
    for (let i = 0; i < 3 && released < 6; i++) {
      await tick();
      gc();
      await tick();
    }
    expect(released).toBe(6);
  });

  it('1,000 training steps: old graphs and activations are collected, even with every loss kept', async () => {
    const { step } = makeModel(new Generator(3));
    const losses: Variable[] = []; // as a user logging losses would keep them
    const graphs: WeakRef<Node>[] = [];
    const activations: WeakRef<Tensor>[] = [];
    for (let i = 0; i < 1000; i++) {
      const { hidden, loss } = step(0.05);
      losses.push(loss);
      graphs.push(new WeakRef(hidden.gradFn!));
      activations.push(new WeakRef(hidden.data));
      // WeakRef targets stay alive until the current job ends; yield now and then so they can go.
      if (i % 250 === 249) await tick();
    }
    await tick();
    gc();
    await tick();
    gc();
    // The last step's values may still sit in a stack slot of this function; none before it may live.
    const live = (refs: WeakRef<object>[]) => refs.flatMap((r, i) => (r.deref() === undefined ? [] : [i]));
    expect(live(graphs).filter((i) => i < 999)).toEqual([]);
    expect(live(activations).filter((i) => i < 999)).toEqual([]);
    // And the model did train: the loss fell.
    expect(losses[999]!.item()).toBeLessThan(0.5 * losses[0]!.item());
  });

  it('the same check fails when something keeps the graph (the test can see a leak)', async () => {
    const { forward } = makeModel(new Generator(4));
    const kept: Variable[] = [];
    const graphs: WeakRef<Node>[] = [];
    for (let i = 0; i < 20; i++) {
      const { hidden, loss } = forward();
      kept.push(loss);
      graphs.push(new WeakRef(hidden.gradFn!));
      // no backward: the graph is still whole, and each loss reaches its hidden layer's node
    }
    await tick();
    gc();
    expect(graphs.filter((r) => r.deref() !== undefined).length).toBe(20);
    expect(kept.length).toBe(20);
  });
});

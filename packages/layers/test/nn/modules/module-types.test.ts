/*
 * What a forward may take and return, checked by the compiler: `pnpm typecheck` compiles this file,
 * so each `@ts-expect-error` must meet an error and each `expectTypeOf` must hold. The runtime
 * assertions check that the same programs run.
 */
import { Variable, type Variable as V } from '@torchlet/autograd';
import { Generator, randn, type Tensor } from '@torchlet/tensor';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  Conv2d,
  ConvTranspose2d,
  Dropout,
  functional as F,
  Linear,
  Module,
  ModuleList,
  ReLU,
  Sequential,
  summaryRows,
  trainEpoch,
  SGD,
  TensorDataset,
  DataLoader,
  type ForwardInputs,
  type ForwardOutput,
  type Layer,
} from '@torchlet/layers';

const g = () => new Generator(0);

/** The autoencoder: forward returns `[recon, z]`. */
class AutoEncoder extends Module<[Tensor | V], [V, V]> {
  encoder = new Conv2d(1, 4, 3, { stride: 2, padding: 1, generator: g() });
  decoder = new ConvTranspose2d(4, 1, 3, { stride: 2, padding: 1, outputPadding: 1, generator: g() });
  forward(x: Tensor | V): [V, V] {
    const z = F.relu(this.encoder.forward(x));
    return [this.decoder.forward(z), z];
  }
}

/** A forward with a non-tensor flag and an object out, declared without type arguments. */
class Flagged extends Module {
  fc = new Linear(4, 2, { generator: g() });
  forward(x: Tensor | V, returnHidden: boolean): { out: V; hidden?: V } {
    const hidden = this.fc.forward(x);
    return returnHidden ? { out: F.relu(hidden), hidden } : { out: F.relu(hidden) };
  }
}

describe('Module<In, Out>: forwards with tuples, objects and flags', () => {
  it('an autoencoder returning [recon, z] type-checks, runs, trains and summarises', () => {
    const ae = new AutoEncoder();
    const x = randn([2, 1, 8, 8], { generator: g() });
    const [recon, z] = ae.forward(x);
    expectTypeOf(ae.forward(x)).toEqualTypeOf<[V, V]>();
    expect(recon.shape).toEqual([2, 1, 8, 8]);
    expect(z.shape).toEqual([2, 4, 4, 4]);
    // trainEpoch hands the loss whatever forward returns.
    const loader = new DataLoader(new TensorDataset(x, x), { batchSize: 2 });
    const stats = trainEpoch(ae, new SGD(ae.parameters(), { lr: 0.01 }), loader, ([r]) => F.mseLoss(r, x), {
      progress: false,
    });
    expect(Number.isFinite(stats.loss)).toBe(true);
    expect(summaryRows(ae, [1, 1, 8, 8]).output).toEqual([
      [1, 1, 8, 8],
      [1, 4, 4, 4],
    ]);
  });
  it('a forward with a flag and an object result type-checks and runs', () => {
    const m = new Flagged();
    const x = randn([3, 4], { generator: g() });
    expectTypeOf(m.forward).parameters.toEqualTypeOf<[Tensor | V, boolean]>();
    expectTypeOf<ForwardInputs<Flagged>>().toEqualTypeOf<[x: Tensor | V, returnHidden: boolean]>();
    expectTypeOf<ForwardOutput<Flagged>>().toEqualTypeOf<{ out: V; hidden?: V }>();
    expect(m.forward(x, true).hidden?.shape).toEqual([3, 2]);
    expect(m.forward(x, false).hidden).toBeUndefined();
  });
  it('hooks see the module’s own input and output types', () => {
    const ae = new AutoEncoder();
    const seen: number[][] = [];
    const handle = ae.registerForwardHook((_m, [x], [recon, z]) => {
      expectTypeOf(z).toEqualTypeOf<V>();
      seen.push(x.shape.slice(), recon.shape.slice());
    });
    ae.forward(randn([1, 1, 4, 4], { generator: g() }));
    handle.remove();
    expect(seen).toEqual([
      [1, 1, 4, 4],
      [1, 1, 4, 4],
    ]);
  });
  it('Sequential stays typed: one tensor in, one Variable out, and it refuses other modules', () => {
    const seq = new Sequential(new Linear(4, 4), new ReLU(), new Dropout());
    expectTypeOf(seq.forward).returns.toEqualTypeOf<Variable>();
    expectTypeOf(seq.at(0)).toEqualTypeOf<Layer>();
    // @ts-expect-error a module returning a tuple is not a Layer
    expect(() => new Sequential(new AutoEncoder())).not.toThrow(); // (the runtime cannot know)
    // @ts-expect-error a module that needs a flag is not a Layer
    expect(() => new Sequential(new Flagged())).not.toThrow();
    // @ts-expect-error Sequential.forward takes one input
    expect(() => seq.forward(randn([1, 4]), true)).not.toThrow();
  });
  it('a ModuleList keeps the type of its modules', () => {
    const list = new ModuleList([new Conv2d(1, 1, 1), new Conv2d(1, 1, 1)]);
    expectTypeOf(list.at(0)).toEqualTypeOf<Conv2d>();
    expectTypeOf([...list]).toEqualTypeOf<Conv2d[]>();
    const y = list.at(0).forward(new Variable(randn([1, 1, 2, 2], { generator: g() })));
    expectTypeOf(y).toEqualTypeOf<Variable>();
    expect(y.shape).toEqual([1, 1, 2, 2]);
  });
});

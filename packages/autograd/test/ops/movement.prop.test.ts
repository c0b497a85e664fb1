import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@torchlet/tensor';
import { Generator, type PadMode } from '@torchlet/tensor';
import {
  concat,
  expand,
  flatten,
  gradcheck,
  indexSelect,
  narrow,
  pad,
  permute,
  reshape,
  slice,
  squeeze,
  stack,
  transpose,
  unsqueeze,
  view,
  type Variable,
} from '@torchlet/autograd';
import { arbBroadcastPair, arbShape } from '@torchlet/autograd/testing';
import { randnLeaf } from '../helpers/values.js';

const shapes = arbShape({ minRank: 1, maxSize: 36 });
const seeds = fc.integer();
const axisOf = (rank: number) => fc.integer({ min: -rank, max: rank - 1 });

/** Runs the op on the Variable and on its tensor, checks the forward agrees, then gradchecks. */
function check(x: Variable, op: (x: Variable) => Variable, plain: (x: T.Tensor) => T.Tensor): void {
  expect(op(x).data.toArray()).toEqual(plain(x.data).toArray());
  gradcheck(op, [x]);
}

describe('movement ops: forward equals the tensor op, backward matches central differences', () => {
  it('reshape and view to a permutation of the sizes, one of them -1', () => {
    const cases = shapes.chain((shape) =>
      fc.tuple(
        fc.constant(shape),
        fc.shuffledSubarray(shape, { minLength: shape.length }),
        fc.nat(shape.length - 1),
        seeds,
      ),
    );
    fc.assert(
      fc.property(cases, ([shape, target, inferred, seed]) => {
        const x = randnLeaf(shape, new Generator(seed));
        const spec = target.map((d, i) => (i === inferred ? -1 : d));
        check(
          x,
          (x) => reshape(x, spec),
          (t) => T.reshape(t, spec),
        );
        check(
          x,
          (x) => view(x, target),
          (t) => T.view(t, target),
        );
      }),
      { numRuns: 30 },
    );
  });

  it('reshape of a non-contiguous (transposed) value', () => {
    const cases = arbShape({ minRank: 2, maxSize: 36 }).chain((shape) => fc.tuple(fc.constant(shape), seeds));
    fc.assert(
      fc.property(cases, ([shape, seed]) => {
        const x = randnLeaf(shape, new Generator(seed));
        check(
          x,
          (x) => reshape(transpose(x, 0, -1), [-1]),
          (t) => T.reshape(T.transpose(t, 0, -1), [-1]),
        );
      }),
      { numRuns: 20 },
    );
  });

  it('flatten between two axes', () => {
    const cases = shapes.chain((shape) =>
      fc.tuple(fc.constant(shape), fc.nat(shape.length - 1), fc.nat(shape.length - 1), seeds),
    );
    fc.assert(
      fc.property(cases, ([shape, a, b, seed]) => {
        const x = randnLeaf(shape, new Generator(seed));
        const [start, end] = a <= b ? [a, b] : [b, a];
        check(
          x,
          (x) => flatten(x, start, end),
          (t) => T.flatten(t, start, end),
        );
      }),
      { numRuns: 30 },
    );
  });

  it('permute and transpose', () => {
    const cases = shapes.chain((shape) =>
      fc.tuple(
        fc.constant(shape),
        fc.shuffledSubarray([...shape.keys()], { minLength: shape.length }),
        axisOf(shape.length),
        axisOf(shape.length),
        seeds,
      ),
    );
    fc.assert(
      fc.property(cases, ([shape, order, d0, d1, seed]) => {
        const x = randnLeaf(shape, new Generator(seed));
        check(
          x,
          (x) => permute(x, order),
          (t) => T.permute(t, order),
        );
        check(
          x,
          (x) => transpose(x, d0, d1),
          (t) => T.transpose(t, d0, d1),
        );
      }),
      { numRuns: 30 },
    );
  });

  it('squeeze (all, or one axis) and unsqueeze', () => {
    const ones = arbShape({ minRank: 1, maxDim: 2, maxSize: 16 });
    const cases = ones.chain((shape) =>
      fc.tuple(
        fc.constant(shape),
        axisOf(shape.length),
        fc.integer({ min: -shape.length - 1, max: shape.length }),
        seeds,
      ),
    );
    fc.assert(
      fc.property(cases, ([shape, dim, at, seed]) => {
        const x = randnLeaf(shape, new Generator(seed));
        check(
          x,
          (x) => squeeze(x),
          (t) => T.squeeze(t),
        );
        check(
          x,
          (x) => squeeze(x, dim),
          (t) => T.squeeze(t, dim),
        );
        check(
          x,
          (x) => unsqueeze(x, at),
          (t) => T.unsqueeze(t, at),
        );
      }),
      { numRuns: 30 },
    );
  });

  it('expand to a broadcast shape sums the copies back', () => {
    fc.assert(
      fc.property(arbBroadcastPair({ maxSize: 24 }), seeds, ([a, b], seed) => {
        const x = randnLeaf(a, new Generator(seed));
        const target = T.broadcastShapes('test', a, b);
        check(
          x,
          (x) => expand(x, target),
          (t) => T.expand(t, target),
        );
      }),
      { numRuns: 30 },
    );
  });

  it('slice with any bounds and step; narrow', () => {
    const cases = shapes.chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        dim: axisOf(shape.length),
        start: fc.integer({ min: -6, max: 6 }),
        end: fc.option(fc.integer({ min: -6, max: 6 }), { nil: undefined }),
        step: fc.integer({ min: 1, max: 3 }),
        seed: seeds,
      }),
    );
    fc.assert(
      fc.property(cases, ({ shape, dim, start, end, step, seed }) => {
        const x = randnLeaf(shape, new Generator(seed));
        check(
          x,
          (x) => slice(x, dim, start, end, step),
          (t) => T.slice(t, dim, start, end, step),
        );
        const n = shape.at(dim)!;
        const from = Math.min(Math.abs(start), n - 1);
        const length = Math.min(step, n - from);
        check(
          x,
          (x) => narrow(x, dim, from, length),
          (t) => T.narrow(t, dim, from, length),
        );
        check(
          x,
          (x) => narrow(x, dim, -n + from, length),
          (t) => T.narrow(t, dim, -n + from, length),
        );
      }),
      { numRuns: 40 },
    );
  });

  it('pad in every mode; reflect/replicate/circular fold the border back', () => {
    const modes: PadMode[] = ['constant', 'reflect', 'replicate', 'circular'];
    const cases = arbShape({ minRank: 1, maxRank: 3, minDim: 2, maxSize: 24 }).chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        mode: fc.constantFrom(...modes),
        padded: fc.integer({ min: 1, max: shape.length }),
        fractions: fc.array(
          fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })),
          { minLength: shape.length, maxLength: shape.length },
        ),
        value: fc.double({ min: -2, max: 2, noNaN: true }),
        seed: seeds,
      }),
    );
    fc.assert(
      fc.property(cases, ({ shape, mode, padded, fractions, value, seed }) => {
        // Widths up to each mode's limit on its axis: reflect < size, circular ≤ size, others ≤ size + 1.
        const axes = shape.slice(-padded);
        const limit = (d: number) => (mode === 'reflect' ? d - 1 : mode === 'circular' ? d : d + 1);
        const padWidth = axes.map(
          (d, i) => fractions[i]!.map((f) => Math.floor(f * (limit(d) + 0.999))) as [number, number],
        );
        const x = randnLeaf(shape, new Generator(seed));
        check(
          x,
          (x) => pad(x, padWidth, { mode, value }),
          (t) => T.pad(t, padWidth, { mode, value }),
        );
      }),
      { numRuns: 60 },
    );
  });

  it('indexSelect with repeated indices adds their gradients', () => {
    const cases = shapes.chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        dim: axisOf(shape.length),
        index: fc.array(fc.nat(shape.length > 0 ? Math.max(...shape) - 1 : 0), { maxLength: 6 }),
        seed: seeds,
      }),
    );
    fc.assert(
      fc.property(cases, ({ shape, dim, index, seed }) => {
        const x = randnLeaf(shape, new Generator(seed));
        const n = shape.at(dim)!;
        const idx = T.tensor(
          index.map((i) => i % n),
          { dtype: 'int32' },
        );
        check(
          x,
          (x) => indexSelect(x, dim, idx),
          (t) => T.indexSelect(t, dim, idx),
        );
      }),
      { numRuns: 40 },
    );
  });

  it('concat and stack of 1–3 values, gradients split back to each', () => {
    const cases = shapes.chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        dim: axisOf(shape.length),
        stackDim: fc.integer({ min: -shape.length - 1, max: shape.length }),
        sizes: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
        seed: seeds,
      }),
    );
    fc.assert(
      fc.property(cases, ({ shape, dim, stackDim, sizes, seed }) => {
        const g = new Generator(seed);
        const axis = dim < 0 ? dim + shape.length : dim;
        const parts = sizes.map((s) =>
          randnLeaf(
            shape.map((d, i) => (i === axis ? s : d)),
            g,
          ),
        );
        const joined = concat(parts, dim);
        expect(joined.data.toArray()).toEqual(
          T.concat(
            parts.map((p) => p.data),
            dim,
          ).toArray(),
        );
        gradcheck((...xs) => concat(xs, dim), parts);
        const same = sizes.map(() => randnLeaf(shape, g));
        expect(stack(same, stackDim).data.toArray()).toEqual(
          T.stack(
            same.map((p) => p.data),
            stackDim,
          ).toArray(),
        );
        gradcheck((...xs) => stack(xs, stackDim), same);
      }),
      { numRuns: 30 },
    );
  });
});

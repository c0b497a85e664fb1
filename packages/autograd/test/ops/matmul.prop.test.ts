import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@torchlet/tensor';
import { Generator } from '@torchlet/tensor';
import { gradcheck, matmul, sum, Variable } from '@torchlet/autograd';
import { arbBroadcastPair } from '@torchlet/autograd/testing';
import { expectClose, randnLeaf } from '../helpers/values.js';

/** Naive triple loop over `[M, K] × [K, N]`: the oracle for one batch entry. */
function naiveProduct(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, p) => s + v * b[p]![j]!, 0)));
}

/** Operand shapes for matmul: broadcast-compatible batches (possibly none), and 1-D operands. */
const operands = fc
  .record({
    batches: arbBroadcastPair({ maxRank: 2, maxDim: 3 }),
    m: fc.integer({ min: 1, max: 3 }),
    k: fc.integer({ min: 1, max: 3 }),
    n: fc.integer({ min: 1, max: 3 }),
    aVector: fc.boolean(),
    bVector: fc.boolean(),
    seed: fc.integer(),
  })
  .map(({ batches: [batchA, batchB], m, k, n, aVector, bVector, seed }) => ({
    aShape: aVector ? [k] : [...batchA, m, k],
    bShape: bVector ? [k] : [...batchB, k, n],
    seed,
  }));

describe('matmul', () => {
  it('forward equals the tensor op; backward matches central differences, batch broadcasting included', () => {
    fc.assert(
      fc.property(operands, ({ aShape, bShape, seed }) => {
        const g = new Generator(seed);
        const a = randnLeaf(aShape, g);
        const b = randnLeaf(bShape, g);
        expect(matmul(a, b).data.toArray()).toEqual(T.matmul(a.data, b.data).toArray());
        gradcheck(matmul, [a, b]);
      }),
      { numRuns: 60 },
    );
  });

  it('2-D gradients against the naive product: dA = G·Bᵀ, dB = Aᵀ·G', () => {
    const dims = fc.tuple(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer(),
    );
    fc.assert(
      fc.property(dims, ([m, k, n, seed]) => {
        const g = new Generator(seed);
        const a = randnLeaf([m, k], g);
        const b = randnLeaf([k, n], g);
        const gradOutput = T.randn([m, n], { dtype: 'float64', generator: g });
        matmul(a, b).backward(gradOutput);
        const G = gradOutput.toArray() as number[][];
        const A = a.data.toArray() as number[][];
        const B = b.data.toArray() as number[][];
        const transposeOf = (x: number[][]) => x[0]!.map((_, j) => x.map((row) => row[j]!));
        expectClose(a.grad!, T.tensor(naiveProduct(G, transposeOf(B)), { dtype: 'float64' }), 1e-12, 1e-12);
        expectClose(b.grad!, T.tensor(naiveProduct(transposeOf(A), G), { dtype: 'float64' }), 1e-12, 1e-12);
      }),
      { numRuns: 30 },
    );
  });

  it('a weight shared by a batch gets the batch-summed gradient (the folded fast path)', () => {
    const g = new Generator(3);
    const x = randnLeaf([4, 2, 3], g);
    const w = randnLeaf([3, 5], g);
    sum(matmul(x, w)).backward();
    const perBatch = T.sum(T.matmul(T.transpose(x.data, -1, -2), T.ones([4, 2, 5], { dtype: 'float64' })), 0);
    expectClose(w.grad!, perBatch, 1e-12, 1e-12);
    expect(x.grad!.shape).toEqual([4, 2, 3]);
  });

  it('a constant operand gets no gradient and its partner still does', () => {
    const a = randnLeaf([2, 3], new Generator(4));
    const b = new Variable(T.randn([3, 2], { dtype: 'float64', generator: new Generator(5) }));
    sum(matmul(a, b)).backward();
    expect(b.grad).toBeNull();
    expect(a.grad!.shape).toEqual([2, 3]);
  });

  it('shape errors come from the tensor op, naming both shapes', () => {
    const a = randnLeaf([2, 3], new Generator(6));
    expect(() => matmul(a, randnLeaf([4, 2], new Generator(7)))).toThrow(T.ShapeError);
    expect(() => matmul(a, randnLeaf([4, 2], new Generator(7)))).toThrow(
      'matmul: inner dimensions differ: a is [2, 3], b is [4, 2]',
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as T from '@torchlet/tensor';
import {
  arbBroadcastPair,
  arbShape,
  denseOf,
  expectClose,
  refBroadcast,
  refBroadcastN,
  seededDense,
  tensorOf,
  type Dense,
} from '../helpers/reference-ops.js';

type Binary = (a: T.TensorLike, b: T.TensorLike) => T.Tensor;

const BINARY: [string, Binary, (x: number, y: number) => number][] = [
  ['add', T.add, (x, y) => x + y],
  ['sub', T.sub, (x, y) => x - y],
  ['mul', T.mul, (x, y) => x * y],
  ['div', T.div, (x, y) => x / y],
  ['pow', T.pow, (x, y) => Math.pow(Math.abs(x), y)],
  ['maximum', T.maximum, Math.max],
  ['minimum', T.minimum, Math.min],
  ['atan2', T.atan2, Math.atan2],
  ['eq', T.eq, (x, y) => Number(x === y)],
  ['ne', T.ne, (x, y) => Number(x !== y)],
  ['lt', T.lt, (x, y) => Number(x < y)],
  ['le', T.le, (x, y) => Number(x <= y)],
  ['gt', T.gt, (x, y) => Number(x > y)],
  ['ge', T.ge, (x, y) => Number(x >= y)],
];

/** Same logical values through a reversed-axes view (strided), or packed. */
function maybeStrided(d: Dense, strided: boolean): T.Tensor {
  if (!strided || d.shape.length < 2) return tensorOf(d);
  const order = [...d.shape.keys()].reverse();
  return T.permute(tensorOf(denseOf(T.permute(tensorOf(d), order))), order);
}

describe('elementwise broadcasting vs the naive reference', () => {
  it('every binary op over random broadcast-compatible shape pairs, packed or strided', () => {
    fc.assert(
      fc.property(
        arbBroadcastPair(),
        fc.integer({ min: 0, max: BINARY.length - 1 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer(),
        ([sa, sb], k, stridedA, stridedB, seed) => {
          const [, op, ref] = BINARY[k]!;
          // Integers in [-5, 5] make comparisons hit equality; pow's base is made non-negative.
          const a = seededDense(sa, seed, k === 4 ? 'normal' : 'int');
          if (k === 4) a.data = a.data.map(Math.abs);
          const b = seededDense(sb, seed + 1, 'int');
          const y = op(maybeStrided(a, stridedA), maybeStrided(b, stridedB));
          expectClose(denseOf(y), refBroadcast(a, b, ref), 1e-12, 0);
          expect(y.dtype).toBe(k >= 8 ? 'int32' : 'float64');
        },
      ),
      { numRuns: 400 },
    );
  });

  it('a plain number broadcasts as a 0-d tensor on either side', () => {
    fc.assert(
      fc.property(arbShape(), fc.double({ min: -10, max: 10, noNaN: true }), fc.integer(), (shape, s, seed) => {
        const a = seededDense(shape, seed);
        const x = tensorOf(a);
        expectClose(
          denseOf(T.sub(x, s)),
          refBroadcast(a, { shape: [], data: [s] }, (p, q) => p - q),
          0,
          0,
        );
        expectClose(
          denseOf(T.sub(s, x)),
          refBroadcast({ shape: [], data: [s] }, a, (p, q) => p - q),
          0,
          0,
        );
      }),
      { numRuns: 100 },
    );
  });

  it('where broadcasts condition and both branches', () => {
    fc.assert(
      fc.property(
        arbBroadcastPair(3),
        fc.array(fc.boolean(), { maxLength: 3 }),
        fc.integer(),
        ([sa, sb], ones, seed) => {
          const sc = sa.map((d, i) => (ones[i] ? 1 : d)); // condition broadcasts too
          const cond = seededDense(sc, seed, 'int');
          const a = seededDense(sa, seed + 1);
          const b = seededDense(sb, seed + 2);
          const expected = refBroadcastN([cond, a, b], (c, p, q) => (c !== 0 ? p! : q!));
          expectClose(denseOf(T.where(tensorOf(cond, 'int32'), tensorOf(a), tensorOf(b))), expected, 0, 0);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('unary ops on strided input match Math applied per element', () => {
    const UNARY: [(x: T.Tensor) => T.Tensor, (v: number) => number][] = [
      [T.neg, (v) => -v],
      [T.abs, Math.abs],
      [T.exp, Math.exp],
      [T.tanh, Math.tanh],
      [T.sigmoid, (v) => 1 / (1 + Math.exp(-v))],
      [T.relu, (v) => Math.max(v, 0)],
      [T.square, (v) => v * v],
      [T.sin, Math.sin],
    ];
    fc.assert(
      fc.property(
        arbShape({ minRank: 2, maxRank: 4 }),
        fc.integer({ min: 0, max: UNARY.length - 1 }),
        fc.integer(),
        (shape, k, seed) => {
          const [op, ref] = UNARY[k]!;
          const d = seededDense(shape, seed);
          expectClose(denseOf(op(maybeStrided(d, true))), { shape, data: d.data.map(ref) }, 1e-14, 1e-15);
        },
      ),
      { numRuns: 100 },
    );
  });
});

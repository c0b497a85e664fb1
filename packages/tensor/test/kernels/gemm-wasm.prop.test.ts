import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WasmGemm, type Gemm } from '@torchlet/tensor/kernels';
import { gemmErrorRatio, touchedOutsideC, type GemmCall } from '../helpers/gemm-bound.js';
import { seededArray } from '../helpers/reference-kernels.js';

// One single-threaded kernel, and one that splits every product (minParallelFlops 0) across the caller
// and two workers, so tiny shapes exercise the row and column splits and their partial last tasks.
const single = new WasmGemm({ threads: 1 });
const threaded = new WasmGemm({ threads: 3, minParallelFlops: 0 });

// Sizes straddle the 4×8 micro-tile; the wide range crosses MC = 128 rows and KC = 256 k-steps (one at a
// time, to keep the float64 oracle fast).
const small = fc.oneof(fc.integer({ min: 1, max: 13 }), fc.integer({ min: 1, max: 40 }));
const sizes = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(small, small, small) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 120, max: 140 }), small, small) },
  { weight: 1, arbitrary: fc.tuple(small, small, fc.integer({ min: 250, max: 270 })) },
  { weight: 1, arbitrary: fc.tuple(small, fc.integer({ min: 60, max: 90 }), small) },
);
const scalar = fc.oneof(fc.constantFrom(0, 1, -1), fc.double({ min: -3, max: 3, noNaN: true }));

const arbCase = fc.record({
  mnk: sizes,
  transA: fc.boolean(),
  transB: fc.boolean(),
  alpha: scalar,
  beta: scalar,
  offsets: fc.tuple(fc.nat(5), fc.nat(5), fc.nat(5)),
  pads: fc.tuple(fc.nat(9), fc.nat(9), fc.nat(9)),
  seed: fc.integer(),
});

type Case = typeof arbCase extends fc.Arbitrary<infer T> ? T : never;

function makeCall(g: Case): GemmCall {
  const [m, n, k] = g.mnk;
  const [aOffset, bOffset, cOffset] = g.offsets;
  const [aRows, aCols] = g.transA ? [k, m] : [m, k];
  const [bRows, bCols] = g.transB ? [n, k] : [k, n];
  const lda = aCols + g.pads[0];
  const ldb = bCols + g.pads[1];
  const ldc = n + g.pads[2];
  return {
    transA: g.transA,
    transB: g.transB,
    m,
    n,
    k,
    alpha: g.alpha,
    beta: g.beta,
    a: seededArray(aOffset + aRows * lda, g.seed, 'float32'),
    aOffset,
    lda,
    b: seededArray(bOffset + bRows * ldb, g.seed + 1, 'float32'),
    bOffset,
    ldb,
    c: seededArray(cOffset + m * ldc + 3, g.seed + 2, 'float32'),
    cOffset,
    ldc,
  };
}

function run(kernel: Gemm, call: GemmCall): Float32Array {
  const c = Float32Array.from(call.c);
  const { transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, cOffset, ldc } = call;
  kernel.gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
  return c;
}

describe('WasmGemm properties', () => {
  it('equals the float64 triple loop within float32 rounding (k-scaled), 1 thread and 3, any flags/offsets/ld', () => {
    fc.assert(
      fc.property(arbCase, (g) => {
        const call = makeCall(g);
        for (const kernel of [single, threaded]) {
          const c = run(kernel, call);
          expect(gemmErrorRatio(call, call.c, c)).toBeLessThanOrEqual(1);
          expect(touchedOutsideC(call.c, c, call.m, call.n, call.cOffset, call.ldc)).toEqual([]);
        }
      }),
      { numRuns: 120 },
    );
  });

  it('gives bit-identical results for 1 and 3 threads, and on a repeated call', () => {
    fc.assert(
      fc.property(arbCase, (g) => {
        const call = makeCall(g);
        const one = run(single, call);
        const three = run(threaded, call);
        const again = run(threaded, call);
        expect(new Uint32Array(three.buffer)).toEqual(new Uint32Array(one.buffer));
        expect(new Uint32Array(again.buffer)).toEqual(new Uint32Array(one.buffer));
      }),
      { numRuns: 80 },
    );
  });
});

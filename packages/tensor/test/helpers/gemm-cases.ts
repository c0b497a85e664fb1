// Random GEMM calls for the kernel property tests: every flag, offsets, padded leading dimensions,
// alpha and beta (0, ±1 and arbitrary), over sizes each test picks around its kernel's blocks.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Gemm } from '@torchlet/tensor/kernels';
import { gemmErrorRatio, touchedOutsideC, type GemmCall } from './gemm-bound.js';
import { seededArray } from './reference-kernels.js';

/** Sizes up to 40, biased to the smallest (edge tiles). */
export const smallSize = fc.oneof(fc.integer({ min: 1, max: 13 }), fc.integer({ min: 1, max: 40 }));

const scalar = fc.oneof(fc.constantFrom(0, 1, -1), fc.double({ min: -3, max: 3, noNaN: true }));

/** A GEMM case over `[m, n, k]` drawn from `mnk`, in one of `dtypes`. */
export function arbGemmCase(
  mnk: fc.Arbitrary<[number, number, number]>,
  dtypes: readonly ('float32' | 'float64')[] = ['float32'],
) {
  return fc.record({
    mnk,
    transA: fc.boolean(),
    transB: fc.boolean(),
    alpha: scalar,
    beta: scalar,
    offsets: fc.tuple(fc.nat(5), fc.nat(5), fc.nat(5)),
    pads: fc.tuple(fc.nat(9), fc.nat(9), fc.nat(9)),
    seed: fc.integer(),
    dtype: fc.constantFrom(...dtypes),
  });
}

export type GemmCase = ReturnType<typeof arbGemmCase> extends fc.Arbitrary<infer T> ? T : never;

/** The call a case describes, with seeded operands (C holds 3 more elements past its last row). */
export function makeGemmCall(g: GemmCase): GemmCall {
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
    a: seededArray(aOffset + aRows * lda, g.seed, g.dtype),
    aOffset,
    lda,
    b: seededArray(bOffset + bRows * ldb, g.seed + 1, g.dtype),
    bOffset,
    ldb,
    c: seededArray(cOffset + m * ldc + 3, g.seed + 2, g.dtype),
    cOffset,
    ldc,
  };
}

/** C after `kernel` runs `call` on a copy of its C. */
export function runGemm(kernel: Gemm, call: GemmCall): Float32Array | Float64Array {
  const c = call.c.slice();
  const { transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, cOffset, ldc } = call;
  kernel.gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
  return c;
}

/** What `describeGemmProperties` checks a kernel with. */
export interface GemmPropertyOptions {
  /** One single-threaded kernel, and one that splits every product (tiny shapes too) over 3 threads. */
  single: Gemm;
  threaded: Gemm;
  /** Rows, columns and k-steps of the wide cases, crossing the kernel's blocks one at a time. */
  wide: { m: [number, number]; n: [number, number]; k: [number, number] };
  dtypes: readonly ('float32' | 'float64')[];
  runs: { rounding: number; bits: number };
}

/**
 * The two properties every GEMM backend must have: within rounding of the float64 triple loop (C's
 * gaps untouched) on 1 thread and 3, and the same bits for 1 and 3 threads and on a repeated call.
 */
export function describeGemmProperties(title: string, o: GemmPropertyOptions): void {
  const int = ([min, max]: [number, number]) => fc.integer({ min, max });
  const s = smallSize;
  const arbCase = arbGemmCase(
    fc.oneof(
      { weight: 4, arbitrary: fc.tuple(s, s, s) },
      { weight: 1, arbitrary: fc.tuple(int(o.wide.m), s, s) },
      { weight: 1, arbitrary: fc.tuple(s, s, int(o.wide.k)) },
      { weight: 1, arbitrary: fc.tuple(s, int(o.wide.n), s) },
    ),
    o.dtypes,
  );
  describe(title, () => {
    it('equals the float64 triple loop within rounding (k-scaled), 1 thread and 3, any flags/offsets/ld', () => {
      fc.assert(
        fc.property(arbCase, (g) => {
          const call = makeGemmCall(g);
          for (const kernel of [o.single, o.threaded]) {
            const c = runGemm(kernel, call);
            expect(gemmErrorRatio(call, call.c, c)).toBeLessThanOrEqual(1);
            expect(touchedOutsideC(call.c, c, call.m, call.n, call.cOffset, call.ldc)).toEqual([]);
          }
        }),
        { numRuns: o.runs.rounding },
      );
    });

    it('gives bit-identical results for 1 and 3 threads, and on a repeated call', () => {
      fc.assert(
        fc.property(arbCase, (g) => {
          const call = makeGemmCall(g);
          const one = runGemm(o.single, call);
          const three = runGemm(o.threaded, call);
          const again = runGemm(o.threaded, call);
          expect(new Uint8Array(three.buffer)).toEqual(new Uint8Array(one.buffer));
          expect(new Uint8Array(again.buffer)).toEqual(new Uint8Array(one.buffer));
        }),
        { numRuns: o.runs.bits },
      );
    });
  });
}

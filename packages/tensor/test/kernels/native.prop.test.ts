import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getBackendInfo, jsGemm, NativeGemm, type Gemm } from '@torchlet/tensor/kernels';
import { gemmErrorRatio, touchedOutsideC, type GemmCall } from '../helpers/gemm-bound.js';
import { naiveGemm, seededArray } from '../helpers/reference-kernels.js';

// The native backend against the references, where its addon loaded (native.test.ts checks that it
// does wherever a C++ compiler exists). One single-threaded kernel, and one that splits every product
// (minParallelFlops 0) over the caller and two workers, so tiny shapes exercise partial tasks.
const available = getBackendInfo().native;
const single = available ? new NativeGemm({ threads: 1 }) : null;
const threaded = available ? new NativeGemm({ threads: 3, minParallelFlops: 0 }) : null;

// Sizes straddle the micro-tiles (8×32 float32 / 8×16 float64 on AVX-512, 6×16 / 6×8 on AVX); the wide
// ones cross KC = 256 k-steps and MC row blocks (96 or 96 rows).
const small = fc.oneof(fc.integer({ min: 1, max: 13 }), fc.integer({ min: 1, max: 40 }));
const sizes = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(small, small, small) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 90, max: 200 }), small, small) },
  { weight: 1, arbitrary: fc.tuple(small, small, fc.integer({ min: 250, max: 530 })) },
  { weight: 1, arbitrary: fc.tuple(small, fc.integer({ min: 60, max: 140 }), small) },
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
  dtype: fc.constantFrom('float32' as const, 'float64' as const),
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

function run(kernel: Gemm, call: GemmCall): Float32Array | Float64Array {
  const c = call.c.slice();
  const { transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, cOffset, ldc } = call;
  kernel.gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
  return c;
}

/** The largest |actual − exact| relative to Σ|terms| over C: float64 rounding is ~k·2⁻⁵³ of that. */
function float64ErrorRatio(call: GemmCall, actual: Float64Array): number {
  const { transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, cOffset, ldc } = call;
  const exact = Float64Array.from(call.c);
  naiveGemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, exact, cOffset, ldc);
  const size = Float64Array.from(call.c, Math.abs);
  const absA = Float64Array.from(a, Math.abs);
  const absB = Float64Array.from(b, Math.abs);
  naiveGemm(
    transA,
    transB,
    m,
    n,
    k,
    Math.abs(alpha),
    absA,
    aOffset,
    lda,
    absB,
    bOffset,
    ldb,
    Math.abs(beta),
    size,
    cOffset,
    ldc,
  );
  let worst = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const at = cOffset + i * ldc + j;
      const bound = (k + 4) * 2 ** -52 * size[at]! + 1e-300;
      worst = Math.max(worst, Math.abs(actual[at]! - exact[at]!) / bound);
    }
  }
  return worst;
}

describe.runIf(available)('NativeGemm properties', () => {
  it('equals the float64 triple loop within rounding (k-scaled), float32 and float64, 1 thread and 3, any flags/offsets/ld', () => {
    fc.assert(
      fc.property(arbCase, (g) => {
        const call = makeCall(g);
        for (const kernel of [single!, threaded!]) {
          const c = run(kernel, call);
          const ratio = c instanceof Float64Array ? float64ErrorRatio(call, c) : gemmErrorRatio(call, call.c, c);
          expect(ratio).toBeLessThanOrEqual(1);
          expect(touchedOutsideC(call.c, c, call.m, call.n, call.cOffset, call.ldc)).toEqual([]);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('gives bit-identical results for 1 and 3 threads, and on a repeated call', () => {
    fc.assert(
      fc.property(arbCase, (g) => {
        const call = makeCall(g);
        const one = run(single!, call);
        const three = run(threaded!, call);
        const again = run(threaded!, call);
        expect(new Uint8Array(three.buffer)).toEqual(new Uint8Array(one.buffer));
        expect(new Uint8Array(again.buffer)).toEqual(new Uint8Array(one.buffer));
      }),
      { numRuns: 80 },
    );
  });

  it('agrees with the JS kernel on a product large enough for every block (MB rows, KC steps, NC columns)', () => {
    // 3100 rows cross MB (the rows of A packed at once), 300 k-steps KC = 256, 4200 columns NC = 4096.
    for (const [m, k, n] of [
      [3100, 300, 20],
      [20, 300, 4200],
    ] as const) {
      const a = seededArray(m * k, 1, 'float32') as Float32Array;
      const b = seededArray(k * n, 2, 'float32') as Float32Array;
      const call: GemmCall = {
        transA: false,
        transB: false,
        m,
        n,
        k,
        alpha: 1,
        beta: 0,
        a,
        aOffset: 0,
        lda: k,
        b,
        bOffset: 0,
        ldb: n,
        c: new Float32Array(m * n),
        cOffset: 0,
        ldc: n,
      };
      const one = run(single!, call);
      expect(gemmErrorRatio(call, call.c, one)).toBeLessThanOrEqual(1);
      expect(new Uint8Array(run(threaded!, call).buffer)).toEqual(new Uint8Array(one.buffer));
    }
  });

  it('runs mixed float32/float64 operands on the JS kernel, bit for bit', () => {
    const a = seededArray(12, 3, 'float32');
    const b = seededArray(12, 4, 'float64');
    const viaNative = new Float64Array(9);
    const viaJs = new Float64Array(9);
    single!.gemm(false, false, 3, 3, 4, 1, a, 0, 4, b, 0, 3, 0, viaNative, 0, 3);
    jsGemm.gemm(false, false, 3, 3, 4, 1, a, 0, 4, b, 0, 3, 0, viaJs, 0, 3);
    expect(Array.from(viaNative)).toEqual(Array.from(viaJs));
  });
});

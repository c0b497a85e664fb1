import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gemmJs, jsGemm } from '@torchlet/tensor/kernels';
import { arbGemmCase, makeGemmCall, runGemm } from '../helpers/gemm-cases.js';
import { maxRelError, naiveGemm, seededArray } from '../helpers/reference-kernels.js';

// Sizes straddle the 4×8 micro-tile and reach past MC = 64 rows; 1 exercises the matrix-vector path.
const size = fc.oneof(fc.integer({ min: 0, max: 13 }), fc.integer({ min: 1, max: 70 }));
const scalar = fc.oneof(fc.constantFrom(0, 1, -1), fc.double({ min: -3, max: 3, noNaN: true }));

const arbCase = arbGemmCase(fc.tuple(size, size, size), ['float64', 'float32']);

describe('gemm properties', () => {
  it('equals the triple loop for any flags, alpha/beta, offsets and leading dimensions', () => {
    fc.assert(
      fc.property(arbCase, (g) => {
        const call = makeGemmCall(g);
        const { m, n, k, transA, transB, alpha, beta, a, aOffset, lda, b, bOffset, ldb, cOffset, ldc } = call;
        const c = runGemm(jsGemm, call);
        const want = Float64Array.from(call.c);
        naiveGemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, want, cOffset, ldc);
        const dtype = g.dtype;
        if (dtype === 'float32') want.set(Float32Array.from(want));
        // float64 agrees to rounding; float32 stores each result once rounded, after double accumulation.
        const tol = dtype === 'float64' ? 1e-12 : 1e-6;
        expect(maxRelError(c, want)).toBeLessThan(tol);
      }),
      { numRuns: 100 },
    );
  });

  it('is linear: gemm(alpha, beta) equals alpha·AB + beta·C assembled from two calls', () => {
    fc.assert(
      fc.property(size, size, size, scalar, scalar, fc.integer(), (m, n, k, alpha, beta, seed) => {
        const a = seededArray(m * k, seed);
        const b = seededArray(k * n, seed + 1);
        const c0 = seededArray(m * n, seed + 2);
        const direct = Float64Array.from(c0);
        gemmJs(false, false, m, n, k, alpha, a, 0, k, b, 0, n, beta, direct, 0, n);
        const product = new Float64Array(m * n);
        gemmJs(false, false, m, n, k, 1, a, 0, k, b, 0, n, 0, product, 0, n);
        const assembled = product.map((v, i) => alpha * v + beta * c0[i]!);
        expect(maxRelError(direct, assembled)).toBeLessThan(1e-12);
      }),
      { numRuns: 60 },
    );
  });
});

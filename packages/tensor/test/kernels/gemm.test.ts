import { describe, expect, it } from 'vitest';
import { gemmJs, jsGemm } from '@torchlet/tensor/kernels';
import { maxRelError, naiveGemm, seededArray } from '../helpers/reference-kernels.js';

describe('gemm', () => {
  it('multiplies a worked 2×3 by 3×2 example exactly', () => {
    const a = new Float64Array([1, 2, 3, 4, 5, 6]);
    const b = new Float64Array([7, 8, 9, 10, 11, 12]);
    const c = new Float64Array(4);
    gemmJs(false, false, 2, 2, 3, 1, a, 0, 3, b, 0, 2, 0, c, 0, 2);
    expect(Array.from(c)).toEqual([58, 64, 139, 154]);
  });

  it('reads transposed storage when asked: op(A) = Aᵀ, op(B) = Bᵀ', () => {
    // A stored [3, 2] = [[1, 4], [2, 5], [3, 6]] is the transpose of [[1, 2, 3], [4, 5, 6]].
    const a = new Float64Array([1, 4, 2, 5, 3, 6]);
    // B stored [2, 3] = [[7, 9, 11], [8, 10, 12]] is the transpose of [[7, 8], [9, 10], [11, 12]].
    const b = new Float64Array([7, 9, 11, 8, 10, 12]);
    const c = new Float64Array(4);
    gemmJs(true, true, 2, 2, 3, 1, a, 0, 2, b, 0, 3, 0, c, 0, 2);
    expect(Array.from(c)).toEqual([58, 64, 139, 154]);
  });

  it('beta = 0 overwrites C without reading it, so old NaNs vanish (packed and matrix-vector paths)', () => {
    for (const [m, n, k] of [
      [9, 11, 5],
      [1, 7, 4],
      [6, 1, 4],
    ] as const) {
      const a = seededArray(m * k, 1);
      const b = seededArray(k * n, 2);
      const c = new Float64Array(m * n).fill(NaN);
      gemmJs(false, false, m, n, k, 1, a, 0, k, b, 0, n, 0, c, 0, n);
      const want = new Float64Array(m * n);
      naiveGemm(false, false, m, n, k, 1, a, 0, k, b, 0, n, 0, want, 0, n);
      expect(maxRelError(c, want)).toBeLessThan(1e-14);
    }
  });

  it('alpha = 0 scales C by beta and never reads A or B', () => {
    const a = new Float64Array(6).fill(NaN);
    const b = new Float64Array(6).fill(NaN);
    const c = new Float64Array([1, 2, 3, 4]);
    gemmJs(false, false, 2, 2, 3, 0, a, 0, 3, b, 0, 2, 0.5, c, 0, 2);
    expect(Array.from(c)).toEqual([0.5, 1, 1.5, 2]);
  });

  it('k = 0 gives beta·C, zeros for beta = 0 even over NaN', () => {
    const empty = new Float64Array(0);
    const c = new Float64Array([1, NaN, 3, 4]);
    gemmJs(false, false, 2, 2, 0, 1, empty, 0, 0, empty, 0, 2, 0, c, 0, 2);
    expect(Array.from(c)).toEqual([0, 0, 0, 0]);
    const d = new Float64Array([1, 2, 3, 4]);
    gemmJs(false, false, 2, 2, 0, 1, empty, 0, 0, empty, 0, 2, 2, d, 0, 2);
    expect(Array.from(d)).toEqual([2, 4, 6, 8]);
  });

  it('m = 0 or n = 0 writes nothing', () => {
    const a = seededArray(12, 3);
    const c = new Float64Array([7, 7, 7]);
    gemmJs(false, false, 0, 3, 4, 1, a, 0, 4, a, 0, 3, 0, c, 0, 3);
    gemmJs(false, false, 3, 0, 4, 1, a, 0, 4, a, 0, 0, 0, c, 0, 1);
    expect(Array.from(c)).toEqual([7, 7, 7]);
  });

  it('crosses every blocking boundary (m > MC, n > NC, k > KC) and matches the triple loop', () => {
    // 70 > MC = 64 rows, 530 > NC = 512 columns, 300 > KC = 256 depth, none a multiple of the 4×8 tile.
    const [m, n, k] = [70, 530, 300];
    for (const [transA, transB] of [
      [false, false],
      [true, true],
    ] as const) {
      const a = seededArray(m * k, 4);
      const b = seededArray(k * n, 5);
      const c = seededArray(m * n, 6);
      const want = Float64Array.from(c);
      const lda = transA ? m : k;
      const ldb = transB ? k : n;
      gemmJs(transA, transB, m, n, k, 0.75, a, 0, lda, b, 0, ldb, -0.5, c, 0, n);
      naiveGemm(transA, transB, m, n, k, 0.75, a, 0, lda, b, 0, ldb, -0.5, want, 0, n);
      expect(maxRelError(c, want)).toBeLessThan(1e-12);
    }
  });

  it('float32 storage: accumulates in doubles and rounds once on store', () => {
    const k = 1000;
    // Σ (1 + 2⁻¹²)·1 over 1000 terms: float32 accumulation would drift, double accumulation does not.
    const a = new Float32Array(k * 2).fill(1 + 2 ** -12);
    const b = new Float32Array(k * 2).fill(1);
    const c = new Float32Array(4);
    gemmJs(false, false, 2, 2, k, 1, a, 0, k, b, 0, 2, 0, c, 0, 2);
    expect(Array.from(c)).toEqual(new Array(4).fill(Math.fround(k * (1 + 2 ** -12))));
  });

  it('respects offsets and leading dimensions and leaves the rest of C alone', () => {
    const [m, n, k] = [5, 9, 7];
    const a = seededArray(3 + m * 10, 7);
    const b = seededArray(2 + k * 12, 8);
    const c = new Float64Array(4 + m * 11).fill(-1);
    const want = Float64Array.from(c);
    gemmJs(false, false, m, n, k, 1, a, 3, 10, b, 2, 12, 1, c, 4, 11);
    naiveGemm(false, false, m, n, k, 1, a, 3, 10, b, 2, 12, 1, want, 4, 11);
    expect(maxRelError(c, want)).toBeLessThan(1e-14);
    // Untouched: everything outside the m×n window (the ld gap columns and the head).
    for (let i = 0; i < 4; i++) expect(c[i]).toBe(-1);
    for (let r = 0; r < m; r++)
      for (let j = n; j < 11 && 4 + r * 11 + j < c.length; j++) expect(c[4 + r * 11 + j]).toBe(-1);
  });

  it('a leading dimension of 0 repeats one row (a broadcast operand)', () => {
    const a = new Float64Array([1, 2, 3]);
    const b = seededArray(3 * 9, 9);
    const c = new Float64Array(4 * 9);
    gemmJs(false, false, 4, 9, 3, 1, a, 0, 0, b, 0, 9, 0, c, 0, 9);
    const row = new Float64Array(9);
    naiveGemm(false, false, 1, 9, 3, 1, a, 0, 3, b, 0, 9, 0, row, 0, 9);
    for (let i = 0; i < 4; i++) expect(maxRelError(c.subarray(i * 9, i * 9 + 9), row)).toBeLessThan(1e-15);
  });

  it('is exposed as the Gemm named "js"', () => {
    expect(jsGemm.name).toBe('js');
    expect(jsGemm.gemm).toBe(gemmJs);
  });
});

describe('gemm errors', () => {
  const a = new Float64Array(12);
  const b = new Float64Array(12);
  const c = new Float64Array(9);

  it('a matrix that runs past the end of its array (RangeError naming the array and layout)', () => {
    const f = () => gemmJs(false, false, 3, 3, 4, 1, a, 1, 4, b, 0, 3, 0, c, 0, 3);
    expect(f).toThrow(RangeError);
    expect(f).toThrow(
      'gemm: a holds 12 elements, but op(A) [3, 4] with transA=false, lda=4, aOffset=1 reads up to index 12',
    );
    expect(() => gemmJs(false, true, 3, 3, 4, 1, a, 0, 4, b, 0, 5, 0, c, 0, 3)).toThrow(
      'gemm: b holds 12 elements, but op(B) [4, 3] with transB=true, ldb=5, bOffset=0 reads up to index 13',
    );
    expect(() => gemmJs(false, false, 3, 3, 4, 1, a, 0, 4, b, 0, 3, 0, c, 0, 4)).toThrow(
      'gemm: c holds 9 elements, but C [3, 3] with ldc=4, cOffset=0 reaches index 10',
    );
  });

  it('negative or fractional sizes, offsets and leading dimensions', () => {
    expect(() => gemmJs(false, false, -1, 3, 4, 1, a, 0, 4, b, 0, 3, 0, c, 0, 3)).toThrow(RangeError);
    expect(() => gemmJs(false, false, -1, 3, 4, 1, a, 0, 4, b, 0, 3, 0, c, 0, 3)).toThrow(
      'gemm: m must be >= 0, got -1',
    );
    expect(() => gemmJs(false, false, 3, 3, 4, 1, a, 0, 4, b, 0, 3, 0, c, 0.5, 3)).toThrow(TypeError);
    expect(() => gemmJs(false, false, 3, 3, 4, 1, a, 0, 4, b, 0, 3, 0, c, 0.5, 3)).toThrow(
      'gemm: cOffset must be an integer, got 0.5',
    );
    expect(() => gemmJs(false, false, 3, 3, 4, 1, a, 0, 4, b, 0, -3, 0, c, 0, 3)).toThrow(
      'gemm: ldb must be >= 0, got -3',
    );
  });
});

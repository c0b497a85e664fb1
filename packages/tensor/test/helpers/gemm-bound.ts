// The float32 GEMM oracle: the float64 triple loop plus a per-element rounding bound, because a float32
// kernel (the WASM one) accumulates in float32 and cannot match the reference to a fixed relative error.
import type { GemmBatchCall } from '@torchlet/tensor/kernels';
import { naiveGemm } from './reference-kernels.js';

type F = Float32Array | Float64Array;

/** One GEMM call's arguments, as the Gemm interface takes them: a batch call without the batch. */
export type GemmCall = Omit<GemmBatchCall, 'strideA' | 'strideB' | 'strideC' | 'count' | 'chain'>;

/**
 * The largest |actual − exact| / bound over C, where exact is the float64 product of the float32
 * inputs and bound = (k + 4)·2⁻²³·(|alpha|·Σp |A(i,p)·B(p,j)| + |beta·C(i,j)|) + 1e-30: twice the
 * textbook bound for k float32 additions, the alpha and beta products and the final sum.
 * A result ≤ 1 is within float32 rounding; storage outside C (between rows, before the offset) must be
 * untouched, which the caller checks separately. `before` is C before the call.
 */
export function gemmErrorRatio(call: GemmCall, before: F, actual: F): number {
  // float64 results (the native kernel's) get the same bound with float64's rounding unit.
  const [unit, tiny] = actual instanceof Float64Array ? [2 ** -52, 1e-300] : [2 ** -23, 1e-30];
  const { transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, cOffset, ldc } = call;
  const exact = Float64Array.from(before);
  naiveGemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, exact, cOffset, ldc);
  const absA = Float64Array.from(a, Math.abs);
  const absB = Float64Array.from(b, Math.abs);
  const magnitude = Float64Array.from(before, Math.abs);
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
    magnitude,
    cOffset,
    ldc,
  );
  let worst = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const at = cOffset + i * ldc + j;
      const bound = (k + 4) * unit * magnitude[at]! + tiny;
      const ratio = Math.abs(actual[at]! - exact[at]!) / bound;
      worst = Math.max(worst, Number.isNaN(ratio) ? Infinity : ratio);
    }
  }
  return worst;
}

/** Indices of `before`/`after` outside the m×n block of C (offset, row gaps, tail) that changed. */
export function touchedOutsideC(before: F, after: F, m: number, n: number, cOffset: number, ldc: number): number[] {
  const inside = new Uint8Array(before.length);
  for (let i = 0; i < m; i++) inside.fill(1, cOffset + i * ldc, cOffset + i * ldc + n);
  const changed: number[] = [];
  for (let e = 0; e < before.length; e++) if (!inside[e] && !Object.is(before[e], after[e])) changed.push(e);
  return changed;
}

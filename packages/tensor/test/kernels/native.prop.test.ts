import { describe, expect, it } from 'vitest';
import { getBackendInfo, jsGemm, NativeGemm } from '@torchlet/tensor/kernels';
import { gemmErrorRatio, type GemmCall } from '../helpers/gemm-bound.js';
import { describeGemmProperties, runGemm } from '../helpers/gemm-cases.js';
import { seededArray } from '../helpers/reference-kernels.js';

// The native backend against the references, where its addon loaded (native.test.ts checks that it
// does wherever a C++ compiler exists). One single-threaded kernel, and one that splits every product
// (minParallelFlops 0) over the caller and two workers, so tiny shapes exercise partial tasks.
const available = getBackendInfo().native;
const single = available ? new NativeGemm({ threads: 1 }) : null;
const threaded = available ? new NativeGemm({ threads: 3, minParallelFlops: 0 }) : null;

// Sizes straddle the micro-tiles (8×32 float32 / 8×16 float64 on AVX-512, 6×16 / 6×8 on AVX); the wide
// ones cross KC = 256 k-steps and MC row blocks (96 rows).
if (available) {
  describeGemmProperties('NativeGemm properties', {
    single: single!,
    threaded: threaded!,
    wide: { m: [90, 200], n: [60, 140], k: [250, 530] },
    dtypes: ['float32', 'float64'],
    runs: { rounding: 150, bits: 80 },
  });
}

describe.runIf(available)('NativeGemm on large and mixed operands', () => {
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
      const one = runGemm(single!, call);
      expect(gemmErrorRatio(call, call.c, one)).toBeLessThanOrEqual(1);
      expect(new Uint8Array(runGemm(threaded!, call).buffer)).toEqual(new Uint8Array(one.buffer));
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

import { WasmGemm } from '@torchlet/tensor/kernels';
import { describeGemmProperties } from '../helpers/gemm-cases.js';

// The single-threaded kernel, and one that splits every product (minParallelFlops 0) across the caller
// and two workers, so tiny shapes exercise the row and column splits and their partial last tasks.
// Sizes straddle the 4×8 micro-tile; the wide ones cross MC = 128 rows and KC = 256 k-steps (one at a
// time, to keep the float64 oracle fast).
describeGemmProperties('WasmGemm properties', {
  single: new WasmGemm({ threads: 1 }),
  threaded: new WasmGemm({ threads: 3, minParallelFlops: 0 }),
  wide: { m: [120, 140], n: [60, 90], k: [250, 270] },
  dtypes: ['float32'],
  runs: { rounding: 120, bits: 80 },
});

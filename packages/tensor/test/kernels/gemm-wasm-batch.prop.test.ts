import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WasmGemm } from '@torchlet/tensor/kernels';
import { seededArray } from '../helpers/reference-kernels.js';
import { until } from '../helpers/until.js';

// The reference is the plain `gemm`, one product at a time on one thread; the batch must give its bits
// on 1 thread and on 3 (minParallelFlops 0: every batch is spread over the caller and two workers).
const single = new WasmGemm({ threads: 1 });
const threaded = new WasmGemm({ threads: 3, minParallelFlops: 0 });

const small = fc.integer({ min: 1, max: 20 });
const arbCase = fc.record({
  mnk: fc.oneof(
    { weight: 4, arbitrary: fc.tuple(small, small, small) },
    {
      weight: 1,
      arbitrary: fc.tuple(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 30, max: 90 }),
        fc.integer({ min: 250, max: 270 }),
      ),
    },
  ),
  count: fc.integer({ min: 1, max: 9 }),
  transA: fc.boolean(),
  transB: fc.boolean(),
  chain: fc.boolean(),
  // 0 repeats one operand for every product (a conv weight); a positive extra leaves gaps between them.
  sharedA: fc.boolean(),
  gaps: fc.tuple(fc.nat(7), fc.nat(7), fc.nat(7)),
  pads: fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3)),
  offsets: fc.tuple(fc.nat(4), fc.nat(4), fc.nat(4)),
  alpha: fc.constantFrom(1, -0.5, 2),
  beta: fc.constantFrom(0, 1, 0.5),
  resident: fc.constantFrom('none', 'b', 'abc'),
  seed: fc.integer(),
});
type Case = typeof arbCase extends fc.Arbitrary<infer T> ? T : never;

function layout(g: Case) {
  const [m, n, k] = g.mnk;
  const [aRows, aCols] = g.transA ? [k, m] : [m, k];
  const [bRows, bCols] = g.transB ? [n, k] : [k, n];
  const lda = aCols + g.pads[0];
  const ldb = bCols + g.pads[1];
  const ldc = n + g.pads[2];
  const strideA = g.sharedA ? 0 : aRows * lda + g.gaps[0];
  const strideB = bRows * ldb + g.gaps[1];
  const strideC = g.chain ? 0 : m * ldc + g.gaps[2];
  const [aOffset, bOffset, cOffset] = g.offsets;
  const length = (offset: number, stride: number, rows: number, ld: number) =>
    offset + (g.count - 1) * stride + rows * ld + 2;
  return {
    m,
    n,
    k,
    lda,
    ldb,
    ldc,
    strideA,
    strideB,
    strideC,
    aOffset,
    bOffset,
    cOffset,
    aLength: length(aOffset, strideA, aRows, lda),
    bLength: length(bOffset, strideB, bRows, ldb),
    cLength: length(cOffset, strideC, m, ldc),
  };
}

function place(kernel: WasmGemm, data: Float32Array, resident: boolean): Float32Array {
  const array = resident ? kernel.residentArray(data.length) : null;
  if (array === null) return Float32Array.from(data);
  array.set(data);
  return array;
}

/** The batch through `gemmBatch` on `kernel`, with the chosen operands resident. */
function batched(kernel: WasmGemm, g: Case): Float32Array {
  const l = layout(g);
  const a = place(kernel, seededArray(l.aLength, g.seed, 'float32') as Float32Array, g.resident === 'abc');
  const b = place(kernel, seededArray(l.bLength, g.seed + 1, 'float32') as Float32Array, g.resident !== 'none');
  const c = place(kernel, seededArray(l.cLength, g.seed + 2, 'float32') as Float32Array, g.resident === 'abc');
  kernel.gemmBatch({
    transA: g.transA,
    transB: g.transB,
    m: l.m,
    n: l.n,
    k: l.k,
    alpha: g.alpha,
    a,
    aOffset: l.aOffset,
    lda: l.lda,
    strideA: l.strideA,
    b,
    bOffset: l.bOffset,
    ldb: l.ldb,
    strideB: l.strideB,
    beta: g.beta,
    c,
    cOffset: l.cOffset,
    ldc: l.ldc,
    strideC: l.strideC,
    count: g.count,
    chain: g.chain,
  });
  return Float32Array.from(c);
}

/** The same products by one `gemm` call each, in order, on one thread. */
function oneByOne(g: Case): Float32Array {
  const l = layout(g);
  const a = seededArray(l.aLength, g.seed, 'float32') as Float32Array;
  const b = seededArray(l.bLength, g.seed + 1, 'float32') as Float32Array;
  const c = Float32Array.from(seededArray(l.cLength, g.seed + 2, 'float32'));
  for (let s = 0; s < g.count; s++) {
    single.gemm(
      g.transA,
      g.transB,
      l.m,
      l.n,
      l.k,
      g.alpha,
      a,
      l.aOffset + s * l.strideA,
      l.lda,
      b,
      l.bOffset + s * l.strideB,
      l.ldb,
      g.chain && s > 0 ? 1 : g.beta,
      c,
      l.cOffset + s * l.strideC,
      l.ldc,
    );
  }
  return c;
}

describe('WasmGemm.gemmBatch properties', () => {
  it('gives the bits of one gemm per product on 1 thread and on 3, chained or not, resident or not, gaps untouched', () => {
    fc.assert(
      fc.property(arbCase, (g) => {
        const expected = oneByOne(g);
        expect(batched(single, g)).toEqual(expected);
        expect(batched(threaded, g)).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });

  it('spreads a large enough batch over the workers', async () => {
    const kernel = new WasmGemm({ threads: 2, minParallelFlops: 0 });
    const before = kernel.workerTasks();
    const g: Case = {
      mnk: [16, 100, 150],
      count: 64,
      transA: false,
      transB: false,
      chain: false,
      sharedA: true,
      gaps: [0, 0, 0],
      pads: [0, 0, 0],
      offsets: [0, 0, 0],
      alpha: 1,
      beta: 0,
      resident: 'b',
      seed: 5,
    };
    const want = oneByOne(g);
    // The workers start lazily at the first batch; keep offering batches until one has taken part.
    const tookPart = await until(
      () => kernel.workerTasks() > before,
      () => expect(batched(kernel, g)).toEqual(want),
    );
    expect(tookPart).toBe(true);
  });

  it('runs float64 operands one by one on the JS kernel', () => {
    const a = Float64Array.from([1, 2, 3, 4]);
    const b = Float64Array.from([1, 0, 0, 1, 2, 0, 0, 2]);
    const c = new Float64Array(8);
    // two 2×2 products: A · I and A · 2I
    const batch = { transA: false, transB: false, m: 2, n: 2, k: 2, alpha: 1, a, aOffset: 0, lda: 2, strideA: 0 };
    const operands = { ...batch, b, bOffset: 0, ldb: 2, strideB: 4, beta: 0, cOffset: 0, ldc: 2, count: 2 };
    single.gemmBatch({ ...operands, c, strideC: 4, chain: false });
    expect(Array.from(c)).toEqual([1, 2, 3, 4, 2, 4, 6, 8]);
    const sum = new Float64Array(4);
    single.gemmBatch({ ...operands, c: sum, strideC: 0, chain: true });
    expect(Array.from(sum)).toEqual([3, 6, 9, 12]);
  });
});

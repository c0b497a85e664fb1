import { describe, expect, it } from 'vitest';
import { gemmJs, WasmGemm, type Gemm } from '@torchlet/tensor/kernels';
import { gemmErrorRatio, type GemmCall } from '../helpers/gemm-bound.js';
import { seededArray } from '../helpers/reference-kernels.js';
import { until } from '../helpers/until.js';

const single = new WasmGemm({ threads: 1 });
const threaded = new WasmGemm({ threads: 3, minParallelFlops: 0 });

function dense(m: number, n: number, k: number, seed: number, transA = false, transB = false): GemmCall {
  return {
    transA,
    transB,
    m,
    n,
    k,
    alpha: 1,
    beta: 0,
    a: seededArray(m * k, seed, 'float32'),
    aOffset: 0,
    lda: transA ? m : k,
    b: seededArray(k * n, seed + 1, 'float32'),
    bOffset: 0,
    ldb: transB ? k : n,
    c: new Float32Array(m * n),
    cOffset: 0,
    ldc: n,
  };
}

function run(kernel: Gemm, call: GemmCall): Float32Array {
  const c = Float32Array.from(call.c);
  const { transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, cOffset, ldc } = call;
  kernel.gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
  return c;
}

/** The first index where x and y differ in bits (NaN payloads and −0 included), or −1. */
function firstDifference(x: Float32Array | Float64Array, y: Float32Array | Float64Array): number {
  const bx = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  const by = new Uint8Array(y.buffer, y.byteOffset, y.byteLength);
  if (bx.length !== by.length) return Math.min(x.length, y.length);
  for (let i = 0; i < bx.length; i++) if (bx[i] !== by[i]) return Math.floor(i / x.BYTES_PER_ELEMENT);
  return -1;
}

describe('WasmGemm', () => {
  it('rejects a bad thread count, a bad threshold and unknown option keys', () => {
    expect(() => new WasmGemm({ threads: Number.NaN })).toThrow(
      /WasmGemm: threads must be an integer in \[1, 256\], got NaN/,
    );
    expect(() => new WasmGemm({ threads: 0 })).toThrow(RangeError);
    expect(() => new WasmGemm({ minParallelFlops: Number.POSITIVE_INFINITY })).toThrow(/minParallelFlops must be/);
    expect(() => new WasmGemm({ min_parallel_flops: 0 } as never)).toThrow(
      /WasmGemm: unknown option 'min_parallel_flops'; did you mean 'minParallelFlops'/,
    );
  });

  it('multiplies a worked 2×3 by 3×2 example exactly, plain and transposed', () => {
    for (const kernel of [single, threaded]) {
      const c = new Float32Array(4);
      kernel.gemm(
        false,
        false,
        2,
        2,
        3,
        1,
        new Float32Array([1, 2, 3, 4, 5, 6]),
        0,
        3,
        new Float32Array([7, 8, 9, 10, 11, 12]),
        0,
        2,
        0,
        c,
        0,
        2,
      );
      expect(Array.from(c)).toEqual([58, 64, 139, 154]);
      // A stored [3, 2] and B stored [2, 3]: the transposes of the operands above.
      kernel.gemm(
        true,
        true,
        2,
        2,
        3,
        1,
        new Float32Array([1, 4, 2, 5, 3, 6]),
        0,
        2,
        new Float32Array([7, 9, 11, 8, 10, 12]),
        0,
        3,
        0,
        c,
        0,
        2,
      );
      expect(Array.from(c)).toEqual([58, 64, 139, 154]);
    }
  });

  it('beta = 0 overwrites C without reading it, so old NaNs vanish (full and edge tiles)', () => {
    for (const kernel of [single, threaded]) {
      const call = dense(9, 19, 5, 1);
      call.c.fill(NaN);
      const c = run(kernel, call);
      expect(c.every(Number.isFinite)).toBe(true);
      expect(gemmErrorRatio(call, new Float32Array(c.length), c)).toBeLessThanOrEqual(1);
    }
  });

  it('alpha = 0 or k = 0 scales C by beta and never reads A or B', () => {
    for (const kernel of [single, threaded]) {
      const c = new Float32Array([1, 2, 3, 4]);
      kernel.gemm(
        false,
        false,
        2,
        2,
        3,
        0,
        new Float32Array(6).fill(NaN),
        0,
        3,
        new Float32Array(6).fill(NaN),
        0,
        2,
        0.5,
        c,
        0,
        2,
      );
      expect(Array.from(c)).toEqual([0.5, 1, 1.5, 2]);
      kernel.gemm(false, false, 2, 2, 0, 1, new Float32Array(0), 0, 0, new Float32Array(0), 0, 2, 2, c, 0, 2);
      expect(Array.from(c)).toEqual([1, 2, 3, 4]);
    }
  });

  it('runs float64 (and mixed) operands on the JS kernel, bit for bit', () => {
    const a = seededArray(7 * 5, 3);
    const b = seededArray(5 * 6, 4);
    const want = new Float64Array(42);
    gemmJs(false, true, 7, 6, 5, 1.5, a, 0, 5, b, 0, 5, 0, want, 0, 6);
    const got = new Float64Array(42);
    single.gemm(false, true, 7, 6, 5, 1.5, a, 0, 5, b, 0, 5, 0, got, 0, 6);
    expect(firstDifference(got, want)).toBe(-1);
    const a32 = Float32Array.from(a);
    gemmJs(false, true, 7, 6, 5, 1.5, a32, 0, 5, b, 0, 5, 0, want, 0, 6);
    threaded.gemm(false, true, 7, 6, 5, 1.5, a32, 0, 5, b, 0, 5, 0, got, 0, 6);
    expect(firstDifference(got, want)).toBe(-1);
  });

  it('crosses every cache block: MC = 128 rows, KC = 256 k-steps, NC = 2048 columns', () => {
    const cases = [
      dense(130, 17, 260, 5),
      dense(5, 2100, 3, 6),
      dense(129, 9, 513, 7, true, false),
      dense(33, 2049, 11, 8, false, true),
    ];
    for (const call of cases) {
      const one = run(single, call);
      expect(gemmErrorRatio(call, call.c, one)).toBeLessThanOrEqual(1);
      expect(firstDifference(run(threaded, call), one)).toBe(-1);
    }
  });

  it('reads operands packed whole once (A for column splits, B for row splits) across MC, KC and NC blocks', () => {
    // Row split, op(B) packed whole over two NC blocks × two KC blocks; column split, op(A) over two MC blocks.
    for (const call of [dense(2050, 2049, 260, 14, false, true), dense(150, 160, 300, 15, true, false)]) {
      expect(firstDifference(run(threaded, call), run(single, call))).toBe(-1);
    }
  });

  it('keeps results bit-identical when the default threshold splits a large product across 2 threads', () => {
    const two = new WasmGemm({ threads: 2 });
    for (const call of [dense(300, 280, 290, 9), dense(40, 600, 700, 10, true, true)]) {
      expect(firstDifference(run(two, call), run(single, call))).toBe(-1);
    }
  });

  it('hands tasks to worker threads once they have started', async () => {
    const two = new WasmGemm({ threads: 2, minParallelFlops: 0 });
    const call = dense(256, 256, 256, 11);
    const want = run(single, call);
    run(two, call); // starts the worker
    await until(() => two.readyWorkers() >= 1);
    expect(two.readyWorkers()).toBe(1);
    // On a loaded machine the worker may get no CPU for a while: keep offering batches.
    await until(
      () => two.workerTasks() > 0,
      () => expect(firstDifference(run(two, call), want)).toBe(-1),
    );
    expect(two.workerTasks()).toBeGreaterThan(0);
  });

  it('reuses its memory: the same shape again grows nothing; a larger one grows it once', () => {
    const kernel = new WasmGemm({ threads: 1 });
    const small = dense(64, 64, 64, 12);
    run(kernel, small);
    const before = kernel.memoryBytes();
    for (let i = 0; i < 5; i++) run(kernel, small);
    expect(kernel.memoryBytes()).toBe(before);
    const large = dense(700, 600, 500, 13);
    const got = run(kernel, large);
    expect(kernel.memoryBytes()).toBeGreaterThan(before);
    expect(firstDifference(got, run(single, large))).toBe(-1);
    const grown = kernel.memoryBytes();
    expect(firstDifference(run(kernel, small), run(single, small))).toBe(-1);
    expect(kernel.memoryBytes()).toBe(grown);
  });

  it('reads and writes resident operands (residentArray) in place, with their own offsets and strides', () => {
    for (const threads of [1, 3]) {
      const kernel = new WasmGemm({ threads, minParallelFlops: 0 });
      const call: GemmCall = {
        ...dense(37, 45, 29, 16, true, false),
        alpha: 0.5,
        beta: -1.5,
        aOffset: 3,
        lda: 40,
        bOffset: 1,
        ldb: 50,
        cOffset: 5,
        ldc: 47,
      };
      const a = kernel.residentArray(3 + 29 * 40)!;
      const b = kernel.residentArray(1 + 29 * 50)!;
      const c = kernel.residentArray(5 + 37 * 47 + 2)!;
      expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(Array.from(c.subarray(0, 4))).toEqual([0, 0, 0, 0]);
      a.set(seededArray(a.length, 17, 'float32'));
      b.set(seededArray(b.length, 18, 'float32'));
      c.set(seededArray(c.length, 19, 'float32'));
      // The same numbers in ordinary arrays, through the copying path, are the oracle.
      const plain = { ...call, a: Float32Array.from(a), b: Float32Array.from(b), c: Float32Array.from(c) };
      const want = run(single, plain);
      const { transA, transB, m, n, k, alpha, aOffset, lda, bOffset, ldb, beta, cOffset, ldc } = call;
      kernel.gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
      expect(firstDifference(c, want)).toBe(-1);
      // Mixed: resident A, copied B and C.
      const c2 = Float32Array.from(plain.c);
      kernel.gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, plain.b, bOffset, ldb, beta, c2, cOffset, ldc);
      expect(firstDifference(c2, want)).toBe(-1);
    }
  });

  it('keeps resident arrays valid and untouched while later calls grow the memory and stage operands', () => {
    const kernel = new WasmGemm({ threads: 2, minParallelFlops: 0 });
    const kept = kernel.residentArray(1000)!;
    kept.set(seededArray(1000, 20, 'float32'));
    const pattern = Float32Array.from(kept);
    const before = kernel.memoryBytes();
    const large = dense(600, 500, 400, 21);
    expect(firstDifference(run(kernel, large), run(single, large))).toBe(-1);
    expect(kernel.memoryBytes()).toBeGreaterThan(before);
    expect(firstDifference(kept, pattern)).toBe(-1);
    // The old view still addresses the same memory: the kernel reads it as a resident operand.
    // A = kept[0, 400) as [20, 20], B = kept[400, 1000) as [20, 30].
    const c = new Float32Array(20 * 30);
    kernel.gemm(false, false, 20, 30, 20, 1, kept, 0, 20, kept, 400, 30, 0, c, 0, 30);
    const want = new Float32Array(20 * 30);
    single.gemm(false, false, 20, 30, 20, 1, pattern, 0, 20, pattern, 400, 30, 0, want, 0, 30);
    expect(firstDifference(c, want)).toBe(-1);
  });

  it('works as a detached function, as conv does with `const { gemm } = getGemm()`', () => {
    const { gemm } = single;
    const c = new Float32Array(1);
    gemm(false, false, 1, 1, 2, 1, new Float32Array([2, 3]), 0, 2, new Float32Array([4, 5]), 0, 1, 0, c, 0, 1);
    expect(c[0]).toBe(23);
  });

  it('takes the threads it is asked for where workers exist (0 threads is a RangeError, above)', () => {
    expect(new WasmGemm({ threads: 2 }).threads).toBe(2);
    expect(new WasmGemm({}).threads).toBe(1);
  });

  it('runs an operand that would be staged past 2 GiB on the JS kernel, not into a negative address', () => {
    // A broadcast A (lda 0) is k floats here but m·k when staged compactly: 2^19 + 1 rows of 1024
    // floats end past 2^31 bytes, where the kernel's signed address shifts would wrap.
    const m = 2 ** 19 + 1;
    const k = 1024;
    const a = seededArray(k, 11, 'float32') as Float32Array;
    const b = seededArray(k, 12, 'float32') as Float32Array;
    const c = new Float32Array(m);
    const kernel = new WasmGemm({ threads: 1 });
    kernel.gemm(false, false, m, 1, k, 1, a, 0, 0, b, 0, 1, 0, c, 0, 1);
    // Every row is the same dot product (the JS kernel sums it in float64).
    let dot = 0;
    for (let p = 0; p < k; p++) dot += a[p]! * b[p]!;
    expect(c[0]).toBe(Math.fround(dot));
    expect(c.every((v) => v === c[0])).toBe(true);
    expect(kernel.memoryBytes()).toBeLessThan(2 ** 31);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import * as kernels from '@torchlet/tensor/kernels';
import { getGemm, jsGemm, setGemm, type Gemm } from '@torchlet/tensor/kernels';
import { makeRun, trainUntil, weightBits } from '../helpers/small-cnn.js';

/*
 * Determinism. Every source of randomness is a seeded Generator, so the same seed gives the same
 * training, bit for bit, in one process or across processes on one machine and backend (the kill
 * test replays a child process's interrupted and resumed run in the parent and compares bits).
 *
 * What changes with the thread count: nothing. The WebAssembly GEMM splits a product into tasks
 * that each own whole blocks of the output and sum over k in the kernel's fixed order, so 1, 2 or
 * n threads give identical bits (asserted below with every product split, however small). What
 * does change results is the kernel itself: the JS kernel and the WASM SIMD kernel block the
 * k-sum differently, so float32 training on one backend agrees with the other only to rounding
 * (float64 always runs on the JS kernel). Fix the backend (TORCHLET_BACKEND / setBackend) to
 * reproduce a run exactly; the thread count (TORCHLET_THREADS) may vary freely.
 */

const STEPS = 10;

let restore: Gemm | null = null;
afterEach(() => {
  if (restore) setGemm(restore);
  restore = null;
});

function trainWith(gemm: Gemm | null, seed = 4): Uint8Array[] {
  return lossesAndBits(gemm, seed).bits;
}

function lossesAndBits(gemm: Gemm | null, seed = 4): { losses: number[]; bits: Uint8Array[] } {
  if (gemm) {
    const previous = setGemm(gemm);
    restore ??= previous;
  }
  const run = makeRun(seed);
  const losses = trainUntil(run, STEPS);
  return { losses, bits: weightBits(run) };
}

function maxRelDiff(a: number[], b: number[]): number {
  return Math.max(...a.map((x, i) => Math.abs(x - b[i]!) / Math.abs(b[i]!)));
}

type WasmGemmCtor = new (options: { threads?: number; minParallelFlops?: number }) => Gemm & { threads: number };
// The WebAssembly kernel arrived with the multi-threaded backend; without it only the JS kernel is checked.
const WasmGemm = (kernels as Record<string, unknown>).WasmGemm as WasmGemmCtor | undefined;
const wasmSimd = (kernels as Record<string, unknown>).wasmSimdSupported as (() => boolean) | undefined;
const hasWasm = WasmGemm !== undefined && wasmSimd !== undefined && wasmSimd();

describe('determinism', () => {
  it(`the same seed trains to bit-identical weights (${STEPS} steps, twice in one process, on the current backend: ${getGemm().name})`, () => {
    const a = trainWith(null);
    const b = trainWith(null);
    expect(b).toEqual(a);
    // and another seed does not, so the comparison can fail
    expect(trainWith(null, 5)).not.toEqual(a);
  });

  it('the JS kernel is deterministic too', () => {
    expect(trainWith(jsGemm)).toEqual(trainWith(jsGemm));
  });

  it.runIf(hasWasm)('threads=1 and threads=2 (every GEMM split) agree bit for bit; JS vs WASM only to rounding', () => {
    const one = new WasmGemm!({ threads: 1 });
    const two = new WasmGemm!({ threads: 2, minParallelFlops: 0 });
    const wasmOne = lossesAndBits(one);
    const wasmTwo = lossesAndBits(two);
    const js = lossesAndBits(jsGemm);
    const same = JSON.stringify(wasmOne.bits) === JSON.stringify(wasmTwo.bits);
    console.log(
      `determinism: wasm threads=1 vs threads=${two.threads}: ${same ? 'bit-identical' : 'DIFFERENT'}; ` +
        `js vs wasm: weights ${JSON.stringify(js.bits) === JSON.stringify(wasmOne.bits) ? 'bit-identical' : 'differ'}, ` +
        `losses within ${maxRelDiff(js.losses, wasmOne.losses).toExponential(2)} (relative)`,
    );
    expect(two.threads).toBe(2);
    expect(wasmTwo.bits).toEqual(wasmOne.bits);
    expect(wasmTwo.losses).toEqual(wasmOne.losses);
    // Adam divides by √v, so rounding in near-zero gradients moves weights by up to ~lr per step;
    // the losses are the fair comparison across kernels.
    expect(maxRelDiff(js.losses, wasmOne.losses)).toBeLessThan(1e-3);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { ShapeError, Tensor, expand, matmul, ones, slice, tensor, transpose, zeros } from '@torchlet/tensor';
import { getGemm, jsGemm, setGemm, type Gemm } from '@torchlet/tensor/kernels';
import { denseOf, maxRelError, naiveMatmul, seededArray } from '../helpers/reference-kernels.js';

interface GemmCall {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  a: ArrayLike<number>;
  lda: number;
  b: ArrayLike<number>;
  ldb: number;
}

/** Installs a GEMM that records its arguments and forwards to the JS kernel. */
function recordGemm(): GemmCall[] {
  const calls: GemmCall[] = [];
  const spy: Gemm = {
    name: 'spy',
    gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc) {
      calls.push({ transA, transB, m, n, k, a, lda, b, ldb });
      jsGemm.gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
    },
  };
  setGemm(spy);
  return calls;
}

function seeded(shape: number[], seed: number): Tensor {
  return new Tensor(
    seededArray(
      shape.reduce((p, d) => p * d, 1),
      seed,
    ),
    shape,
  );
}

afterEach(() => {
  setGemm(jsGemm);
});

describe('matmul', () => {
  it('2-D × 2-D: [[1, 2], [3, 4]] · [[5, 6], [7, 8]] = [[19, 22], [43, 50]]', () => {
    const y = matmul(
      tensor([
        [1, 2],
        [3, 4],
      ]),
      tensor([
        [5, 6],
        [7, 8],
      ]),
    );
    expect(y.shape).toEqual([2, 2]);
    expect(y.dtype).toBe('float32');
    expect(y.toArray()).toEqual([
      [19, 22],
      [43, 50],
    ]);
  });

  it('1-D · 1-D is a dot product with a 0-d result', () => {
    const y = matmul(tensor([1, 2, 3]), tensor([4, 5, 6]));
    expect(y.shape).toEqual([]);
    expect(y.item()).toBe(32);
  });

  it('a 1-D left operand is a row whose axis is dropped: [2] · [2, 3] → [3]', () => {
    const y = matmul(
      tensor([1, 2]),
      tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]),
    );
    expect(y.shape).toEqual([3]);
    expect(y.toArray()).toEqual([9, 12, 15]);
  });

  it('a 1-D right operand is a column whose axis is dropped: [2, 3] · [3] → [2]', () => {
    const y = matmul(
      tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]),
      tensor([1, 0, -1]),
    );
    expect(y.shape).toEqual([2]);
    expect(y.toArray()).toEqual([-2, -2]);
  });

  it('broadcasts batch axes: [5, 1, 2, 3] · [4, 3, 6] → [5, 4, 2, 6], values as the reference', () => {
    const a = seeded([5, 1, 2, 3], 1);
    const b = seeded([4, 3, 6], 2);
    const y = matmul(a, b);
    expect(y.shape).toEqual([5, 4, 2, 6]);
    expect(maxRelError(denseOf(y).data, naiveMatmul(a, b).data)).toBeLessThan(1e-14);
  });

  it('1-D with a batched operand: [3] · [2, 3, 4] → [2, 4] and [2, 3, 4] · [4] → [2, 3]', () => {
    const v3 = seeded([3], 3);
    const v4 = seeded([4], 4);
    const b = seeded([2, 3, 4], 5);
    expect(matmul(v3, b).shape).toEqual([2, 4]);
    expect(maxRelError(denseOf(matmul(v3, b)).data, naiveMatmul(v3, b).data)).toBeLessThan(1e-14);
    expect(matmul(b, v4).shape).toEqual([2, 3]);
    expect(maxRelError(denseOf(matmul(b, v4)).data, naiveMatmul(b, v4).data)).toBeLessThan(1e-14);
  });

  it('passes transposed views to the kernel as flags, reading the original storage', () => {
    const calls = recordGemm();
    const wStorage = seeded([6, 4], 6); // w is [6, 4]; wᵀ is [4, 6] with strides [1, 4]
    const x = seeded([3, 4], 7);
    const y = matmul(x, transpose(wStorage, 0, 1));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.transB).toBe(true);
    expect(calls[0]!.b).toBe(wStorage.data);
    expect(calls[0]!.ldb).toBe(4);
    const xt = transpose(seeded([4, 3], 8), 0, 1);
    matmul(xt, seeded([4, 2], 9));
    expect(calls[1]!.transA).toBe(true);
    expect(calls[1]!.lda).toBe(3);
    expect(maxRelError(denseOf(y).data, naiveMatmul(x, transpose(wStorage, 0, 1)).data)).toBeLessThan(1e-14);
  });

  it('reads expanded (stride-0) rows in place with a leading dimension of 0', () => {
    const calls = recordGemm();
    const row = seeded([1, 5], 10);
    const a = expand(row, [4, 5]);
    const b = seeded([5, 3], 11);
    const y = matmul(a, b);
    expect(calls[0]!.a).toBe(row.data);
    expect(calls[0]!.lda).toBe(0);
    expect(maxRelError(denseOf(y).data, naiveMatmul(a, b).data)).toBeLessThan(1e-14);
  });

  it('packs operands with no unit-stride axis before the GEMM', () => {
    const calls = recordGemm();
    const big = seeded([3, 8], 12);
    const a = slice(big, 1, 0, undefined, 2); // [3, 4], strides [8, 2]
    const b = seeded([4, 2], 13);
    const y = matmul(a, b);
    expect(calls[0]!.a).not.toBe(big.data);
    expect(calls[0]!.transA).toBe(false);
    expect(maxRelError(denseOf(y).data, naiveMatmul(a, b).data)).toBeLessThan(1e-14);
  });

  it('folds a contiguous batch against one right matrix into a single tall GEMM', () => {
    const calls = recordGemm();
    const a = seeded([3, 4, 5], 14);
    const b = seeded([5, 6], 15);
    const y = matmul(a, b);
    expect(calls.map((c) => [c.m, c.n, c.k])).toEqual([[12, 6, 5]]);
    expect(maxRelError(denseOf(y).data, naiveMatmul(a, b).data)).toBeLessThan(1e-14);
  });

  it('runs one GEMM per batch entry when the batch does not fold', () => {
    const calls = recordGemm();
    const a = seeded([3, 4, 5], 16);
    const b = seeded([3, 5, 6], 17);
    const y = matmul(a, b);
    expect(calls).toHaveLength(3);
    expect(maxRelError(denseOf(y).data, naiveMatmul(a, b).data)).toBeLessThan(1e-14);
  });

  it('promotes dtypes: float32 · float64 → float64', () => {
    const y = matmul(ones([2, 2]), ones([2, 2], { dtype: 'float64' }));
    expect(y.dtype).toBe('float64');
    expect(y.toArray()).toEqual([
      [2, 2],
      [2, 2],
    ]);
  });

  it('int32 · int32 → int32, exact, wrapping past 2^31 as torch int32 does', () => {
    const y = matmul(
      tensor(
        [
          [1, 2],
          [3, 4],
        ],
        { dtype: 'int32' },
      ),
      tensor(
        [
          [5, 6],
          [7, 8],
        ],
        { dtype: 'int32' },
      ),
    );
    expect(y.dtype).toBe('int32');
    expect(y.toArray()).toEqual([
      [19, 22],
      [43, 50],
    ]);
    const big = matmul(tensor([[46341]], { dtype: 'int32' }), tensor([[46341]], { dtype: 'int32' }));
    expect(big.item()).toBe((46341 * 46341) | 0);
  });

  it('int32 · float32 → float32', () => {
    const y = matmul(tensor([[1, 2]], { dtype: 'int32' }), tensor([[0.5], [0.25]]));
    expect(y.dtype).toBe('float32');
    expect(y.toArray()).toEqual([[1]]);
  });

  it('k = 0 gives zeros; m = 0 or an empty batch gives an empty result', () => {
    expect(matmul(zeros([2, 0]), zeros([0, 3])).toArray()).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(matmul(zeros([0, 3]), zeros([3, 2])).shape).toEqual([0, 2]);
    expect(matmul(zeros([0, 2, 3]), zeros([3, 2])).shape).toEqual([0, 2, 2]);
    expect(matmul(zeros([0]), zeros([0])).item()).toBe(0);
  });

  it('uses whatever GEMM setGemm installed', () => {
    const calls = recordGemm();
    expect(getGemm().name).toBe('spy');
    matmul(ones([2, 3]), ones([3, 4]));
    expect(calls).toHaveLength(1);
  });
});

describe('matmul errors', () => {
  it('inner dimensions that differ', () => {
    const f = () => matmul(zeros([2, 3]), zeros([4, 5]));
    expect(f).toThrow(ShapeError);
    expect(f).toThrow('matmul: inner dimensions differ: a is [2, 3], b is [4, 5]');
    expect(() => matmul(zeros([3]), zeros([4]))).toThrow('matmul: inner dimensions differ: a is [3], b is [4]');
    expect(() => matmul(zeros([2, 3]), zeros([2]))).toThrow('matmul: inner dimensions differ: a is [2, 3], b is [2]');
  });

  it('a 0-d operand', () => {
    const f = () => matmul(tensor(3), zeros([3]));
    expect(f).toThrow(ShapeError);
    expect(f).toThrow('matmul: both operands must be at least 1-D, but a is 0-d; a is [], b is [3]');
    expect(() => matmul(zeros([3]), zeros([]))).toThrow(/but b is 0-d; a is \[3\], b is \[\]/);
  });

  it('batch axes that do not broadcast', () => {
    const f = () => matmul(zeros([2, 3, 4]), zeros([5, 4, 2]));
    expect(f).toThrow(ShapeError);
    expect(f).toThrow('matmul: batch dimensions do not broadcast: a is [2, 3, 4], b is [5, 4, 2] (batch [2] vs [5])');
  });

  it('an operand that is not a Tensor', () => {
    const f = () => matmul([[1, 2]] as never, zeros([2, 2]));
    expect(f).toThrow(TypeError);
    expect(f).toThrow('matmul: a must be a Tensor, got an array');
    expect(() => matmul(zeros([2, 2]), 3 as never)).toThrow('matmul: b must be a Tensor, got number 3');
  });
});

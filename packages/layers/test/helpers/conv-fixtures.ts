import { readFileSync } from 'node:fs';
import type { Variable } from '@torchlet/autograd';
import { formatShape, Tensor, tensor, type DType } from '@torchlet/tensor';
import { expect } from 'vitest';

/** A tensor as the fixture generators write it: flat row-major float64 (or integer) data. */
export interface FixtureTensor {
  shape: number[];
  data: number[];
}

/** `fixtures/torch/<name>`, parsed. The files are made by `fixtures/generate/*.py`, never by tests. */
export function loadFixture<C>(name: string): { cases: C[] } {
  const url = new URL(`../../../../fixtures/torch/${name}`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as { cases: C[] };
}

export function fromFixture(t: FixtureTensor, dtype: DType): Tensor {
  return tensor(t.data, { shape: t.shape, dtype });
}

/** Tolerances of the golden tests: rtol 1e-9 in float64, 1e-4 in float32 (plus a small atol for zeros). */
export const TOLERANCE: Record<'float32' | 'float64', { rtol: number; atol: number }> = {
  float64: { rtol: 1e-9, atol: 1e-12 },
  float32: { rtol: 1e-4, atol: 1e-5 },
};

/**
 * Asserts `actual` has the fixture's shape and every element is within `atol + rtol·|expected|`,
 * naming the first element that is not.
 */
export function expectClose(actual: Tensor | Variable | null, expected: FixtureTensor, dtype: 'float32' | 'float64', what: string): void {
  expect(actual, `${what} is missing`).not.toBeNull();
  const t = 'data' in actual! && actual!.data instanceof Tensor ? actual!.data : (actual as Tensor);
  expect(formatShape(t.shape), `${what} shape`).toBe(formatShape(expected.shape));
  const got = t.toTypedArray();
  const { rtol, atol } = TOLERANCE[dtype];
  for (let i = 0; i < got.length; i++) {
    const want = expected.data[i]!;
    const err = Math.abs(got[i]! - want);
    if (!(err <= atol + rtol * Math.abs(want))) {
      expect.fail(`${what}[${i}] (flat) is ${got[i]}, PyTorch gives ${want} (|diff| ${err.toExponential(2)}, ${dtype})`);
    }
  }
}

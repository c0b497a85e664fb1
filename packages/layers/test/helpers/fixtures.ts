import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Tensor } from '@torchlet/tensor';
import { expect } from 'vitest';

/** A tensor as the fixture files store it: flat row-major float64 values. */
export interface FixtureTensor {
  shape: number[];
  data: number[];
}

/** Loads `fixtures/torch/<name>.json` from the repository root. */
export function loadFixture<T>(name: string): T {
  const path = fileURLToPath(new URL(`../../../../fixtures/torch/${name}.json`, import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** A float64 (or int32) tensor holding a fixture's values. */
export function fromFixture(t: FixtureTensor, dtype: 'float64' | 'float32' | 'int32' = 'float64'): Tensor {
  const data =
    dtype === 'float64'
      ? Float64Array.from(t.data)
      : dtype === 'float32'
        ? Float32Array.from(t.data)
        : Int32Array.from(t.data);
  return new Tensor(data, t.shape);
}

/** Asserts shape and every element within `atol + rtol·|expected|`, naming the first bad index. */
export function expectClose(actual: Tensor, expected: FixtureTensor, rtol = 1e-9, atol = 1e-12, what = 'value'): void {
  expect(actual.shape, `${what} shape`).toEqual(expected.shape);
  const got = actual.toTypedArray();
  for (let i = 0; i < expected.data.length; i++) {
    const want = expected.data[i]!;
    const diff = Math.abs(got[i]! - want);
    if (!(diff <= atol + rtol * Math.abs(want))) {
      expect.fail(`${what}[${i}]: got ${got[i]}, expected ${want} (|diff| ${diff})`);
    }
  }
}

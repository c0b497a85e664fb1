import { readFileSync } from 'node:fs';
import { variable, type Variable } from '@torchlet/autograd';
import {
  formatShape,
  getBackendInfo,
  getGemm,
  setBackend,
  setGemm,
  Tensor,
  tensor,
  type BackendName,
  type DType,
  type Gemm,
} from '@torchlet/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itHasCases } from './golden-counts.js';

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
export function expectClose(
  actual: Tensor | Variable | null,
  expected: FixtureTensor,
  dtype: 'float32' | 'float64',
  what: string,
): void {
  expect(actual, `${what} is missing`).not.toBeNull();
  const t = 'data' in actual! && actual!.data instanceof Tensor ? actual!.data : (actual as Tensor);
  expect(formatShape(t.shape), `${what} shape`).toBe(formatShape(expected.shape));
  const got = t.toTypedArray();
  const { rtol, atol } = TOLERANCE[dtype];
  for (let i = 0; i < got.length; i++) {
    const want = expected.data[i]!;
    const err = Math.abs(got[i]! - want);
    if (!(err <= atol + rtol * Math.abs(want))) {
      expect.fail(
        `${what}[${i}] (flat) is ${got[i]}, PyTorch gives ${want} (|diff| ${err.toExponential(2)}, ${dtype})`,
      );
    }
  }
}

/** A conv-like golden case: inputs, options, and PyTorch's output and gradients for `gradOutput`. */
export interface ConvGoldenCase<O> {
  name: string;
  /** Which op of the suite's `ops` runs the case (one-op suites leave it out). */
  op?: string;
  input: FixtureTensor;
  weight: FixtureTensor;
  bias: FixtureTensor | null;
  options: O;
  gradOutput: FixtureTensor;
  output: FixtureTensor;
  gradInput: FixtureTensor;
  gradWeight: FixtureTensor;
  gradBias: FixtureTensor | null;
}

type ConvLikeOp<O> = (input: Variable, weight: Variable, bias: Variable | null, options: O) => Variable;

/**
 * One `describe` per backend (WebAssembly, where float32 takes the fused and batched kernels, and
 * native where it loaded) and dtype (float64, float32) with an `it` per case of `fixtures/torch/<file>`:
 * runs `ops[c.op ?? only]` and checks the output and the input, weight and bias gradients against
 * PyTorch's within `TOLERANCE`; and a test that the file holds `counts` cases per op and per padding
 * mode (`{ 'conv2d reflect': 6, ... }`).
 */
export function describeConvGoldens<O>(
  title: string,
  file: string,
  ops: Record<string, ConvLikeOp<O>>,
  counts: Record<string, number>,
): void {
  const { cases } = loadFixture<ConvGoldenCase<O>>(file);
  const names = Object.keys(ops);
  itHasCases(file, cases, counts, (c) => {
    const mode = (c.options as { paddingMode?: string }).paddingMode ?? 'zeros';
    return `${c.op ?? names[0]} ${mode}`;
  });
  const backends: BackendName[] = getBackendInfo().native ? ['wasm', 'native'] : ['wasm'];
  for (const [backend, dtype] of backends.flatMap((b) =>
    (['float64', 'float32'] as const).map((d) => [b, d] as const),
  )) {
    describe(`${title} goldens vs PyTorch 1.13 (${backend}, ${dtype})`, () => {
      let previous: Gemm;
      beforeAll(() => {
        previous = getGemm();
        setBackend(backend);
      });
      afterAll(() => {
        setGemm(previous);
      });
      for (const c of cases) {
        it(c.name, () => {
          const x = variable(fromFixture(c.input, dtype), { requiresGrad: true });
          const w = variable(fromFixture(c.weight, dtype), { requiresGrad: true });
          const b = c.bias ? variable(fromFixture(c.bias, dtype), { requiresGrad: true }) : null;
          const y = ops[c.op ?? names[0]!]!(x, w, b, c.options);
          expectClose(y, c.output, dtype, 'output');
          y.backward(fromFixture(c.gradOutput, dtype));
          expectClose(x.grad, c.gradInput, dtype, 'gradInput');
          expectClose(w.grad, c.gradWeight, dtype, 'gradWeight');
          if (c.gradBias) expectClose(b!.grad, c.gradBias, dtype, 'gradBias');
        });
      }
    });
  }
}

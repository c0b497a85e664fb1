import { Variable } from '@torchlet/autograd';
import { describe, expect, it } from 'vitest';
import { expectClose, fromFixture, loadFixture, type FixtureTensor } from './fixtures.js';
import { itHasCases } from './golden-counts.js';

/** A case written by `fixtures/generate/op_case.py`: named tensor inputs, options, output, every gradient. */
export interface OpCase {
  name: string;
  op: string;
  inputs: Record<string, FixtureTensor>;
  options: Record<string, unknown>;
  gradOutput: FixtureTensor;
  output: FixtureTensor;
  grads: Record<string, FixtureTensor>;
}

/** How a test calls one op of a fixture file: the named inputs as Variables, the case's options. */
export type OpRunner = (inputs: Record<string, Variable>, options: Record<string, unknown>) => Variable;

/**
 * One test per case of `fixtures/torch/<file>.json`, in float64 (rtol 1e-9) and float32 (rtol 1e-4):
 * the output and the gradient of every input for the recorded `gradOutput`. A case whose op has no
 * runner fails, so a fixture never goes unchecked; and a test that the file holds `counts` cases per op.
 */
export function describeOpGoldens(
  file: string,
  runners: Record<string, OpRunner>,
  counts: Record<string, number>,
): void {
  const { cases } = loadFixture<{ cases: OpCase[] }>(file);
  itHasCases(`${file}.json`, cases, counts);
  for (const dtype of ['float64', 'float32'] as const) {
    const [rtol, atol] = dtype === 'float64' ? [1e-9, 1e-12] : [1e-4, 1e-5];
    describe(`${file} matches PyTorch 1.13 (${dtype})`, () => {
      for (const c of cases) {
        it(c.name, () => {
          const run = runners[c.op];
          expect(run, `a runner for op '${c.op}'`).toBeDefined();
          const inputs: Record<string, Variable> = {};
          for (const [k, t] of Object.entries(c.inputs))
            inputs[k] = new Variable(fromFixture(t, dtype), { requiresGrad: true });
          const y = run!(inputs, c.options);
          expect(y.dtype).toBe(dtype);
          expectClose(y.data, c.output, rtol, atol, 'output');
          y.backward(fromFixture(c.gradOutput, dtype));
          for (const [k, want] of Object.entries(c.grads)) {
            const got = inputs[k]!.grad;
            expect(got, `gradient of ${k}`).not.toBeNull();
            expectClose(got!, want, rtol, atol, `grad ${k}`);
          }
        });
      }
    });
  }
}

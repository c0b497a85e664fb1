import { describe, expect, it } from 'vitest';
import * as A from '@torchlet/autograd';
import { Tensor } from '@torchlet/tensor';
import * as F from '@torchlet/layers/functional';
import { loadFixture } from '../../helpers/fixtures.js';
import { itHasCases } from '../../helpers/golden-counts.js';

/** A fixture tensor whose values may be the strings "nan", "inf", "-inf" (JSON has no spelling for them). */
interface LooseTensor {
  shape: number[];
  data: (number | string)[];
}
interface EmptyAxisCase {
  name: string;
  op: string;
  args: { dim?: number | number[]; reduction?: 'mean' | 'sum' };
  inputs: LooseTensor[];
  g: LooseTensor;
  out: LooseTensor;
  grads: (LooseTensor | null)[];
}

const value = (v: number | string) =>
  typeof v === 'number' ? v : v === 'nan' ? NaN : v === 'inf' ? Infinity : -Infinity;
const tensorOf = (t: LooseTensor) => new Tensor(Float64Array.from(t.data, value), t.shape);

function expectSame(actual: Tensor, expected: LooseTensor, what: string): void {
  expect(actual.shape, `${what} shape`).toEqual(expected.shape);
  const got = Array.from(actual.toTypedArray());
  expected.data.map(value).forEach((want, i) => {
    if (Number.isNaN(want)) expect(got[i], `${what}[${i}]`).toBeNaN();
    else if (!Number.isFinite(want)) expect(got[i], `${what}[${i}]`).toBe(want);
    else
      expect(Math.abs(got[i]! - want), `${what}[${i}]: got ${got[i]}, expected ${want}`).toBeLessThanOrEqual(
        1e-12 + 1e-9 * Math.abs(want),
      );
  });
}

const runners: Record<string, (x: A.Variable[], args: EmptyAxisCase['args']) => A.Variable> = {
  linear: ([x, w, b]) => F.linear(x!, w!, b ?? null),
  matmul: ([a, b]) => A.matmul(a!, b!),
  conv2d: ([x, w, b]) => F.conv2d(x!, w!, b ?? null),
  sum: ([x], { dim }) => A.sum(x!, dim),
  mean: ([x], { dim }) => A.mean(x!, dim),
  var: ([x], { dim }) => A.variance(x!, dim),
  logsumexp: ([x], { dim }) => A.logsumexp(x!, dim!),
  softmax: ([x], { dim }) => A.softmax(x!, dim as number),
  logSoftmax: ([x], { dim }) => A.logSoftmax(x!, dim as number),
  mseLoss: ([x, y], { reduction }) => F.mseLoss(x!, y!, { reduction: reduction ?? 'mean' }),
};

// PyTorch's answers for ops whose reduced axis is empty (fixtures/generate/empty_axes.py): linear and
// matmul with k = 0 give the bias (or zeros), empty sums 0, empty means and variances NaN, empty
// logsumexps −inf — never a ShapeError or a wrong shape.
describe('ops over a zero-size reduced axis match PyTorch', () => {
  const { cases } = loadFixture<{ cases: EmptyAxisCase[] }>('empty_axes');
  itHasCases('empty_axes.json', cases, {
    matmul: 5,
    linear: 4,
    sum: 3,
    mean: 3,
    logsumexp: 2,
    mseLoss: 2,
    conv2d: 1,
    var: 1,
    softmax: 1,
    logSoftmax: 1,
  });
  for (const c of cases) {
    it(c.name, () => {
      const inputs = c.inputs.map((t) => new A.Variable(tensorOf(t), { requiresGrad: true }));
      const out = runners[c.op]!(inputs, c.args);
      expectSame(out.data, c.out, 'output');
      A.sum(A.mul(out, tensorOf(c.g))).backward();
      c.grads.forEach((want, i) => {
        if (want !== null) expectSame(inputs[i]!.grad!, want, `grad of input ${i}`);
      });
    });
  }
});

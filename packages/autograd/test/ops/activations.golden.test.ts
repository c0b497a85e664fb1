import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as T from '@torchlet/tensor';
import type { Dim } from '@torchlet/tensor';
import { gelu, leakyRelu, logsumexp, logSoftmax, softmax, variance, Variable } from '@torchlet/autograd';
import { expectClose } from '../helpers/values.js';

interface Encoded {
  shape: number[];
  data: number[];
}
interface Case {
  name: string;
  op: 'gelu' | 'leakyRelu' | 'softmax' | 'logSoftmax' | 'logsumexp' | 'var';
  input: Encoded;
  options: Record<string, unknown>;
  gradOutput: Encoded;
  output: Encoded;
  gradInput: Encoded;
}

const fixture = JSON.parse(
  readFileSync(new URL('../../../../fixtures/torch/activations.json', import.meta.url), 'utf8'),
) as { cases: Case[] };
const decode = (e: Encoded) => T.tensor(e.data, { dtype: 'float64', shape: e.shape });

function run(c: Case, x: Variable): Variable {
  const o = c.options;
  switch (c.op) {
    case 'gelu':
      return gelu(x, { approximate: o.approximate as 'none' | 'tanh' });
    case 'leakyRelu':
      return leakyRelu(x, o.negativeSlope as number);
    case 'softmax':
      return softmax(x, o.dim as number);
    case 'logSoftmax':
      return logSoftmax(x, o.dim as number);
    case 'logsumexp':
      return logsumexp(x, o.dim as Dim, o.keepdim as boolean);
    case 'var':
      return variance(x, (o.dim ?? undefined) as Dim | undefined, {
        correction: o.correction as number,
        keepdim: o.keepdim as boolean,
      });
  }
}

describe('activations against PyTorch 1.13 (fixtures/torch/activations.json)', () => {
  it('holds its 39 cases: gelu 6, leakyRelu 4, softmax 6, logSoftmax 6, logsumexp 7, var 10', () => {
    // a truncated or partly regenerated file would otherwise pass with fewer tests
    const count = (op: Case['op']) => fixture.cases.filter((c) => c.op === op).length;
    const ops = ['gelu', 'leakyRelu', 'softmax', 'logSoftmax', 'logsumexp', 'var'] as const;
    expect(ops.map(count)).toEqual([6, 4, 6, 6, 7, 10]);
    expect(fixture.cases).toHaveLength(39);
  });
  for (const c of fixture.cases) {
    it(c.name, () => {
      const x = new Variable(decode(c.input), { requiresGrad: true });
      const y = run(c, x);
      expectClose(y.data, decode(c.output), 1e-9, 1e-12);
      y.backward(decode(c.gradOutput));
      expectClose(x.grad!, decode(c.gradInput), 1e-9, 1e-12);
    });
  }
});

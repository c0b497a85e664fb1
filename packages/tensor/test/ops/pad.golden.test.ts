import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Tensor, pad, padAdjoint, padOutputShape, type PadMode } from '@torchlet/tensor';
import { denseOf, expectClose, refPad } from '../helpers/reference-ops.js';

interface PadCase {
  name: string;
  input: { shape: number[]; data: number[] };
  padWidth: [number, number][];
  mode: PadMode;
  value: number;
  output: { shape: number[]; data: number[] };
}

// Made by fixtures/generate/pad.py from numpy.pad (constant / reflect / edge / wrap).
const fixture = JSON.parse(readFileSync(new URL('../../../../fixtures/torch/pad.json', import.meta.url), 'utf8')) as {
  cases: PadCase[];
};

describe('pad matches numpy.pad', () => {
  it('holds its 44 cases, 11 for every mode', () => {
    // a truncated or partly regenerated file would otherwise pass with fewer tests
    const modes = ['circular', 'constant', 'reflect', 'replicate'];
    expect(modes.map((m) => fixture.cases.filter((c) => c.mode === m).length)).toEqual([11, 11, 11, 11]);
    expect(fixture.cases).toHaveLength(44);
  });

  for (const c of fixture.cases) {
    it(c.name, () => {
      const x = new Tensor(Float64Array.from(c.input.data), c.input.shape);
      const y = pad(x, c.padWidth, { mode: c.mode, value: c.value });
      expect(padOutputShape(c.input.shape, c.padWidth)).toEqual(c.output.shape);
      expectClose(denseOf(y), c.output, 1e-9, 0);
      // The reference agrees with numpy too, so the property tests' oracle is anchored here.
      expectClose(refPad(c.input, c.padWidth, c.mode, c.value), c.output, 1e-9, 0);
      // float32 keeps its dtype and rounds each value once.
      const y32 = pad(new Tensor(Float32Array.from(c.input.data), c.input.shape), c.padWidth, {
        mode: c.mode,
        value: c.value,
      });
      expect(y32.dtype).toBe('float32');
      expectClose(denseOf(y32), c.output, 1e-4, 1e-6);
      // The adjoint returns the input's shape.
      expect(padAdjoint(y, c.input.shape, c.padWidth, { mode: c.mode }).shape).toEqual(c.input.shape);
    });
  }
});

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { noGrad, Variable } from '@torchlet/autograd';
import { load } from '@torchlet/layers/node';
import { Tensor } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { LeNet5 } from '../src/models.js';

interface FixtureTensor {
  shape: number[];
  data: number[];
}

const fixture = (name: string) => fileURLToPath(new URL(`../../../fixtures/torch/${name}`, import.meta.url));

describe("PyTorch's LeNet weights in Torchlet's LeNet5", () => {
  it('the state dict of torch LeNet5 (fixtures/generate/lenet_state.py) loads strictly and gives the same logits to 1e-5', () => {
    const state = load(fixture('lenet.safetensors'));
    const model = new LeNet5();
    expect(Object.keys(state).sort()).toEqual(Object.keys(model.stateDict()).sort());
    model.loadStateDict(state);
    const { input, output } = JSON.parse(readFileSync(fixture('lenet_outputs.json'), 'utf8')) as {
      input: FixtureTensor;
      output: FixtureTensor;
    };
    model.eval();
    const y = noGrad(() => model.forward(new Variable(new Tensor(Float32Array.from(input.data), input.shape))));
    expect(y.shape).toEqual(output.shape);
    const got = y.data.toTypedArray();
    let worst = 0;
    output.data.forEach((want, i) => (worst = Math.max(worst, Math.abs(got[i]! - want))));
    expect(worst).toBeLessThan(1e-5);
    // The logits differ between inputs, so a model that ignored its weights could not pass.
    expect(new Set(output.data.map((v) => v.toFixed(3))).size).toBeGreaterThan(30);
  });
});

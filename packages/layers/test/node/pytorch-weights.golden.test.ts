import { fileURLToPath } from 'node:url';
import { noGrad, Variable } from '@torchlet/autograd';
import { BatchNorm1d, BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '@torchlet/layers';
import { load } from '@torchlet/layers/node';
import { describe, expect, it } from 'vitest';
import { expectClose, fromFixture, loadFixture, type FixtureTensor } from '../helpers/fixtures.js';

interface OutputsFixture {
  input: FixtureTensor;
  output: FixtureTensor;
  numBatchesTracked: number;
}

/** The layers of `bn_cnn()` in fixtures/generate/lenet_state.py: `[N, 1, 12, 12]` → `[N, 3]`. */
function bnCnn(): Sequential {
  return new Sequential(
    new Conv2d(1, 4, 3, { padding: 1, bias: false }),
    new BatchNorm2d(4),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(4 * 6 * 6, 8),
    new BatchNorm1d(8),
    new ReLU(),
    new Linear(8, 3),
  );
}

describe('a PyTorch state dict (safetensors) loads into the Torchlet model of the same layers', () => {
  it('BatchNorm CNN after 5 SGD steps: parameters, running_mean/running_var/num_batches_tracked, eval outputs to 1e-5', () => {
    const path = fileURLToPath(new URL('../../../../fixtures/torch/bn_cnn.safetensors', import.meta.url));
    const state = load(path);
    const model = bnCnn();
    // strict: every PyTorch key has a Torchlet counterpart of the same shape, and no key is left over
    const result = model.loadStateDict(state);
    expect(result).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(Object.keys(state).sort()).toEqual(Object.keys(model.stateDict()).sort());
    const fixture = loadFixture<OutputsFixture>('bn_cnn_outputs');
    const bn = model.at(1) as BatchNorm2d;
    expect(bn.numBatchesTracked).toBe(fixture.numBatchesTracked);
    expect(Array.from(bn.runningVar!.toTypedArray()).some((v) => Math.abs(v - 1) > 0.01)).toBe(true); // trained, not the initial 1s
    model.eval();
    const y = noGrad(() => model.forward(new Variable(fromFixture(fixture.input, 'float32'))));
    expectClose(y.data, fixture.output, 1e-5, 1e-5, 'logits');
  });
});

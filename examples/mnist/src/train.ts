import { noGrad, Variable } from '@torchlet/autograd';
import { Adam, CosineAnnealingLR, DataLoader, type Dataset, functional as F, Subset } from '@torchlet/layers';
import { argmax, Generator, manualSeed, type Tensor } from '@torchlet/tensor';
import type { MnistArgs } from './args.js';
import { createModel, type LeNet5, type WideCnn } from './models.js';

/** MNIST-shaped data that yields whole batches: `[images [B, 1, 28, 28] float32, labels [B] int32]`. */
export interface BatchDataset extends Dataset<[Tensor, number], [Tensor, Tensor]> {
  getBatch(indices: ArrayLike<number>): [Tensor, Tensor];
}

export interface EpochReport {
  epoch: number;
  /** Mean training loss over the epoch. */
  trainLoss: number;
  /** Fraction of the epoch's training images classified correctly as they were trained on (dropout on). */
  trainAccuracy: number;
  /** Mean cross-entropy on the test set after the epoch. */
  testLoss: number;
  testAccuracy: number;
  seconds: number;
  imagesPerSecond: number;
}

export interface TrainHooks {
  /** Called before each epoch with its number of batches. */
  onEpochStart?(epoch: number, batches: number): void;
  /** Called after each batch: batches and images done this epoch, the running (smoothed) loss and the batch's own. */
  onBatch?(batch: number, images: number, runningLoss: number, loss: number): void;
  onEpochEnd?(report: EpochReport): void;
}

export interface TrainResult {
  model: LeNet5 | WideCnn;
  /** The loss of every training batch, in order: the same seed gives the same curve, bit for bit. */
  lossCurve: number[];
  epochs: EpochReport[];
  testAccuracy: number;
}

/**
 * Trains `args.model` on MNIST with Adam (cosine-annealed learning rate) and cross-entropy, evaluating on the test set after each
 * epoch. Everything random (initial weights, shuffling, dropout) comes from generators derived
 * from `args.seed`.
 */
export function trainMnist(
  args: MnistArgs,
  data: { train: BatchDataset; test: BatchDataset },
  hooks: TrainHooks = {},
): TrainResult {
  manualSeed(args.seed);
  const model = createModel(args.model, new Generator(args.seed));
  const trainSet =
    args.limit > 0 && args.limit < data.train.length ? new Subset(data.train, range(args.limit)) : data.train;
  const loader = new DataLoader(trainSet, {
    batchSize: args.batchSize,
    shuffle: true,
    generator: new Generator(args.seed + 1),
  });
  const optimizer = new Adam(model.parameters(), { lr: args.lr });
  // The learning rate follows a half cosine from lr to 0 over the whole run, stepped per batch:
  // the last epoch then fine-tunes with small steps instead of bouncing around the minimum.
  const scheduler = new CosineAnnealingLR(optimizer, { tMax: args.epochs * loader.length });
  const lossCurve: number[] = [];
  const epochs: EpochReport[] = [];
  for (let epoch = 1; epoch <= args.epochs; epoch++) {
    model.train();
    hooks.onEpochStart?.(epoch, loader.length);
    const start = performance.now();
    let images = 0;
    let batch = 0;
    let running = NaN;
    let total = 0;
    let correct = 0;
    for (const [x, y] of loader) {
      const output = model.forward(x);
      correct += countEqual(argmax(output.data, 1), y);
      const loss = F.crossEntropy(output, y);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      scheduler.step();
      const value = loss.item();
      lossCurve.push(value);
      total += value * x.shape[0]!;
      // An exponential moving average reads better than the jumpy per-batch loss.
      running = Number.isNaN(running) ? value : 0.95 * running + 0.05 * value;
      images += x.shape[0]!;
      hooks.onBatch?.(++batch, images, running, value);
    }
    const seconds = (performance.now() - start) / 1000;
    const test = evaluate(model, data.test);
    const report: EpochReport = {
      epoch,
      trainLoss: total / images,
      trainAccuracy: correct / images,
      testLoss: test.loss,
      testAccuracy: test.accuracy,
      seconds,
      imagesPerSecond: images / seconds,
    };
    epochs.push(report);
    hooks.onEpochEnd?.(report);
  }
  return { model, lossCurve, epochs, testAccuracy: epochs[epochs.length - 1]!.testAccuracy };
}

/** Fraction of `dataset` the model classifies correctly, and its mean cross-entropy (eval mode, no graph). */
export function evaluate(
  model: LeNet5 | WideCnn,
  dataset: BatchDataset,
  batchSize = 250,
): { accuracy: number; loss: number } {
  model.eval();
  let correct = 0;
  let loss = 0;
  noGrad(() => {
    for (let start = 0; start < dataset.length; start += batchSize) {
      const [x, y] = dataset.getBatch(range(Math.min(batchSize, dataset.length - start), start));
      const output = model.forward(new Variable(x));
      correct += countEqual(argmax(output.data, 1), y);
      loss += F.crossEntropy(output, y, { reduction: 'sum' }).item();
    }
  });
  return { accuracy: correct / dataset.length, loss: loss / dataset.length };
}

function countEqual(a: Tensor, b: Tensor): number {
  const x = a.toTypedArray();
  const y = b.toTypedArray();
  let n = 0;
  for (let i = 0; i < x.length; i++) if (x[i] === y[i]) n++;
  return n;
}

function range(n: number, start = 0): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = start + i;
  return out;
}

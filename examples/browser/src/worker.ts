/**
 * The training side of the demo, in a Web Worker so the page stays responsive: fetches the
 * digits, trains a small CNN with Adam, and posts the loss after every batch, the test accuracy
 * now and then, and pictures (the first layer's filters, the curves) drawn with Torchlet's
 * `visualize` helpers as RGBA pixels for the page to put on canvases.
 */
import { noGrad, Variable } from '@torchlet/autograd';
import {
  Adam,
  Conv2d,
  DataLoader,
  Flatten,
  functional as F,
  Linear,
  MaxPool2d,
  MnistDataset,
  ReLU,
  Sequential,
  visualize,
} from '@torchlet/layers';
import { argmax, Generator, manualSeed } from '@torchlet/tensor';
import { decodeDigits } from './digits.js';
import type { FromWorker, ToWorker, TrainSettings } from './protocol.js';

interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;

let stopRequested = false;

scope.onmessage = (event) => {
  const message = event.data;
  if (message.type === 'stop') stopRequested = true;
  else if (message.type === 'start') {
    stopRequested = false;
    train(message.settings).catch((e: unknown) =>
      scope.postMessage({ type: 'error', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }),
    );
  }
};

/** `[N, 1, 28, 28]` → logits `[N, 10]`: two 5×5 conv layers (8 and 16 filters), 2×2 max pools, one linear layer. */
function createModel(generator: Generator): Sequential {
  return new Sequential(
    new Conv2d(1, 8, 5, { padding: 2, generator }), // [N, 8, 28, 28]
    new ReLU(),
    new MaxPool2d(2), // [N, 8, 14, 14]
    new Conv2d(8, 16, 5, { generator }), // [N, 16, 10, 10]
    new ReLU(),
    new MaxPool2d(2), // [N, 16, 5, 5]
    new Flatten(),
    new Linear(16 * 5 * 5, 10, { generator }),
  );
}

function accuracy(model: Sequential, test: MnistDataset): number {
  model.eval();
  const indices = Int32Array.from({ length: test.length }, (_, i) => i);
  const [x, y] = test.getBatch(indices);
  const predicted = noGrad(() => argmax(model.forward(new Variable(x)).data, 1)).toTypedArray();
  const labels = y.toTypedArray();
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) correct++;
  model.train();
  return correct / labels.length;
}

/** Lets the event loop run (a `stop` message can arrive) without the throttling setTimeout gets. */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

async function train(settings: TrainSettings): Promise<void> {
  const response = await fetch(new URL('./digits.bin', import.meta.url));
  if (!response.ok) throw new Error(`fetching digits.bin failed: HTTP ${response.status}`);
  const digits = decodeDigits(new Uint8Array(await response.arrayBuffer()));
  const shape = (n: number) => [n, digits.rows, digits.cols];
  const trainSet = new MnistDataset(digits.trainImages, digits.trainLabels, {
    shape: shape(digits.trainLabels.length),
  });
  const testSet = new MnistDataset(digits.testImages, digits.testLabels, { shape: shape(digits.testLabels.length) });

  manualSeed(settings.seed);
  const model = createModel(new Generator(settings.seed));
  const optimizer = new Adam(model.parameters(), { lr: settings.lr });
  const loader = new DataLoader(trainSet, {
    batchSize: settings.batchSize,
    shuffle: true,
    generator: new Generator(settings.seed + 1),
  });
  scope.postMessage({
    type: 'ready',
    train: trainSet.length,
    test: testSet.length,
    parameters: model.numParameters(),
    model: 'Conv(8)-Pool-Conv(16)-Pool-Linear',
  });

  const conv1 = model.at(0) as Conv2d;
  const losses: number[] = [];
  const evals: { step: number; accuracy: number }[] = [];
  const totalSteps = settings.epochs * loader.length;
  const post = (message: FromWorker, transfer: Transferable[] = []) => scope.postMessage(message, transfer);
  const sendPictures = () => {
    const filters = visualize.filtersToImage(conv1.weight, { scale: 10, columns: 4 });
    let smooth = NaN;
    const smoothed = losses.map((v) => (smooth = Number.isNaN(smooth) ? v : 0.9 * smooth + 0.1 * v));
    const perEpoch = loader.length;
    const curves = visualize.lineChart(
      [
        { name: 'loss (smoothed)', x: smoothed.map((_, i) => (i + 1) / perEpoch), y: smoothed },
        { name: 'test error', x: evals.map((e) => e.step / perEpoch), y: evals.map((e) => 1 - e.accuracy) },
      ],
      { width: 560, height: 300, xLabel: 'epoch', yMin: 0 },
    );
    post({ type: 'pictures', filters, curves }, [filters.data.buffer, curves.data.buffer]);
  };

  const started = performance.now();
  let step = 0;
  let images = 0;
  model.train();
  sendPictures();
  outer: for (let epoch = 1; epoch <= settings.epochs; epoch++) {
    for (const [x, y] of loader) {
      const loss = F.crossEntropy(model.forward(x), y);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      step++;
      images += x.shape[0]!;
      losses.push(loss.item());
      post({
        type: 'batch',
        epoch,
        step,
        totalSteps,
        loss: losses[losses.length - 1]!,
        imagesPerSecond: images / ((performance.now() - started) / 1000),
      });
      const endOfEpoch = step % loader.length === 0;
      if (step % settings.evalEvery === 0 || endOfEpoch) {
        evals.push({ step, accuracy: accuracy(model, testSet) });
        post({ type: 'eval', step, epoch, accuracy: evals[evals.length - 1]!.accuracy });
      }
      if (step % 10 === 0 || endOfEpoch) sendPictures();
      await yieldToEvents();
      if (stopRequested) break outer;
    }
  }
  sendPictures();
  const final =
    evals.length && evals[evals.length - 1]!.step === step
      ? evals[evals.length - 1]!.accuracy
      : accuracy(model, testSet);
  post({ type: 'done', accuracy: final, seconds: (performance.now() - started) / 1000, stopped: stopRequested });
}

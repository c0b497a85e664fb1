/**
 * The training side of the demo, in a Web Worker so the page stays responsive: fetches the
 * digits, trains the chosen CNN with Adam, and posts the loss after every batch, the test accuracy
 * now and then, and pictures (the first layer's filters, the curves) drawn with Torchlet's
 * `visualize` helpers as RGBA pixels for the page to put on canvases. Between batches it answers
 * the page's drawing pad: class probabilities and feature maps of a drawn digit.
 *
 * Where the page is cross-origin isolated, Torchlet's WebAssembly GEMM starts a thread per core
 * from here (nested workers sharing this worker's memory); elsewhere it runs on this one thread.
 */
import { noGrad, Variable } from '@torchlet/autograd';
import {
  Adam,
  Conv2d,
  DataLoader,
  functional as F,
  MnistDataset,
  ReLU,
  type Sequential,
  visualize,
} from '@torchlet/layers';
import { argmax, Generator, manualSeed, Tensor } from '@torchlet/tensor';
import { getBackendInfo } from '@torchlet/tensor/kernels';
import { decodeDigits, type Digits } from './digits.js';
import { modelChoice } from './models.js';
import type { FromWorker, ToWorker, TrainSettings } from './protocol.js';

interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  crossOriginIsolated?: boolean;
}
const scope = self as unknown as WorkerScope;
const post = (message: FromWorker, transfer: Transferable[] = []) => scope.postMessage(message, transfer);

/** The run the page asked for last; a training loop whose run is older stops at its next batch. */
let currentRun = -1;
let stopRequested = false;
/** The network being trained (or trained last): what the drawing pad asks. */
let model: Sequential | null = null;
let digitsPromise: Promise<Digits> | null = null;

scope.onmessage = (event) => {
  const message = event.data;
  try {
    switch (message.type) {
      case 'stop':
        stopRequested = true;
        break;
      case 'start':
        currentRun = message.run;
        stopRequested = false;
        train(message.run, message.settings).catch(reportError);
        break;
      case 'classify':
        classify(message.id, message.pixels);
        break;
      case 'sample':
        sample(message.index).catch(reportError);
        break;
    }
  } catch (e) {
    reportError(e);
  }
};

function reportError(e: unknown): void {
  post({ type: 'error', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
}

function loadDigits(): Promise<Digits> {
  digitsPromise ??= (async () => {
    const response = await fetch(new URL('./digits.bin', import.meta.url));
    if (!response.ok) throw new Error(`fetching digits.bin failed: HTTP ${response.status}`);
    return decodeDigits(new Uint8Array(await response.arrayBuffer()));
  })();
  return digitsPromise;
}

/** `[N, H, W]` bytes → a dataset normalised as MNIST (the drawn digits go through the same table). */
function dataset(images: Uint8Array, labels: Uint8Array, digits: Digits): MnistDataset {
  return new MnistDataset(images, labels, { shape: [labels.length, digits.rows, digits.cols] });
}

function accuracy(net: Sequential, test: MnistDataset): number {
  net.eval();
  const indices = Int32Array.from({ length: test.length }, (_, i) => i);
  const [x, y] = test.getBatch(indices);
  const predicted = noGrad(() => argmax(net.forward(new Variable(x)).data, 1)).toTypedArray();
  const labels = y.toTypedArray();
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) correct++;
  net.train();
  return correct / labels.length;
}

/**
 * The current network's class probabilities for one `[28, 28]` byte image, and the output of each
 * convolution (after its ReLU) as a picture: the layers run one by one so their outputs can be kept.
 */
function classify(id: number, pixels: Uint8Array): void {
  if (model === null) {
    post({ type: 'classified', id, probabilities: null, featureMaps: [] });
    return;
  }
  const net = model;
  const [x] = new MnistDataset(pixels, new Uint8Array(1), { shape: [1, 28, 28] }).getBatch([0]);
  const wasTraining = net.training;
  net.eval();
  const { probabilities, featureMaps } = noGrad(() => {
    const maps: visualize.RgbaImage[] = [];
    let h = new Variable(x);
    const layers = net.children();
    for (let i = 0; i < layers.length; i++) {
      h = layers[i]!.forward(h) as Variable;
      if (layers[i] instanceof ReLU && layers[i - 1] instanceof Conv2d) {
        const [, c, height, width] = h.shape as [number, number, number, number];
        const title = `conv ${maps.length + 1}: ${c} maps, ${height}x${width}`;
        maps.push(visualize.featureMapsToImage(h, { scale: height > 14 ? 3 : 5, columns: 8, title }));
      }
    }
    const p = F.softmax(h, 1).data.toTypedArray();
    return { probabilities: Array.from(p, Number), featureMaps: maps };
  });
  if (wasTraining) net.train();
  post(
    { type: 'classified', id, probabilities, featureMaps },
    featureMaps.map((m) => m.data.buffer as ArrayBuffer),
  );
}

async function sample(index: number): Promise<void> {
  const digits = await loadDigits();
  const n = digits.testLabels.length;
  const i = ((index % n) + n) % n;
  const pixels = digits.testImages.slice(i * 784, (i + 1) * 784);
  post({ type: 'sample', index: i, label: digits.testLabels[i]!, pixels }, [pixels.buffer]);
}

/** Lets the event loop run (a `stop`, `start` or `classify` can arrive) without the throttling setTimeout gets. */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

async function train(run: number, settings: TrainSettings): Promise<void> {
  const digits = await loadDigits();
  if (run !== currentRun) return;
  const trainSet = dataset(digits.trainImages, digits.trainLabels, digits);
  const testSet = dataset(digits.testImages, digits.testLabels, digits);
  const choice = modelChoice(settings.model);

  manualSeed(settings.seed);
  const net = choice.create(new Generator(settings.seed));
  model = net;
  const optimizer = new Adam(net.parameters(), { lr: settings.lr });
  const loader = new DataLoader(trainSet, {
    batchSize: settings.batchSize,
    shuffle: true,
    generator: new Generator(settings.seed + 1),
  });
  // The GEMM backend is chosen at the first product; make it now so the page can show it before training.
  noGrad(() => net.forward(new Variable(new Tensor(new Float32Array(784), [1, 1, 28, 28]))));
  post({
    type: 'runtime',
    runtime: { backend: getBackendInfo(), crossOriginIsolated: scope.crossOriginIsolated === true },
  });
  post({
    type: 'ready',
    run,
    train: trainSet.length,
    test: testSet.length,
    parameters: net.numParameters(),
    model: choice.label,
  });

  const conv1 = net.at(0) as Conv2d;
  const losses: number[] = [];
  const evals: { step: number; accuracy: number }[] = [];
  const totalSteps = settings.epochs * loader.length;
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
    post({ type: 'pictures', run, filters, curves }, [filters.data.buffer, curves.data.buffer]);
  };

  const started = performance.now();
  let step = 0;
  let images = 0;
  const stopped = () => stopRequested || run !== currentRun;
  net.train();
  sendPictures();
  outer: for (let epoch = 1; epoch <= settings.epochs; epoch++) {
    for (const [x, y] of loader) {
      const loss = F.crossEntropy(net.forward(x), y);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      step++;
      images += x.shape[0]!;
      losses.push(loss.item());
      post({
        type: 'batch',
        run,
        epoch,
        step,
        totalSteps,
        loss: losses[losses.length - 1]!,
        imagesPerSecond: images / ((performance.now() - started) / 1000),
      });
      const endOfEpoch = step % loader.length === 0;
      if (step % settings.evalEvery === 0 || endOfEpoch) {
        evals.push({ step, accuracy: accuracy(net, testSet) });
        post({ type: 'eval', run, step, epoch, accuracy: evals[evals.length - 1]!.accuracy });
      }
      if (step % 10 === 0 || endOfEpoch) sendPictures();
      await yieldToEvents();
      if (stopped()) break outer;
    }
  }
  if (run !== currentRun) return; // replaced by a newer run: its pictures and status take over
  sendPictures();
  const final =
    evals.length && evals[evals.length - 1]!.step === step ? evals[evals.length - 1]!.accuracy : accuracy(net, testSet);
  post({ type: 'done', run, accuracy: final, seconds: (performance.now() - started) / 1000, stopped: stopRequested });
}

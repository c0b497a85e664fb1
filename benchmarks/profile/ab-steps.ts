// Steps for in-process A/B runs (ab.mjs): each `makeStep(name)` builds its inputs once and returns a
// function that runs one step and returns its wall time in ms. Bundle it once per build to compare:
//   ENTRY=ab-steps.ts OUT=before BUILD_ONLY=1 node benchmarks/profile/run.mjs   (on the baseline)
//   ENTRY=ab-steps.ts OUT=after BUILD_ONLY=1 node benchmarks/profile/run.mjs    (on the change)
//   node benchmarks/profile/ab.mjs before after lenet   (or cifar, a conv fwd+bwd row, or fwdMnist / fwdMid / fwdLarge: forward only; avgPool / bilinear: JS ops)
import { Variable } from '@torchlet/autograd';
import { Adam, DataLoader, functional as F } from '@torchlet/layers';
import { mnistDatasets } from '@torchlet/layers/node';
import { Generator, manualSeed, randn } from '@torchlet/tensor';
import { LeNet5 } from '../../examples/mnist/src/models.js';
import { cifarStep } from '../src/workloads/cifar.js';

/** The bench's conv fwd+bwd rows: input, weight and dL/dy shapes, padding 1. */
const CONV_ROWS: Record<string, [number[], number[], number[], typeof F.conv1d]> = {
  conv1d: [[32, 16, 1024], [32, 16, 9], [32, 32, 1024], F.conv1d],
  conv2d: [[64, 32, 14, 14], [64, 32, 3, 3], [64, 64, 14, 14], F.conv2d as typeof F.conv1d],
  conv2dLarge: [[16, 64, 56, 56], [64, 64, 3, 3], [16, 64, 56, 56], F.conv2d as typeof F.conv1d],
  conv3d: [[8, 16, 8, 8, 8], [32, 16, 3, 3, 3], [8, 32, 8, 8, 8], F.conv3d as typeof F.conv1d],
};

/** The bench's conv forward rows (plain tensors: no graph, no kept columns), padding 1. */
const FORWARD_ROWS: Record<string, [number[], number[]]> = {
  fwdMnist: [
    [64, 1, 28, 28],
    [32, 1, 3, 3],
  ],
  fwdMid: [
    [64, 32, 14, 14],
    [64, 32, 3, 3],
  ],
  fwdLarge: [
    [16, 64, 56, 56],
    [64, 64, 3, 3],
  ],
};

/** JS-only ops (no backend kernel), forward and backward: avg-pool's 2-D window walk and bilinear resampling. */
const JS_ROWS: Record<string, [number[], (x: Variable) => Variable]> = {
  avgPool: [[64, 32, 28, 28], (x) => F.avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1 })],
  bilinear: [[16, 16, 32, 32], (x) => F.interpolate(x, { scaleFactor: 2, mode: 'bilinear' })],
};

export const STEP_NAMES = [
  'lenet',
  'cifar',
  ...Object.keys(CONV_ROWS),
  ...Object.keys(FORWARD_ROWS),
  ...Object.keys(JS_ROWS),
];

export function makeStep(name: string): () => number {
  if (name === 'lenet') return lenetStep();
  if (name === 'cifar') return timed(cifarStep(64).torchlet(64).run);
  const forward = FORWARD_ROWS[name];
  if (forward) return forwardStep(...forward);
  const jsRow = JS_ROWS[name];
  if (jsRow) return jsOpStep(...jsRow);
  const row = CONV_ROWS[name];
  if (!row) throw new Error(`ab-steps: no step '${name}'; steps: ${STEP_NAMES.join(', ')}`);
  const [xShape, wShape, yShape, conv] = row;
  const g = new Generator(1);
  const x = new Variable(randn(xShape, { generator: g }), { requiresGrad: true });
  const w = new Variable(randn(wShape, { generator: g }), { requiresGrad: true });
  const dy = randn(yShape, { generator: g });
  const padding = name === 'conv1d' ? 4 : 1;
  return () => {
    x.grad = null;
    w.grad = null;
    const t = performance.now();
    conv(x, w, null, { padding }).backward(dy);
    return performance.now() - t;
  };
}

/** `run` made into a step that returns its wall time in ms. */
function timed(run: () => void): () => number {
  return () => {
    const t = performance.now();
    run();
    return performance.now() - t;
  };
}

function jsOpStep(xShape: number[], op: (x: Variable) => Variable): () => number {
  const x = new Variable(randn(xShape, { generator: new Generator(1) }), { requiresGrad: true });
  return () => {
    x.grad = null;
    const t = performance.now();
    op(x).sum().backward();
    return performance.now() - t;
  };
}

function forwardStep(xShape: number[], wShape: number[]): () => number {
  const g = new Generator(1);
  const x = randn(xShape, { generator: g });
  const w = randn(wShape, { generator: g });
  return () => {
    const t = performance.now();
    F.conv2d(x, w, null, { padding: 1 });
    return performance.now() - t;
  };
}

/** examples/mnist's training step: real MNIST, batch 64, Adam, crossEntropy. */
function lenetStep(): () => number {
  const data = mnistDatasets();
  manualSeed(1);
  const model = new LeNet5(new Generator(1));
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  const loader = new DataLoader(data.train, { batchSize: 64, shuffle: true, generator: new Generator(2) });
  let batches = loader[Symbol.iterator]();
  return () => {
    let next = batches.next();
    if (next.done) {
      batches = loader[Symbol.iterator]();
      next = batches.next();
    }
    const [x, y] = next.value!;
    const t = performance.now();
    const loss = F.crossEntropy(model.forward(x), y);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    return performance.now() - t;
  };
}

import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, SGD, Sequential, type Adam, type Parameter } from '@torchlet/layers';
import { crossEntropy } from '@torchlet/layers/functional';
import { Generator, Tensor, contiguousData } from '@torchlet/tensor';
import type * as TF from '@tensorflow/tfjs-core';
import { seededLabels, seededNormal, transpose2d, weightFromTf, weightToTf } from '../data.js';
import type { Tf } from '../tf-peers.js';
import type { Prepared, Workload } from './workload.js';

export const LR = 0.01;
const MODEL_SEED = 7;

/** LeNet-5's layers, kept by name so the TF.js copy can take the same initial weights. */
export interface LeNet {
  model: Sequential;
  conv1: Conv2d;
  conv2: Conv2d;
  fc1: Linear;
  fc2: Linear;
  fc3: Linear;
}

/**
 * LeNet-5 for 28×28 digits (the first convolution pads by 2, as for MNIST):
 * `[N, 1, 28, 28]` → conv 5×5 (6) → ReLU → max 2 → conv 5×5 (16) → ReLU → max 2 → `[N, 400]`
 * → 120 → ReLU → 84 → ReLU → 10 logits.
 */
export function lenet(generator: Generator): LeNet {
  const conv1 = new Conv2d(1, 6, 5, { padding: 2, generator });
  const conv2 = new Conv2d(6, 16, 5, { generator });
  const fc1 = new Linear(400, 120, { generator });
  const fc2 = new Linear(120, 84, { generator });
  const fc3 = new Linear(84, 10, { generator });
  const model = new Sequential(
    conv1,
    new ReLU(),
    new MaxPool2d(2),
    conv2,
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    fc1,
    new ReLU(),
    fc2,
    new ReLU(),
    fc3,
  );
  return { model, conv1, conv2, fc1, fc2, fc3 };
}

/** One SGD step on one batch: zero the gradients, forward, cross-entropy, backward, update. Returns the loss. */
export function trainStep(model: Sequential, optimizer: SGD | Adam, images: Tensor, labels: Tensor): number {
  optimizer.zeroGrad();
  const loss = crossEntropy(model.forward(images), labels);
  loss.backward();
  optimizer.step();
  return loss.item();
}

/**
 * Torchlet's side of a training-step workload: SGD at `LR` on `model` over one batch; the outputs are
 * the loss and `weights()` after the latest step.
 */
export function preparedTrainStep(
  model: Sequential,
  images: Tensor,
  labels: Tensor,
  weights: () => Float32Array[],
): Prepared {
  const optimizer = new SGD(model.parameters(), { lr: LR });
  let loss = NaN;
  return {
    run: () => {
      loss = trainStep(model, optimizer, images, labels);
    },
    outputs: () => [Float32Array.of(loss), ...weights()],
    dispose: () => {},
  };
}

/**
 * TF.js's side of a training-step workload: SGD at `LR` minimising `lossFn` over `variables`; the
 * outputs are the loss and `weights(read)` (in Torchlet's layouts) after the latest step.
 */
export function preparedTfTrainStep(
  tf: Tf,
  lossFn: () => TF.Scalar,
  variables: TF.Variable[],
  inputs: TF.Tensor[],
  weights: (read: (t: TF.Variable) => Float32Array) => Float32Array[],
): Prepared {
  const optimizer = tf.train.sgd(LR);
  const read = (t: TF.Variable) => t.dataSync() as Float32Array;
  let loss = NaN;
  return {
    run: () => {
      const cost = optimizer.minimize(lossFn, true, variables)!;
      loss = cost.dataSync()[0]!;
      cost.dispose();
    },
    outputs: () => [Float32Array.of(loss), ...weights(read)],
    dispose: () => {
      tf.dispose([...variables, ...inputs]);
      optimizer.dispose();
    },
  };
}

const values = (p: Parameter | null) => contiguousData(p!.data) as Float32Array;

/** The parameters in a fixed order, Torchlet layout: conv1 w, b, conv2 w, b, fc1 w, b, fc2 w, b, fc3 w, b. */
function torchletParams(net: LeNet): Float32Array[] {
  return [net.conv1, net.conv2, net.fc1, net.fc2, net.fc3].flatMap((m) => [values(m.weight), values(m.bias)]);
}

// fc1 reads the flattened [16, 5, 5] feature map. Torchlet flattens NCHW (index c·25 + h·5 + w), TF.js
// NHWC (h·80 + w·16 + c), so the TF.js kernel [400, 120] holds fc1's weight with its rows permuted:
// the same function, no transpose in the timed step.
const C2 = 16;
const S2 = 5;
function fc1ToTf(w: Float32Array): Float32Array {
  const out = new Float32Array(w.length);
  for (let o = 0; o < 120; o++) {
    for (let c = 0; c < C2; c++) {
      for (let p = 0; p < S2 * S2; p++) out[(p * C2 + c) * 120 + o] = w[o * 400 + c * S2 * S2 + p]!;
    }
  }
  return out;
}
function fc1FromTf(k: Float32Array): Float32Array {
  const out = new Float32Array(k.length);
  for (let o = 0; o < 120; o++) {
    for (let c = 0; c < C2; c++) {
      for (let p = 0; p < S2 * S2; p++) out[o * 400 + c * S2 * S2 + p] = k[(p * C2 + c) * 120 + o]!;
    }
  }
  return out;
}

/** The inputs of the training-step workload: a seeded batch of MNIST-shaped images and labels. */
function batchData(batch: number) {
  return { x: seededNormal([batch, 1, 28, 28], 301), y: seededLabels(batch, 10, 302) };
}

/**
 * One LeNet-5 training step (batch 64, cross-entropy, SGD lr 0.01). Both frameworks start from the
 * same weights (Torchlet's seeded PyTorch-default init, copied into TF.js variables), so after the
 * first step their losses and updated weights must agree.
 */
export function lenetStep(batch = 64): Workload {
  return {
    name: `lenet-5 train step (batch ${batch})`,
    scalableBatch: null,
    flops: () => null,
    images: batch,
    pytorch: { kind: 'lenet-step', batch, lr: LR },
    torchlet(): Prepared {
      const net = lenet(new Generator(MODEL_SEED));
      const { x, y } = batchData(batch);
      return preparedTrainStep(net.model, new Tensor(x, [batch, 1, 28, 28]), new Tensor(y, [batch]), () =>
        torchletParams(net),
      );
    },
    tfjs(tf: Tf): Prepared {
      const init = torchletParams(lenet(new Generator(MODEL_SEED)));
      const [c1w, c1b, c2w, c2b, f1w, f1b, f2w, f2b, f3w, f3b] = init as [
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
      ];
      const v = {
        c1w: tf.variable(tf.tensor4d(weightToTf(c1w, [6, 1, 5, 5]), [5, 5, 1, 6])),
        c1b: tf.variable(tf.tensor1d(c1b)),
        c2w: tf.variable(tf.tensor4d(weightToTf(c2w, [16, 6, 5, 5]), [5, 5, 6, 16])),
        c2b: tf.variable(tf.tensor1d(c2b)),
        f1w: tf.variable(tf.tensor2d(fc1ToTf(f1w), [400, 120])),
        f1b: tf.variable(tf.tensor1d(f1b)),
        f2w: tf.variable(tf.tensor2d(transpose2d(f2w, 84, 120), [120, 84])),
        f2b: tf.variable(tf.tensor1d(f2b)),
        f3w: tf.variable(tf.tensor2d(transpose2d(f3w, 10, 84), [84, 10])),
        f3b: tf.variable(tf.tensor1d(f3b)),
      };
      const { x, y } = batchData(batch);
      // NCHW with one channel is already NHWC.
      const images = tf.tensor4d(x, [batch, 28, 28, 1]);
      const oneHot = tf.tidy(() => tf.oneHot(tf.tensor1d(y, 'int32'), 10));
      const lossFn = (): TF.Scalar => {
        let h = tf.relu(tf.add<TF.Tensor4D>(tf.conv2d(images, v.c1w as TF.Tensor4D, 1, 2), v.c1b));
        h = tf.maxPool(h, 2, 2, 'valid');
        h = tf.relu(tf.add<TF.Tensor4D>(tf.conv2d(h, v.c2w as TF.Tensor4D, 1, 'valid'), v.c2b));
        h = tf.maxPool(h, 2, 2, 'valid');
        let f = tf.reshape<TF.Rank.R2>(h, [batch, 400]);
        f = tf.relu(tf.add<TF.Tensor2D>(tf.matMul(f, v.f1w), v.f1b));
        f = tf.relu(tf.add<TF.Tensor2D>(tf.matMul(f, v.f2w), v.f2b));
        const logits = tf.add<TF.Tensor2D>(tf.matMul(f, v.f3w), v.f3b);
        return tf.losses.softmaxCrossEntropy(oneHot, logits);
      };
      return preparedTfTrainStep(tf, lossFn, Object.values(v), [images, oneHot], (read) => [
        weightFromTf(read(v.c1w), [6, 1, 5, 5]),
        read(v.c1b),
        weightFromTf(read(v.c2w), [16, 6, 5, 5]),
        read(v.c2b),
        fc1FromTf(read(v.f1w)),
        read(v.f1b),
        transpose2d(read(v.f2w), 120, 84),
        read(v.f2b),
        transpose2d(read(v.f3w), 84, 10),
        read(v.f3b),
      ]);
    },
  };
}

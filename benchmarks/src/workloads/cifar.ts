import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, type Parameter } from '@torchlet/layers';
import { Generator, Tensor, contiguousData } from '@torchlet/tensor';
import type * as TF from '@tensorflow/tfjs-core';
import { channelsLast, seededLabels, seededNormal, weightFromTf, weightToTf } from '../data.js';
import type { Tf } from '../tf-peers.js';
import { LR, preparedTfTrainStep, preparedTrainStep } from './lenet.js';
import type { Prepared, Workload } from './workload.js';

const MODEL_SEED = 8;
const CHANNELS = [3, 32, 64, 128] as const;
// 32 → 16 → 8 → 4 after three 2×2 pools.
const LAST = 4;
const FEATURES = CHANNELS[3] * LAST * LAST;

/**
 * A small CIFAR-shaped CNN, one size up from LeNet-5: `[N, 3, 32, 32]` → three blocks of conv 3×3
 * (padding 1; 32, 64, 128 channels) → ReLU → max 2 → `[N, 2048]` → Linear 10. PyTorch's copy is
 * `cifar_cnn` in benchmarks/pytorch/bench.py.
 */
function cifarCnn(generator: Generator): { model: Sequential; convs: Conv2d[]; fc: Linear } {
  const convs = [0, 1, 2].map((i) => new Conv2d(CHANNELS[i]!, CHANNELS[i + 1]!, 3, { padding: 1, generator }));
  const fc = new Linear(FEATURES, 10, { generator });
  const model = new Sequential(...convs.flatMap((c) => [c, new ReLU(), new MaxPool2d(2)]), new Flatten(), fc);
  return { model, convs, fc };
}

const values = (p: Parameter | null) => contiguousData(p!.data) as Float32Array;

// The classifier reads the flattened [128, 4, 4] map: NCHW (c·16 + h·4 + w) here, NHWC ((h·4 + w)·128 + c)
// in TF.js, so TF.js holds fc's weight [10, 2048] as a [2048, 10] kernel with its rows permuted.
function fcToTf(w: Float32Array): Float32Array {
  const out = new Float32Array(w.length);
  const c = CHANNELS[3];
  for (let o = 0; o < 10; o++)
    for (let ch = 0; ch < c; ch++)
      for (let p = 0; p < LAST * LAST; p++) out[(p * c + ch) * 10 + o] = w[o * FEATURES + ch * LAST * LAST + p]!;
  return out;
}
function fcFromTf(k: Float32Array): Float32Array {
  const out = new Float32Array(k.length);
  const c = CHANNELS[3];
  for (let o = 0; o < 10; o++)
    for (let ch = 0; ch < c; ch++)
      for (let p = 0; p < LAST * LAST; p++) out[o * FEATURES + ch * LAST * LAST + p] = k[(p * c + ch) * 10 + o]!;
  return out;
}

function batchData(batch: number) {
  return { x: seededNormal([batch, 3, 32, 32], 501), y: seededLabels(batch, 10, 502) };
}

/**
 * One training step of the CIFAR-shaped CNN (cross-entropy, SGD lr 0.01) from the same weights in
 * every framework, so the loss and the updated weights can be compared before timing.
 */
export function cifarStep(batch = 64): Workload {
  return {
    name: `cifar cnn train step (3×32×32, conv 32-64-128, batch ${batch})`,
    scalableBatch: null,
    flops: () => null,
    images: batch,
    pytorch: { kind: 'cifar-step', batch, lr: LR },
    torchlet(): Prepared {
      const net = cifarCnn(new Generator(MODEL_SEED));
      const { x, y } = batchData(batch);
      return preparedTrainStep(net.model, new Tensor(x, [batch, 3, 32, 32]), new Tensor(y, [batch]), () =>
        [...net.convs, net.fc].flatMap((m) => [values(m.weight), values(m.bias)]),
      );
    },
    tfjs(tf: Tf): Prepared {
      const init = cifarCnn(new Generator(MODEL_SEED));
      const convs = init.convs.map((c, i) => ({
        w: tf.variable(
          tf.tensor4d(weightToTf(values(c.weight), [CHANNELS[i + 1]!, CHANNELS[i]!, 3, 3]), [
            3,
            3,
            CHANNELS[i]!,
            CHANNELS[i + 1]!,
          ]),
        ),
        b: tf.variable(tf.tensor1d(values(c.bias))),
      }));
      const fcW = tf.variable(tf.tensor2d(fcToTf(values(init.fc.weight)), [FEATURES, 10]));
      const fcB = tf.variable(tf.tensor1d(values(init.fc.bias)));
      const { x, y } = batchData(batch);
      const images = tf.tensor4d(channelsLast(x, [batch, 3, 32, 32]), [batch, 32, 32, 3]);
      const oneHot = tf.tidy(() => tf.oneHot(tf.tensor1d(y, 'int32'), 10));
      const lossFn = (): TF.Scalar => {
        let h: TF.Tensor4D = images;
        for (const c of convs) {
          h = tf.relu(tf.add<TF.Tensor4D>(tf.conv2d(h, c.w as TF.Tensor4D, 1, 'same'), c.b));
          h = tf.maxPool(h, 2, 2, 'valid');
        }
        const logits = tf.add<TF.Tensor2D>(tf.matMul(tf.reshape<TF.Rank.R2>(h, [batch, FEATURES]), fcW), fcB);
        return tf.losses.softmaxCrossEntropy(oneHot, logits);
      };
      const variables = [...convs.flatMap((c) => [c.w, c.b]), fcW, fcB];
      return preparedTfTrainStep(tf, lossFn, variables, [images, oneHot], (read) => [
        ...convs.flatMap((c, i) => [weightFromTf(read(c.w), [CHANNELS[i + 1]!, CHANNELS[i]!, 3, 3]), read(c.b)]),
        fcFromTf(read(fcW)),
        read(fcB),
      ]);
    },
  };
}

import { Variable } from '@torchlet/autograd';
import { conv1d, conv2d, conv3d } from '@torchlet/layers/functional';
import { Tensor, contiguousData } from '@torchlet/tensor';
import type * as TF from '@tensorflow/tfjs-core';
import { channelsFirst, channelsLast, seededNormal, weightFromTf, weightToTf } from '../data.js';
import type { Tf } from '../tf-peers.js';
import type { Prepared, Workload } from './workload.js';

/** A stride-1 "same-size" convolution, 1-D (`[N, Cin, L]`), 2-D (`[N, Cin, H, W]`) or 3-D (`[N, Cin, D, H, W]`). */
export interface ConvCase {
  x: readonly number[];
  w: readonly number[];
  padding: number;
}

const dims = (c: ConvCase) => c.x.length - 2;
const opOf = (c: ConvCase) => [conv1d, conv2d, conv3d][dims(c) - 1]!;
const fmt = (s: readonly number[]) => `[${s.join(',')}]`;

/** Output spatial sizes for stride 1, dilation 1. */
function outSize(c: ConvCase): number[] {
  return c.x.slice(2).map((s, i) => s + 2 * c.padding - c.w[2 + i]! + 1);
}

/** Multiply–adds of the forward pass at `batch`: N·Cout·∏out·Cin·∏k. */
function macs(c: ConvCase, batch: number): number {
  const prod = (v: readonly number[]) => v.reduce((a, b) => a * b, 1);
  return batch * c.w[0]! * prod(outSize(c)) * c.w[1]! * prod(c.w.slice(2));
}

function withBatch(shape: readonly number[], batch: number): number[] {
  return [batch, ...shape.slice(1)];
}

/** The seeded input, weight and output gradient at full batch; a smaller batch takes a prefix. */
function convData(c: ConvCase, seed: number) {
  let data: { x: Float32Array; w: Float32Array; gy: Float32Array } | null = null;
  return (batch: number) => {
    // He-like scale for the weight, so outputs stay O(1) and differences read as relative errors.
    const fanIn = c.w.slice(1).reduce((a, b) => a * b, 1);
    data ??= {
      x: seededNormal(c.x, seed),
      w: seededNormal(c.w, seed + 1, Math.sqrt(2 / fanIn)),
      gy: seededNormal([c.x[0]!, c.w[0]!, ...outSize(c)], seed + 2),
    };
    const per = (a: Float32Array) => a.length / c.x[0]!;
    return {
      x: data.x.subarray(0, batch * per(data.x)),
      w: data.w,
      gy: data.gy.subarray(0, batch * per(data.gy)),
    };
  };
}

/**
 * The TF.js convolution in its layouts (NHWC / NWC / NDHWC input, HWIO / WIO / DHWIO filter). 1-D runs
 * as a unit-height conv2d with explicit padding, which is what `tf.conv1d` does inside; `tf.conv1d`
 * itself reads a numeric pad as padding the unit height too and then fails on the reshape back.
 * `tf.conv3d` takes only 'same' or 'valid', which is padding (k − 1)/2 for the odd kernels here.
 */
function tfConv(tf: Tf, c: ConvCase) {
  if (dims(c) === 2)
    return (x: TF.Tensor, w: TF.Tensor): TF.Tensor => tf.conv2d(x as TF.Tensor4D, w as TF.Tensor4D, 1, c.padding);
  if (dims(c) === 3) {
    if (!c.w.slice(2).every((k) => k === 2 * c.padding + 1))
      throw new Error(`tf.conv3d has no padding ${c.padding} for a kernel ${fmt(c.w.slice(2))}`);
    return (x: TF.Tensor, w: TF.Tensor): TF.Tensor => tf.conv3d(x as TF.Tensor5D, w as TF.Tensor5D, 1, 'same');
  }
  const pad: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0],
    [0, 0],
    [c.padding, c.padding],
    [0, 0],
  ];
  return (x: TF.Tensor, w: TF.Tensor): TF.Tensor => {
    const [n, , cIn] = x.shape as [number, number, number];
    const [k, , cOut] = w.shape as [number, number, number];
    const y = tf.conv2d(
      tf.reshape<TF.Rank.R4>(x, [n, 1, x.shape[1]!, cIn]),
      tf.reshape<TF.Rank.R4>(w, [1, k, cIn, cOut]),
      1,
      pad,
    );
    return tf.reshape(y, [n, y.shape[2], cOut]);
  };
}

/**
 * Convolution forward: `y = conv(x, w)`, no bias. TF.js gets the same numbers in its own layout
 * (NHWC input, HWIO filter): converting is not part of what is timed, as a TF.js user would hold
 * their data that way.
 */
export function convForward(c: ConvCase, seed: number): Workload {
  const data = convData(c, seed);
  const op = opOf(c);
  const yShape = (batch: number) => [batch, c.w[0]!, ...outSize(c)];
  return {
    name: `conv${dims(c)}d fwd ${fmt(c.x)}*${fmt(c.w)} p${c.padding}`,
    scalableBatch: c.x[0]!,
    flops: (batch) => 2 * macs(c, batch),
    images: null,
    pytorch: { kind: 'conv', x: c.x, w: c.w, padding: c.padding, backward: false },
    torchlet(batch): Prepared {
      const { x, w } = data(batch);
      const tx = new Tensor(x, withBatch(c.x, batch));
      const tw = new Tensor(w, [...c.w]);
      let y: Variable | null = null;
      return {
        run: () => {
          y = op(tx, tw, null, { padding: c.padding });
        },
        outputs: () => [contiguousData(y!.data) as Float32Array],
        dispose: () => {
          y = null;
        },
      };
    },
    tfjs(tf, batch): Prepared {
      const { x, w } = data(batch);
      const xShape = withBatch(c.x, batch);
      const tx = tf.tensor(channelsLast(x, xShape), [xShape[0]!, ...xShape.slice(2), xShape[1]!]);
      const tw = tf.tensor(weightToTf(w, c.w), [...c.w.slice(2), c.w[1]!, c.w[0]!]);
      const f = tfConv(tf, c);
      let y: TF.Tensor | null = null;
      return {
        run: () => {
          y?.dispose();
          y = f(tx, tw);
          y.dataSync();
        },
        outputs: () => [channelsFirst(y!.dataSync() as Float32Array, yShape(batch))],
        dispose: () => tf.dispose([tx, tw, ...(y ? [y] : [])]),
      };
    },
  };
}

/**
 * Convolution forward and backward: `y = conv(x, w)`, then `dL/dx` and `dL/dw` for a seeded `dL/dy`
 * (what one layer costs in training). TF.js: `tf.grads` over the same function.
 */
export function convForwardBackward(c: ConvCase, seed: number): Workload {
  const data = convData(c, seed);
  const op = opOf(c);
  const yShape = (batch: number) => [batch, c.w[0]!, ...outSize(c)];
  return {
    name: `conv${dims(c)}d fwd+bwd ${fmt(c.x)}*${fmt(c.w)} p${c.padding}`,
    scalableBatch: c.x[0]!,
    // Forward, input gradient and weight gradient each cost one forward's multiply–adds.
    flops: (batch) => 3 * 2 * macs(c, batch),
    images: null,
    pytorch: { kind: 'conv', x: c.x, w: c.w, padding: c.padding, backward: true },
    torchlet(batch): Prepared {
      const { x, w, gy } = data(batch);
      const vx = new Variable(new Tensor(x, withBatch(c.x, batch)), { requiresGrad: true });
      const vw = new Variable(new Tensor(w, [...c.w]), { requiresGrad: true });
      const tgy = new Tensor(gy, yShape(batch));
      return {
        run: () => {
          vx.grad = null;
          vw.grad = null;
          op(vx, vw, null, { padding: c.padding }).backward(tgy);
        },
        outputs: () => [contiguousData(vx.grad!) as Float32Array, contiguousData(vw.grad!) as Float32Array],
        dispose: () => {
          vx.grad = null;
          vw.grad = null;
        },
      };
    },
    tfjs(tf, batch): Prepared {
      const { x, w, gy } = data(batch);
      const xShape = withBatch(c.x, batch);
      const tx = tf.tensor(channelsLast(x, xShape), [xShape[0]!, ...xShape.slice(2), xShape[1]!]);
      const tw = tf.tensor(weightToTf(w, c.w), [...c.w.slice(2), c.w[1]!, c.w[0]!]);
      const ys = yShape(batch);
      const tgy = tf.tensor(channelsLast(gy, ys), [ys[0]!, ...ys.slice(2), ys[1]!]);
      const grads = tf.grads(tfConv(tf, c));
      let g: TF.Tensor[] = [];
      return {
        run: () => {
          tf.dispose(g);
          g = grads([tx, tw], tgy);
          for (const t of g) t.dataSync();
        },
        outputs: () => [
          channelsFirst(g[0]!.dataSync() as Float32Array, xShape),
          weightFromTf(g[1]!.dataSync() as Float32Array, c.w),
        ],
        dispose: () => tf.dispose([tx, tw, tgy, ...g]),
      };
    },
  };
}

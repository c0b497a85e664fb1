// Wall time of each piece of the LeNet-5 training step (batch 64, the wasm backend as auto-selected),
// forward and backward, each piece alone on warm buffers: where a step's milliseconds go.
//   ENTRY=lenet-layers.ts node benchmarks/profile/run.mjs [reps=200]
import { randn, relu, type Variable } from '@torchlet/autograd';
import { functional as F } from '@torchlet/layers';
import { Generator, getBackendInfo, Tensor } from '@torchlet/tensor';

const reps = Number(process.argv[2] ?? 200);
const g = new Generator(1);
const param = (shape: number[]) => randn(shape, { generator: g, requiresGrad: true });
const x = randn([64, 1, 28, 28], { generator: g });
const w1 = param([6, 1, 5, 5]),
  b1 = param([6]);
const w2 = param([16, 6, 5, 5]),
  b2 = param([16]);
const l1 = param([120, 400]),
  c1 = param([120]);
const l2 = param([84, 120]),
  c2 = param([84]);
const l3 = param([10, 84]),
  c3 = param([10]);
const h4 = randn([64, 84], { generator: g, requiresGrad: true });
const labels = new Tensor(
  Int32Array.from({ length: 64 }, (_, i) => i % 10),
  [64],
);
const h1 = randn([64, 6, 14, 14], { generator: g, requiresGrad: true });
const h2 = randn([64, 400], { generator: g, requiresGrad: true });
const h3 = randn([64, 120], { generator: g, requiresGrad: true });
const logits = randn([64, 10], { generator: g, requiresGrad: true });

const pieces: [string, () => Variable][] = [
  ['conv1 block [64,1,28,28]→[64,6,14,14]', () => F.conv2dReluMaxPool2d(x, w1, b1, { padding: 2 })],
  ['conv2 block [64,6,14,14]→[64,16,5,5]', () => F.conv2dReluMaxPool2d(h1, w2, b2)],
  ['linear 400→120 + relu', () => relu(F.linear(h2, l1, c1))],
  ['linear 120→84 + relu', () => relu(F.linear(h3, l2, c2))],
  ['linear 84→10', () => F.linear(h4, l3, c3)],
  ['crossEntropy [64,10]', () => F.crossEntropy(logits, labels)],
];
console.log(getBackendInfo());
for (const [name, run] of pieces) {
  let fwd = Infinity;
  let bwd = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const y = run();
    const t1 = performance.now();
    y.backward(new Tensor(new Float32Array(y.data.size).fill(1e-3), y.shape));
    const t2 = performance.now();
    if (r > 10) {
      fwd = Math.min(fwd, t1 - t0);
      bwd = Math.min(bwd, t2 - t1);
    }
  }
  console.log(`${name.padEnd(42)} forward ${fwd.toFixed(3)} ms, backward ${bwd.toFixed(3)} ms (best of ${reps})`);
}

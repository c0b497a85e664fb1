// A/B probe: conv2d forward + backward [64,32,14,14]*[64,32,3,3] p1 through the public API, the bench
// row issue 15 says must not regress. ENTRY=conv-step.ts OUT=name node benchmarks/profile/run.mjs keeps a bundle;
// run a baseline bundle and the change alternately (TORCHLET_BACKEND=wasm), several pairs: this VM drifts ±20%.
import { Variable } from '@torchlet/autograd';
import { functional as F } from '@torchlet/layers';
import { Generator, randn } from '@torchlet/tensor';
const g = new Generator(1);
const x = new Variable(randn([64, 32, 14, 14], { generator: g }), { requiresGrad: true });
const w = new Variable(randn([64, 32, 3, 3], { generator: g }), { requiresGrad: true });
const dy = randn([64, 64, 14, 14], { generator: g });
const step = () => {
  x.grad = null;
  w.grad = null;
  F.conv2d(x, w, null, { padding: 1 }).backward(dy);
};
for (let i = 0; i < 10; i++) step();
let best = Infinity;
for (let r = 0; r < 5; r++) {
  const t = performance.now();
  for (let i = 0; i < 20; i++) step();
  best = Math.min(best, (performance.now() - t) / 20);
}
console.log(`conv2d fwd+bwd best ${best.toFixed(2)} ms/step`);

import { Linear, SGD, functional as F } from '@torchlet/layers';
import { manualSeed, randn } from '@torchlet/tensor';

manualSeed(0);
const model = new Linear(3, 1);
const optimizer = new SGD(model.parameters(), { lr: 0.1 });
const x = randn([64, 3]);
const y = randn([64, 1]);
for (let step = 0; step <= 50; step++) {
  const loss = F.mseLoss(model.forward(x), y);
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
  if (step % 25 === 0) console.log(`step ${step}: loss ${loss.item().toFixed(4)}`);
}

import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, SGD, functional as F } from '@torchlet/layers';
import { manualSeed, randn, randint } from '@torchlet/tensor';

manualSeed(0);
const model = new Sequential(
  new Conv2d(1, 8, 3, { padding: 1 }),
  new ReLU(),
  new MaxPool2d(2), // [N, 8, 14, 14]
  new Flatten(),
  new Linear(8 * 14 * 14, 10), // [N, 10]
);
const optimizer = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
const x = randn([16, 1, 28, 28]); // a batch of images
const y = randint(0, 10, [16]); // their labels
for (let step = 0; step < 10; step++) {
  const loss = F.crossEntropy(model.forward(x), y);
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
  console.log(`step ${step}: loss ${loss.item().toFixed(4)}`);
}

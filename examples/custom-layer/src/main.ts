import type { Variable } from '@torchlet/autograd';
import {
  Adam,
  Conv2d,
  DataLoader,
  Flatten,
  functional as F,
  Linear,
  MaxPool2d,
  Module,
  Sequential,
  Subset,
} from '@torchlet/layers';
import { mnistDatasets } from '@torchlet/layers/node';
import { argmax, eq, Generator, manualSeed, sum, type Tensor } from '@torchlet/tensor';
import { noGrad } from '@torchlet/autograd';
import { Swish } from './swish.js';

/** A small CNN whose activations are the custom Swish layer. `x: [N, 1, 28, 28]` → `[N, 10]`. */
class SwishNet extends Module {
  net = new Sequential(
    new Conv2d(1, 8, 5, { padding: 2 }),
    new Swish(8),
    new MaxPool2d(2), // [N, 8, 14, 14]
    new Conv2d(8, 16, 5),
    new Swish(16),
    new MaxPool2d(2), // [N, 16, 5, 5]
    new Flatten(),
    new Linear(400, 10),
  );
  forward(x: Variable | Tensor): Variable {
    return this.net.forward(x);
  }
}

manualSeed(0);
const model = new SwishNet();
console.log(model.toString());
const { train, test } = mnistDatasets();
const loader = new DataLoader(
  new Subset(
    train,
    Array.from({ length: 5000 }, (_, i) => i),
  ),
  { batchSize: 50, shuffle: true, generator: new Generator(1) },
);
const optimizer = new Adam(model.parameters(), { lr: 2e-3 });
for (const [x, y] of loader) {
  const loss = F.crossEntropy(model.forward(x), y);
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
}
model.eval();
const [x, y] = test.getBatch(Array.from({ length: 2000 }, (_, i) => i));
const correct = noGrad(() => sum(eq(argmax(model.forward(x).data, 1), y)).item());
const firstSwish = model.net.children()[1] as Swish;
console.log(
  `learned β of the first Swish layer: ${Array.from(firstSwish.beta.data.toTypedArray(), (v) => v.toFixed(2)).join(', ')}`,
);
console.log(`test accuracy (first 2,000 test images, after 5,000 training images): ${(correct / 2000).toFixed(4)}`);

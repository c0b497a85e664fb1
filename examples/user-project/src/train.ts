import { Adam, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, functional as F } from '@torchlet/layers';
import { load, save } from '@torchlet/layers/node';
import { manualSeed, randint, randn } from '@torchlet/tensor';

manualSeed(0);
const makeModel = () =>
  new Sequential(
    new Conv2d(1, 8, 3, { padding: 1 }), // [N, 8, 16, 16]
    new ReLU(),
    new MaxPool2d(2), // [N, 8, 8, 8]
    new Flatten(),
    new Linear(8 * 8 * 8, 4), // [N, 4]
  );
const model = makeModel();
const optimizer = new Adam(model.parameters(), { lr: 0.01 });
const images = randn([32, 1, 16, 16]);
const labels = randint(0, 4, [32]); // int32 class indices

const losses: number[] = [];
for (let step = 0; step < 20; step++) {
  const loss = F.crossEntropy(model.forward(images), labels);
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
  losses.push(loss.item());
}
console.log(`loss ${losses[0]?.toFixed(4)} -> ${losses[losses.length - 1]?.toFixed(4)}`);

save('model.safetensors', model.stateDict());
const restored = makeModel();
restored.loadStateDict(load('model.safetensors'));
const before = model.forward(images).data.toTypedArray();
const after = restored.forward(images).data.toTypedArray();
console.log(
  after.every((v, i) => v === before[i]) ? 'checkpoint restored: same outputs' : 'checkpoint: outputs DIFFER',
);
console.log(model);

import { noGrad } from '@torchlet/autograd';
import { Adam, DataLoader, functional as F, TensorDataset } from '@torchlet/layers';
import { argmax, eq, Generator, sum } from '@torchlet/tensor';
import { SignalNet } from './model.js';
import { makeSignals } from './signals.js';

export interface SignalRun {
  lossCurve: number[];
  testAccuracy: number;
  seconds: number;
}

/** Trains SignalNet on generated signals and measures accuracy on fresh ones. */
export function trainSignals({
  train = 2000,
  test = 400,
  length = 128,
  epochs = 3,
  seed = 0,
  log = (_: string) => {},
} = {}): SignalRun {
  const started = performance.now();
  const data = makeSignals(train, length, new Generator(seed));
  const held = makeSignals(test, length, new Generator(seed + 1000));
  const model = new SignalNet(length, new Generator(seed + 1));
  const loader = new DataLoader(new TensorDataset(data.signals, data.labels), {
    batchSize: 32,
    shuffle: true,
    generator: new Generator(seed + 2),
  });
  const optimizer = new Adam(model.parameters(), { lr: 3e-3 });
  const lossCurve: number[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train();
    for (const [x, y] of loader) {
      const loss = F.crossEntropy(model.forward(x!), y!);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      lossCurve.push(loss.item());
    }
    const recent = lossCurve.slice(-loader.length);
    log(`epoch ${epoch}: mean loss ${(recent.reduce((a, b) => a + b, 0) / recent.length).toFixed(4)}`);
  }
  model.eval();
  const correct = noGrad(() => sum(eq(argmax(model.forward(held.signals).data, 1), held.labels)).item());
  return { lossCurve, testAccuracy: correct / test, seconds: (performance.now() - started) / 1000 };
}

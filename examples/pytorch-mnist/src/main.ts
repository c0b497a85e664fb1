// pytorch/examples mnist/main.py, ported line for line: the same network, optimizer, schedule,
// batch sizes and printout. Each block names the PyTorch lines it stands for.
import { flatten, noGrad, type Variable } from '@torchlet/autograd';
import {
  Adadelta,
  Conv2d,
  DataLoader,
  Dropout,
  functional as F,
  Linear,
  Module,
  StepLR,
  Subset,
  trainEpoch,
  type Dataset,
} from '@torchlet/layers';
import { mnistDatasets, save } from '@torchlet/layers/node';
import { argmax, manualSeed, type Tensor } from '@torchlet/tensor';
import { parseArgs, UsageError, type Args } from './args.js';

// class Net(nn.Module)
export class Net extends Module {
  conv1 = new Conv2d(1, 32, 3, { stride: 1 });
  conv2 = new Conv2d(32, 64, 3, { stride: 1 });
  dropout1 = new Dropout(0.25);
  dropout2 = new Dropout(0.5);
  fc1 = new Linear(9216, 128);
  fc2 = new Linear(128, 10);

  /** `x [N, 1, 28, 28]` → log-probabilities `[N, 10]` */
  forward(x: Tensor | Variable): Variable {
    let h = this.conv1.forward(x);
    h = F.relu(h);
    h = this.conv2.forward(h);
    h = F.relu(h);
    h = F.maxPool2d(h, 2);
    h = this.dropout1.forward(h);
    h = flatten(h, 1);
    h = this.fc1.forward(h);
    h = F.relu(h);
    h = this.dropout2.forward(h);
    h = this.fc2.forward(h);
    return F.logSoftmax(h, 1);
  }
}

// def train(args, model, device, train_loader, optimizer, epoch)
function train(args: Args, model: Net, trainLoader: DataLoader<[Tensor, number]>, optimizer: Adadelta, epoch: number) {
  const seen = (batch: number) => Math.min((batch + 1) * args.batchSize, trainLoader.dataset.length);
  return trainEpoch(model, optimizer, trainLoader, (output, target) => F.nllLoss(output, target), {
    label: `Train Epoch: ${epoch}`,
    // The bar replaces PyTorch's line every log-interval batches; --log-interval prints those lines too.
    onBatch: (batch, loss) => {
      if (args.logInterval > 0 && batch % args.logInterval === 0) {
        const pct = (100 * batch) / trainLoader.length;
        console.log(
          `Train Epoch: ${epoch} [${seen(batch)}/${trainLoader.dataset.length} (${pct.toFixed(0)}%)]\tLoss: ${loss.toFixed(6)}`,
        );
      }
    },
  });
}

// def test(model, device, test_loader)
function test(model: Net, testLoader: DataLoader<[Tensor, number]>): { loss: number; accuracy: number } {
  model.eval();
  let testLoss = 0;
  let correct = 0;
  noGrad(() => {
    for (const [data, target] of testLoader as Iterable<[Tensor, Tensor]>) {
      const output = model.forward(data);
      testLoss += F.nllLoss(output, target, { reduction: 'sum' }).item(); // sum up batch loss
      const pred = argmax(output, 1); // index of the max log-probability
      const p = pred.toTypedArray();
      const t = target.toTypedArray();
      for (let i = 0; i < p.length; i++) if (p[i] === t[i]) correct++;
    }
  });
  const n = testLoader.dataset.length;
  testLoss /= n;
  console.log(
    `\nTest set: Average loss: ${testLoss.toFixed(4)}, Accuracy: ${correct}/${n} (${((100 * correct) / n).toFixed(0)}%)\n`,
  );
  return { loss: testLoss, accuracy: correct / n };
}

/** The first `limit` samples of `dataset` (all of them for 0). */
function firstN(dataset: Dataset<[Tensor, number]>, limit: number): Dataset<[Tensor, number]> {
  if (limit <= 0 || limit >= dataset.length) return dataset;
  return new Subset(
    dataset,
    Int32Array.from({ length: limit }, (_, i) => i),
  );
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  manualSeed(args.seed); // torch.manual_seed(args.seed)
  const started = performance.now();

  // transform = ToTensor() + Normalize((0.1307,), (0.3081,)): MnistDataset's defaults
  const { train: dataset1, test: dataset2 } = mnistDatasets();
  const trainSet = firstN(dataset1, args.limit);
  const testSet = firstN(dataset2, args.testLimit);
  const trainLoader = new DataLoader(trainSet, { batchSize: args.batchSize, shuffle: true });
  const testLoader = new DataLoader(testSet, { batchSize: args.testBatchSize });

  const model = new Net();
  const optimizer = new Adadelta(model.parameters(), { lr: args.lr });

  const scheduler = new StepLR(optimizer, { stepSize: 1, gamma: args.gamma });
  let result = { loss: NaN, accuracy: NaN };
  for (let epoch = 1; epoch <= args.epochs; epoch++) {
    const stats = train(args, model, trainLoader, optimizer, epoch);
    console.log(`epoch ${epoch}: ${stats.imagesPerSecond.toFixed(0)} img/s, ${stats.seconds.toFixed(1)} s`);
    result = test(model, testLoader);
    scheduler.step();
  }

  if (args.saveModel) {
    save('mnist_cnn.safetensors', model.stateDict()); // torch.save(model.state_dict(), "mnist_cnn.pt")
    console.log('saved mnist_cnn.safetensors');
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `test accuracy: ${result.accuracy.toFixed(4)} after ${args.epochs} epoch(s), ${seconds.toFixed(0)} s in all`,
  );
}

try {
  main();
} catch (err) {
  if (err instanceof UsageError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}

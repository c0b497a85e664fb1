import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { noGrad, Variable } from '@torchlet/autograd';
import { Conv2d, visualize } from '@torchlet/layers';
import { writePng } from '@torchlet/layers/node';
import { writing } from './output.js';
import type { BatchDataset, TrainResult } from './train.js';

/**
 * Writes the pictures of a training run into `dir` and returns their paths:
 * - `filters.png`: the first conv layer's learned filters, one tile per output channel;
 * - `input.png` and `feature-maps-<layer>.png`: one test digit and what every conv layer makes of it;
 * - `loss.png`, `accuracy.png`: the curves per epoch (loss also per batch, smoothed).
 */
export function writePlots(
  dir: string,
  result: Pick<TrainResult, 'model' | 'lossCurve' | 'epochs'>,
  testSet: BatchDataset,
  sampleIndex = 0,
): string[] {
  writing(dir, '--plots DIR', () => mkdirSync(dir, { recursive: true }), 'create');
  const written: string[] = [];
  const write = (name: string, img: visualize.RgbaImage) => {
    const path = join(dir, name);
    writing(path, '--plots DIR', () => writePng(path, img));
    written.push(path);
  };
  const { model } = result;

  const convs = [...model.namedModules()].filter((entry): entry is [string, Conv2d] => entry[1] instanceof Conv2d);
  const [firstName, first] = convs[0]!;
  const [kH, kW] = first.kernelSize;
  write(
    'filters.png',
    visualize.filtersToImage(first.weight, { title: `${firstName}: ${first.outChannels} filters ${kH}x${kW}` }),
  );

  // One digit through the feature extractor, layer by layer, keeping each conv layer's output.
  const [image, label] = testSet.getBatch([sampleIndex]);
  write(
    'input.png',
    visualize.featureMapsToImage(image, {
      title: `test digit ${sampleIndex}: label ${label.item()}`,
      scale: 4,
      labels: false,
    }),
  );
  model.eval();
  noGrad(() => {
    let x = new Variable(image);
    for (const [index, layer] of [...model.features].entries()) {
      x = layer.forward(x);
      if (layer instanceof Conv2d) {
        const name = `features.${index}`;
        const [, c, h, w] = x.shape;
        write(`feature-maps-${name}.png`, visualize.featureMapsToImage(x, { title: `${name}: ${c} maps ${h}x${w}` }));
      }
    }
  });

  const epochs = result.epochs;
  const perEpoch = result.lossCurve.length / Math.max(1, epochs.length);
  // The per-batch loss is noisy: an exponential moving average shows the trend, placed at the
  // fraction of the epoch each batch ends.
  let smooth = NaN;
  const smoothed = result.lossCurve.map((v) => (smooth = Number.isNaN(smooth) ? v : 0.95 * smooth + 0.05 * v));
  const at = epochs.map((e) => e.epoch);
  write(
    'loss.png',
    visualize.lineChart(
      [
        { name: 'train, per batch (smoothed)', x: smoothed.map((_, i) => (i + 1) / perEpoch), y: smoothed },
        { name: 'train, epoch mean', x: at, y: epochs.map((e) => e.trainLoss) },
        { name: 'test', x: at, y: epochs.map((e) => e.testLoss) },
      ],
      { title: 'loss', xLabel: 'epoch', yLabel: 'cross-entropy', yMin: 0 },
    ),
  );
  write(
    'accuracy.png',
    visualize.lineChart(
      [
        { name: 'train (during the epoch)', x: at, y: epochs.map((e) => 100 * e.trainAccuracy) },
        { name: 'test (after the epoch)', x: at, y: epochs.map((e) => 100 * e.testAccuracy) },
      ],
      { title: 'accuracy', xLabel: 'epoch', yLabel: 'accuracy (%)' },
    ),
  );
  return written;
}

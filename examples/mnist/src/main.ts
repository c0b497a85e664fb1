import { exportOnnx, save } from '@torchlet/layers/node';
import { mnistDatasets } from '@torchlet/layers/node';
import { formatSeconds, ProgressBar, summary } from '@torchlet/layers';
import { renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs, UsageError } from './args.js';
import { asFileError, checkWritableDir, writing } from './output.js';
import { writePlots } from './plots.js';
import { createModel } from './models.js';
import { trainMnist } from './train.js';

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  // Every output directory is made and must take the files before training starts, not after it.
  const checkpointBytes = createModel(args.model).numParameters() * 4 + (1 << 16);
  checkWritableDir(args.out, 2 * checkpointBytes + (1 << 20), '--out DIR'); // checkpoint + its temp, curves
  if (args.export) checkWritableDir(dirname(resolve(args.export)), 2 * checkpointBytes, '--export FILE');
  if (args.plots) checkWritableDir(args.plots, 4 << 20, '--plots DIR');
  const data = mnistDatasets();
  console.log(
    `MNIST: ${data.train.length} training images${args.limit ? ` (using ${Math.min(args.limit, data.train.length)})` : ''}, ${data.test.length} test images`,
  );
  summary(createModel(args.model), [1, 1, 28, 28]);
  console.log(
    `training ${args.model} for ${args.epochs} epoch(s): batch ${args.batchSize}, Adam lr ${args.lr}, seed ${args.seed}`,
  );

  let bar: ProgressBar | null = null;
  let imagesBefore = 0;
  const result = trainMnist(args, data, {
    onEpochStart: (epoch, batches) => {
      bar = new ProgressBar(`epoch ${epoch}/${args.epochs}`, batches);
      imagesBefore = 0;
    },
    onBatch: (_batch, images, _running, loss) => {
      bar!.update(images - imagesBefore, loss);
      imagesBefore = images;
    },
    onEpochEnd: (r) =>
      console.log(
        `epoch ${r.epoch}: train loss ${r.trainLoss.toFixed(4)}, test accuracy ${r.testAccuracy.toFixed(4)}, ${r.imagesPerSecond.toFixed(0)} img/s, ${r.seconds.toFixed(1)} s`,
      ),
  });

  const checkpoint = join(args.out, `${args.model}.safetensors`);
  writing(checkpoint, '--out DIR', () =>
    save(checkpoint, result.model.stateDict(), {
      model: args.model,
      epochs: String(args.epochs),
      seed: String(args.seed),
      testAccuracy: result.testAccuracy.toFixed(4),
    }),
  );
  const curvePath = join(args.out, 'loss-curve.json');
  writing(curvePath, '--out DIR', () => {
    writeFileSync(`${curvePath}.tmp`, JSON.stringify({ args, lossCurve: result.lossCurve, epochs: result.epochs }));
    renameSync(`${curvePath}.tmp`, curvePath);
  });
  if (args.export) {
    const bytes = writing(args.export, '--export FILE', () => exportOnnx(result.model, [1, 1, 28, 28], args.export));
    console.log(
      `exported ${args.export} (ONNX, ${(bytes / 1024).toFixed(0)} KiB; input "input" [N, 1, 28, 28], output "output" [N, 10] logits)`,
    );
  }
  if (args.plots) console.log(`wrote ${writePlots(args.plots, result, data.test).join(', ')}`);
  console.log(`saved ${checkpoint} and ${curvePath} (${formatSeconds((performance.now() - started) / 1000)} in all)`);
  console.log(`test accuracy: ${result.testAccuracy.toFixed(4)}`);
}

try {
  main();
} catch (err) {
  if (err instanceof UsageError) {
    console.error(err.message);
    process.exit(2);
  }
  const fileError = asFileError(err);
  if (fileError) {
    console.error(`pnpm mnist: ${fileError.message}`);
    process.exit(1);
  }
  throw err;
}

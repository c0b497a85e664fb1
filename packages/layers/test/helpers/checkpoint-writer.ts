// The child process of test/node/kill.test.ts, bundled by esbuild and run with node:
//   node checkpoint-writer.mjs <dir> <totalSteps> <hidden> <seed>
// It resumes from <dir>/last.safetensors when there is one, then trains the small CNN to
// <totalSteps>, saving a training checkpoint after every step. Progress goes to fd 1 with
// synchronous writes (`saving N` before a save, `saved N` after it), so a parent that kills this
// process with SIGKILL still reads every line written before the kill.
import { existsSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { loadTrainingCheckpoint, saveTrainingCheckpoint } from '@torchlet/layers/node';
import { BATCHES_PER_EPOCH, makeRun, trainUntil, type Run } from './small-cnn.js';

const [dir, totalArg, hiddenArg, seedArg] = process.argv.slice(2);
if (!dir || !totalArg || !hiddenArg || !seedArg) {
  writeSync(2, 'usage: checkpoint-writer <dir> <totalSteps> <hidden> <seed>\n');
  process.exit(2);
}
const total = Number(totalArg);
const path = join(dir, 'last.safetensors');
const say = (line: string) => writeSync(1, `${line}\n`);

const run = makeRun(Number(seedArg), { hidden: Number(hiddenArg) });
const generators = (r: Run) => ({ shuffle: r.shuffle, epochStart: r.epochStart, dropout: r.dropout });

if (existsSync(path)) {
  const restored = loadTrainingCheckpoint(path, {
    model: run.model,
    optimizer: run.optimizer,
    scheduler: run.scheduler,
    generators: generators(run),
  });
  run.step = restored.step;
  say(`resumed ${restored.step}`);
} else {
  say('fresh');
}
trainUntil(run, total, (r) => {
  say(`saving ${r.step}`);
  saveTrainingCheckpoint(path, {
    model: r.model,
    optimizer: r.optimizer,
    scheduler: r.scheduler,
    generators: generators(r),
    epoch: Math.floor(r.step / BATCHES_PER_EPOCH),
    step: r.step,
  });
  say(`saved ${r.step}`);
});
say('done');

// The child process of test/node/kill.test.ts, bundled by esbuild and run with node:
//   node checkpoint-writer.mjs <dir> <totalSteps> <hidden> <seed> [<pause>@<step>]
// It resumes from <dir>/last.safetensors when there is one, then trains the small CNN to
// <totalSteps>, saving a training checkpoint after every step. Progress goes to fd 1 with
// synchronous writes (`saving N` before a save, `saved N` after it), so a parent that kills this
// process with SIGKILL still reads every line written before the kill.
//
// With <pause>@<step>, the first save of a step ≥ <step> stops inside the atomic write — right after
// the temporary file is opened (`opened`), with half its bytes written (`partial`), or with all of
// them written but before fsync and rename (`written`) — says `paused <pause> <step>` and sleeps
// until it is killed. A parent that watches a real save for a temporary file races the writer (on a
// loaded machine the 13 MB save is often over before the parent looks); a paused writer cannot be
// missed. The file on disk at the kill is the same as if the kill had landed there by chance.
import { existsSync, writeSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { loadTrainingCheckpoint, saveTrainingCheckpoint } from '@torchlet/layers/node';
import { BATCHES_PER_EPOCH, makeRun, trainUntil, type Run } from './small-cnn.js';

const [dir, totalArg, hiddenArg, seedArg, pauseArg] = process.argv.slice(2);
const pauseMatch = pauseArg === undefined ? null : /^(opened|partial|written)@(\d+)$/.exec(pauseArg);
if (!dir || !totalArg || !hiddenArg || !seedArg || (pauseArg !== undefined && pauseMatch === null)) {
  writeSync(2, 'usage: checkpoint-writer <dir> <totalSteps> <hidden> <seed> [opened|partial|written@<step>]\n');
  process.exit(2);
}
const total = Number(totalArg);
const path = join(dir, 'last.safetensors');
const say = (line: string) => writeSync(1, `${line}\n`);

/** The save in which to pause (set by the training loop), and the temporary file it opened. */
let pauseInThisSave = false;
let tempFd = -1;
if (pauseMatch !== null) pauseInside(pauseMatch[1] as 'opened' | 'partial' | 'written');

/**
 * Wraps node:fs's openSync, writeSync and fsyncSync (every module's bindings to them, through
 * syncBuiltinESMExports) so that the save chosen by `pauseInThisSave` stops at `where`.
 */
function pauseInside(where: 'opened' | 'partial' | 'written'): void {
  const fs = createRequire(import.meta.url)('node:fs') as typeof import('node:fs');
  const { openSync, writeSync: write, fsyncSync } = fs;
  const stop = (): never => {
    say(`paused ${where} ${pauseMatch![2]}`);
    // Sleep until the parent's SIGKILL; exit on our own only if it never comes.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
    process.exit(3);
  };
  fs.openSync = ((file: string, ...rest: unknown[]) => {
    const fd = (openSync as (file: string, ...a: unknown[]) => number)(file, ...rest);
    if (pauseInThisSave && String(file).endsWith('.tmp')) {
      tempFd = fd;
      if (where === 'opened') stop();
    }
    return fd;
  }) as typeof openSync;
  fs.writeSync = ((fd: number, ...rest: unknown[]) => {
    if (fd !== tempFd || where !== 'partial') return (write as (fd: number, ...a: unknown[]) => number)(fd, ...rest);
    // writeFileAtomic calls writeSync(fd, bytes, offset, length)
    const [bytes, offset, length] = rest as [Uint8Array, number, number];
    write(fd, bytes, offset, Math.floor(length / 2));
    return stop();
  }) as typeof write;
  fs.fsyncSync = ((fd: number) => {
    if (fd === tempFd && where === 'written') stop();
    fsyncSync(fd);
  }) as typeof fsyncSync;
  syncBuiltinESMExports();
}

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
  pauseInThisSave = pauseMatch !== null && r.step >= Number(pauseMatch[2]);
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

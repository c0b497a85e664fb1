import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Generator, ShapeError } from '@torchlet/tensor';
import {
  Adam,
  CheckpointError,
  CosineAnnealingLR,
  SGD,
  StepLR,
  captureTrainingState,
  decodeSafetensors,
  encodeSafetensors,
  restoreTrainingState,
} from '@torchlet/layers';
import { loadTrainingCheckpoint, saveTrainingCheckpoint } from '@torchlet/layers/node';
import { BATCHES_PER_EPOCH, makeRun, trainUntil, weightBits, type Run } from '../helpers/small-cnn.js';

const dir = mkdtempSync(join(tmpdir(), 'torchlet-resume-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const N = 22; // 4.4 epochs of 5 batches: N / 2 = 11 resumes in the middle of an epoch

function save(path: string, run: Run, extra?: unknown): void {
  saveTrainingCheckpoint(path, {
    model: run.model,
    optimizer: run.optimizer,
    scheduler: run.scheduler,
    generators: { shuffle: run.shuffle, epochStart: run.epochStart, dropout: run.dropout },
    epoch: Math.floor(run.step / BATCHES_PER_EPOCH),
    step: run.step,
    extra,
  });
}

/** A run built from another seed (other weights, other generator states), then loaded from `path`. */
function resumeFrom(path: string): { run: Run; extra: unknown; epoch: number } {
  const run = makeRun(999);
  const restored = loadTrainingCheckpoint(path, {
    model: run.model,
    optimizer: run.optimizer,
    scheduler: run.scheduler,
    generators: { shuffle: run.shuffle, epochStart: run.epochStart, dropout: run.dropout },
  });
  run.step = restored.step;
  return { run, extra: restored.extra, epoch: restored.epoch };
}

function optimizerBits(run: Run): string {
  return JSON.stringify(run.optimizer.stateDict());
}

describe('training resumes bit for bit', () => {
  it(`${N} steps straight = ${N / 2} + save + load into fresh objects + ${N / 2}`, () => {
    const straight = makeRun(1);
    const straightLosses = trainUntil(straight, N);

    const first = makeRun(1);
    const firstLosses = trainUntil(first, N / 2);
    const path = join(dir, 'half.safetensors');
    save(path, first, { losses: firstLosses, note: 'half way' });

    const { run: resumed, extra, epoch } = resumeFrom(path);
    expect(epoch).toBe(2);
    expect(extra).toEqual({ losses: firstLosses, note: 'half way' });
    expect(resumed.step).toBe(N / 2);
    const secondLosses = trainUntil(resumed, N);

    expect(weightBits(resumed)).toEqual(weightBits(straight));
    expect(optimizerBits(resumed)).toBe(optimizerBits(straight));
    expect(resumed.scheduler.stateDict()).toEqual(straight.scheduler.stateDict());
    expect(resumed.optimizer.paramGroups[0]!.lr).toBe(straight.optimizer.paramGroups[0]!.lr);
    expect(resumed.dropout.getState()).toEqual(straight.dropout.getState());
    expect(resumed.shuffle.getState()).toEqual(straight.shuffle.getState());
    expect([...firstLosses, ...secondLosses]).toEqual(straightLosses);
    // The check has teeth: a fresh run that is not loaded ends elsewhere.
    const unloaded = makeRun(999);
    unloaded.step = N / 2;
    trainUntil(unloaded, N);
    expect(weightBits(unloaded)).not.toEqual(weightBits(straight));
  });

  it('resuming at any step, even repeatedly, changes nothing', () => {
    const straight = makeRun(5);
    trainUntil(straight, 12);
    const target = weightBits(straight);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 11 }), { minLength: 1, maxLength: 3 }), (cuts) => {
        let run = makeRun(5);
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          trainUntil(run, cut);
          const path = join(dir, `cut-${cut}.safetensors`);
          save(path, run);
          run = resumeFrom(path).run;
        }
        trainUntil(run, 12);
        expect(weightBits(run)).toEqual(target);
      }),
      { numRuns: 6 },
    );
  });

  it('captureTrainingState / restoreTrainingState work on bytes too (no file system)', () => {
    const a = makeRun(2);
    trainUntil(a, 3);
    const { tensors, metadata } = captureTrainingState({
      model: a.model,
      optimizer: a.optimizer,
      scheduler: a.scheduler,
      generators: { dropout: a.dropout },
      epoch: 0,
      step: 3,
    });
    const bytes = encodeSafetensors(tensors, metadata);
    const b = makeRun(3);
    const back = decodeSafetensors(bytes);
    expect(
      restoreTrainingState(back.tensors, back.metadata, {
        model: b.model,
        optimizer: b.optimizer,
        scheduler: b.scheduler,
        generators: { dropout: b.dropout },
      }),
    ).toEqual({ epoch: 0, step: 3, extra: null });
    expect(weightBits(b)).toEqual(weightBits(a));
    expect(b.dropout.getState()).toEqual(a.dropout.getState());
  });
});

describe('a checkpoint that does not fit is refused, and nothing changes', () => {
  const a = makeRun(7);
  trainUntil(a, 2);
  const path = join(dir, 'refuse.safetensors');
  save(path, a);
  const targetsOf = (r: Run) => ({
    model: r.model,
    optimizer: r.optimizer,
    scheduler: r.scheduler,
    generators: { shuffle: r.shuffle, epochStart: r.epochStart, dropout: r.dropout },
  });

  it('a different architecture: ShapeError naming the tensor; the model, optimizer and generators untouched', () => {
    const other = makeRun(8, { hidden: 12 });
    const before = weightBits(other);
    const optimizerBefore = optimizerBits(other);
    const dropoutBefore = other.dropout.getState();
    expect(() => loadTrainingCheckpoint(path, targetsOf(other))).toThrow(ShapeError);
    expect(() => loadTrainingCheckpoint(path, targetsOf(other))).toThrow(
      'loadStateDict: 6.weight: checkpoint has shape [16, 64], model has [12, 64]',
    );
    expect(weightBits(other)).toEqual(before);
    expect(optimizerBits(other)).toBe(optimizerBefore);
    expect(other.dropout.getState()).toEqual(dropoutBefore);
  });

  it('a failure after the model was loaded (optimizer groups differ) rolls the model back', () => {
    const r = makeRun(13);
    const params = r.model.parameters();
    const split = new Adam([{ params: params.slice(0, 2) }, { params: params.slice(2) }], { lr: 0.01 });
    const before = weightBits(r);
    expect(() =>
      loadTrainingCheckpoint(path, { model: r.model, optimizer: split, scheduler: new StepLR(split, { stepSize: 2 }) }),
    ).toThrow('Adam.loadStateDict: the state dict has 1 parameter groups but the optimizer has 2');
    expect(weightBits(r)).toEqual(before);
  });

  it('a damaged byte anywhere in the data region is caught by the checksum', () => {
    const bytes = readFileSync(path);
    const headerLength = Number(bytes.readBigUInt64LE(0));
    for (const at of [8 + headerLength, Math.floor((8 + headerLength + bytes.length) / 2), bytes.length - 1]) {
      const damaged = Uint8Array.from(bytes);
      damaged[at] = damaged[at]! ^ 0x10;
      const p = join(dir, `damaged-${at}.safetensors`);
      writeFileSync(p, damaged);
      const fresh = makeRun(9);
      const before = weightBits(fresh);
      expect(() => loadTrainingCheckpoint(p, targetsOf(fresh))).toThrow(CheckpointError);
      expect(() => loadTrainingCheckpoint(p, targetsOf(fresh))).toThrow(
        /restoreTrainingState: checksum mismatch \(stored [0-9a-f]{8}, computed [0-9a-f]{8}\); the file is damaged/,
      );
      expect(weightBits(fresh)).toEqual(before);
    }
  });

  it('another optimizer, scheduler or a missing generator name is a CheckpointError naming it', () => {
    const r = makeRun(10);
    const sgd = new SGD(r.model.parameters(), { lr: 0.1 });
    expect(() => loadTrainingCheckpoint(path, { model: r.model, optimizer: sgd })).toThrow(
      /the checkpoint holds Adam state but the optimizer is SGD/,
    );
    const cosine = new CosineAnnealingLR(r.optimizer, { tMax: 3 });
    expect(() => loadTrainingCheckpoint(path, { model: r.model, optimizer: r.optimizer, scheduler: cosine })).toThrow(
      /holds StepLR state but the scheduler is CosineAnnealingLR/,
    );
    expect(() => loadTrainingCheckpoint(path, { model: r.model, optimizer: r.optimizer })).toThrow(
      /the checkpoint has a StepLR but none was given to load into/,
    );
    expect(() => loadTrainingCheckpoint(path, { ...targetsOf(r), generators: { noise: new Generator(1) } })).toThrow(
      /generator 'noise' is not in the checkpoint \(it has: shuffle, epochStart, dropout\)/,
    );
  });

  it('a plain safetensors file is not a training checkpoint', () => {
    const p = join(dir, 'plain.safetensors');
    writeFileSync(p, encodeSafetensors(a.model.stateDict()));
    expect(() => loadTrainingCheckpoint(p, targetsOf(makeRun(1)))).toThrow(
      /restoreTrainingState: not a training checkpoint \(no 'torchlet.training' metadata\)/,
    );
  });

  it('bad arguments to save and load are TypeErrors naming the field', () => {
    const r = makeRun(11);
    const base = { model: r.model, optimizer: r.optimizer, epoch: 0, step: 0 };
    expect(() => saveTrainingCheckpoint(join(dir, 'x'), { ...base, model: {} as never })).toThrow(
      /captureTrainingState: model must be a Module, got Object/,
    );
    expect(() => saveTrainingCheckpoint(join(dir, 'x'), { ...base, optimizer: null as never })).toThrow(
      /optimizer must be an Optimizer, got null/,
    );
    expect(() => saveTrainingCheckpoint(join(dir, 'x'), { ...base, step: -1 })).toThrow(RangeError);
    expect(() => saveTrainingCheckpoint(join(dir, 'x'), { ...base, epoch: 1.5 })).toThrow(
      /epoch must be an integer, got 1.5/,
    );
    expect(() => saveTrainingCheckpoint(join(dir, 'x'), { ...base, generators: { g: 3 as never } })).toThrow(
      /generators\.g must be a Generator, got number 3/,
    );
    expect(() => saveTrainingCheckpoint(join(dir, 'x'), { ...base, extra: { n: 1n } })).toThrow(
      /extra must be JSON-serializable/,
    );
    const other = makeRun(12);
    expect(() => saveTrainingCheckpoint(join(dir, 'x'), { ...base, scheduler: other.scheduler })).toThrow(
      /scheduler must be attached to the optimizer given/,
    );
    expect(() => loadTrainingCheckpoint(path, null as never)).toThrow(
      /restoreTrainingState: targets must be an object/,
    );
  });
});

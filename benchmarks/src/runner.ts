import { maxAbs, maxAbsDiff } from './data.js';
import { firstLine, tfLabel, useTfBackend, type TfPeers } from './tf-peers.js';
import { measure, timeOnce, type TimingPolicy } from './timing.js';
import { useTorchlet, type TorchletBackend } from './torchlet-backends.js';
import type { Prepared, Workload } from './workloads/workload.js';

/** One line of the results table. */
export interface Row {
  workload: string;
  impl: string;
  torchlet: boolean;
  /** Median milliseconds per run at the workload's full size; null when the implementation cannot run it. */
  ms: number | null;
  runs: number;
  gflops: number | null;
  imagesPerSecond: number | null;
  /** The fastest of several Torchlet rows of this workload. */
  best: boolean;
  /** Peer rows: peer ms ÷ best Torchlet ms. */
  speedup: number | null;
  /** Largest |Δ| against the reference (the first Torchlet row); for the reference itself, null. */
  maxDiff: number | null;
  /** For the reference row: the largest |value|, the scale the differences read against. */
  scale: number | null;
  /** Why it cannot run, how it was measured (extrapolated from a smaller batch), or that its result is wrong. */
  note: string | null;
  /** Its results differ from the reference by more than rounding (see WRONG_RELATIVE): its time is not a speed. */
  wrong: boolean;
}

/*
 * A difference from the reference past this fraction of the reference's largest |value| is a wrong
 * result, not rounding: the float32 sums here (a few thousand terms at most) stay below 1e-5 of the
 * scale, while TF.js wasm's conv3d input gradient was off by 69 (2026-12-03).
 */
const WRONG_RELATIVE = 1e-3;

export interface RunnerOptions {
  policy: TimingPolicy;
  /** A peer run estimated slower than this at full batch runs on fewer samples and is scaled up. */
  peerMaxRunMs: number;
  log: (line: string) => void;
}

function emptyRow(workload: string, impl: string, torchlet: boolean): Row {
  return {
    workload,
    impl,
    torchlet,
    ms: null,
    runs: 0,
    best: false,
    gflops: null,
    imagesPerSecond: null,
    speedup: null,
    maxDiff: null,
    scale: null,
    note: null,
    wrong: false,
  };
}

/** The row of an implementation that could not run `workload`, saying why. */
export function cannotRow(workload: string, impl: string, torchlet: boolean, why: string): Row {
  return { ...emptyRow(workload, impl, torchlet), note: `cannot: ${why}` };
}

function fill(row: Row, w: Workload, ms: number, runs: number, fullBatch: number): Row {
  row.ms = ms;
  row.runs = runs;
  const flops = w.flops(fullBatch);
  row.gflops = flops === null ? null : flops / (ms * 1e6);
  row.imagesPerSecond = w.images === null ? null : (w.images * 1000) / ms;
  return row;
}

// Outputs may be live storage (a model's weights, which later runs update in place).
const copies = (arrays: Float32Array[]) => arrays.map((a) => a.slice());

/** Largest divisor of n that is ≤ limit (≥ 1). */
function divisorAtMost(n: number, limit: number): number {
  for (let d = Math.max(1, Math.min(n, Math.floor(limit))); d > 1; d--) if (n % d === 0) return d;
  return 1;
}

/**
 * Times `w` on every Torchlet backend, then on every TF.js backend. Before timing, each
 * implementation's first run is compared with the reference (Torchlet on its first backend, the
 * plain-JS kernels) at the same batch, so a fast but wrong kernel shows up in the table.
 */
export async function runWorkload(
  w: Workload,
  torchlets: readonly TorchletBackend[],
  peers: TfPeers | null,
  o: RunnerOptions,
): Promise<Row[]> {
  // A workload whose batch is not scalable ignores the batch argument; 1 keeps the arithmetic uniform.
  const full = w.scalableBatch ?? 1;
  const reference = new Map<number, Float32Array[]>();
  const referenceAt = async (batch: number): Promise<Float32Array[]> => {
    let ref = reference.get(batch);
    if (!ref) {
      useTorchlet(torchlets[0]!);
      const p = w.torchlet(batch);
      p.run();
      ref = copies(p.outputs());
      p.dispose();
      reference.set(batch, ref);
    }
    return ref;
  };

  const rows: Row[] = [];
  for (const backend of torchlets) {
    o.log(`  ${w.name} · ${backend.label}`);
    const row = emptyRow(w.name, backend.label, true);
    useTorchlet(backend);
    let p: Prepared | null = null;
    try {
      p = w.torchlet(full);
      const first = timeOnce(p.run);
      const out = copies(p.outputs());
      if (reference.size === 0) {
        reference.set(full, out);
        row.scale = maxAbs(out);
      } else {
        row.maxDiff = maxAbsDiff(await referenceAt(full), out);
        useTorchlet(backend);
      }
      const t = measure(p.run, o.policy, first);
      fill(row, w, t.medianMs, t.runs, full);
    } catch (e) {
      row.note = `cannot: ${firstLine(e)}`;
    } finally {
      p?.dispose();
    }
    rows.push(row);
  }

  for (const name of peers?.backends ?? []) {
    const tf = peers!.tf;
    const label = tfLabel(peers!, name);
    o.log(`  ${w.name} · ${label}`);
    const row = emptyRow(w.name, label, false);
    await useTfBackend(tf, name);
    let p: Prepared | null = null;
    try {
      let batch = full;
      let first: number | undefined;
      if (w.scalableBatch !== null) {
        // Probe on a sixteenth of the batch: cheap for everyone, and tells whether the full batch fits the budget.
        const small = divisorAtMost(full, full / 16);
        p = w.tfjs(tf, small);
        const probeMs = timeOnce(p.run);
        const estimate = (probeMs * full) / small;
        batch =
          estimate <= o.peerMaxRunMs ? full : Math.max(small, divisorAtMost(full, (full * o.peerMaxRunMs) / estimate));
        if (batch !== small) {
          p.dispose();
          p = null;
        } else first = probeMs;
      }
      p ??= w.tfjs(tf, batch);
      if (first === undefined) first = timeOnce(p.run);
      const out = copies(p.outputs());
      row.maxDiff = maxAbsDiff(await referenceAt(batch), out);
      await useTfBackend(tf, name);
      const t = measure(p.run, o.policy, first);
      fill(row, w, (t.medianMs * full) / batch, t.runs, full);
      if (batch !== full) row.note = `batch ${batch} of ${full}, time scaled ×${full / batch}`;
    } catch (e) {
      row.note = `cannot: ${firstLine(e)}`;
    } finally {
      try {
        p?.dispose();
      } catch {
        /* a failed kernel may leave nothing to free */
      }
    }
    rows.push(row);
  }

  markWrong(rows);
  markSpeedups(rows);
  return rows;
}

/** Flags the rows whose results differ from the reference row's by more than rounding, in their note. */
function markWrong(rows: readonly Row[]): void {
  const scale = rows.find((r) => r.scale !== null)?.scale ?? null;
  if (scale === null) return;
  for (const r of rows) {
    if (r.maxDiff === null || !(r.maxDiff > WRONG_RELATIVE * Math.max(scale, 1))) continue;
    r.wrong = true;
    const wrong = `WRONG: differs from the plain-JS reference by ${r.maxDiff.toPrecision(2)} (its largest |value| is ${scale.toPrecision(3)})`;
    r.note = r.note === null ? wrong : `${wrong}; ${r.note}`;
  }
}

/** The fastest Torchlet row that ran and is not wrong (marked `best` only when there are several), or undefined. */
export function fastestTorchlet(rows: readonly Row[]): Row | undefined {
  const torchlet = rows.filter((r) => r.torchlet && r.ms !== null && !r.wrong);
  return torchlet.length === 0 ? undefined : torchlet.reduce((a, b) => (b.ms! < a.ms! ? b : a));
}

/** Peer rows get peer ms ÷ best Torchlet ms; the best of several Torchlet rows is marked. */
export function markSpeedups(rows: readonly Row[]): void {
  const best = fastestTorchlet(rows);
  if (best === undefined) return;
  if (rows.some((r) => r !== best && r.torchlet && r.ms !== null && !r.wrong)) best.best = true;
  for (const r of rows) if (!r.torchlet && r.ms !== null && !r.wrong) r.speedup = r.ms / best.ms!;
}

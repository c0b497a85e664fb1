import { runChild } from './child-process.js';
import { cannotRow, runWorkload, type RunnerOptions, type Row } from './runner.js';
import { firstLine, loadTf, type TfPeers } from './tfjs.js';
import type { TorchletBackend } from './torchlet-backends.js';
import type { Workload } from './workloads/workload.js';

/** What the parent asks a child to time: one workload, on the backends the parent chose. */
export interface WorkloadJob {
  /** The workload's exact name. */
  workload: string;
  quick: boolean;
  /** The Torchlet backends, in table order (the first is the reference), as the parent found them. */
  backends: TorchletBackend[];
  /** Time the TF.js peers too (default); false for the rounds that pair one backend with PyTorch. */
  peers?: boolean;
}

// JSON has no NaN or ±Infinity, and a max |Δ| of NaN is exactly what a broken kernel reports.
const NON_FINITE = '$nonFinite';
const encode = (_key: string, v: unknown) =>
  typeof v === 'number' && !Number.isFinite(v) ? { [NON_FINITE]: String(v) } : v;
const decode = (_key: string, v: unknown) =>
  v !== null && typeof v === 'object' && NON_FINITE in v ? Number((v as Record<string, string>)[NON_FINITE]) : v;

/**
 * The child's side: times `job.workload` on every implementation (reference included, so its max |Δ|
 * compares results computed in this process) and prints its rows as one JSON line, the last on stdout.
 * One workload per process, so the garbage and heap growth of one (TF.js cpu's convolution backward
 * allocates gigabytes) cannot slow the next one's timing.
 */
export async function runWorkloadChild(
  jobJson: string,
  all: readonly Workload[],
  options: (quick: boolean) => RunnerOptions,
): Promise<void> {
  const job = JSON.parse(jobJson) as WorkloadJob;
  const w = all.find((x) => x.name === job.workload);
  if (!w) throw new Error(`bench: the workload child got an unknown workload ${JSON.stringify(job.workload)}`);
  let peers: TfPeers | null = null;
  try {
    if (job.peers !== false) peers = await loadTf();
  } catch {
    /* the parent's machine description says why; the rows then have no peers, as in the parent */
  }
  const rows = await runWorkload(w, job.backends, peers, options(job.quick));
  process.stdout.write(`\n${JSON.stringify({ rows }, encode)}\n`);
  // Worker threads of a wasm backend would keep the process alive; the parent only needs the line above.
  process.exit(0);
}

/**
 * The parent's side: runs one workload in a fresh Node process (this same bundle) and reads its rows.
 * If the child dies (out of memory, a crash in a wasm kernel), every implementation gets a `cannot`
 * row saying so instead of the whole bench stopping.
 */
export function runWorkloadIsolated(job: WorkloadJob, peerLabels: readonly string[]): Row[] {
  const child = runChild('--workload-child', job);
  const line = child.line;
  if (child.status === 0 && line.startsWith('{"rows":')) {
    try {
      return (JSON.parse(line, decode) as { rows: Row[] }).rows;
    } catch {
      /* falls through to the cannot rows */
    }
  }
  const why = child.error
    ? firstLine(child.error)
    : `the workload child exited with ${child.status ?? child.signal}${line ? `: ${line.slice(0, 120)}` : ''}`;
  const impls = [
    ...job.backends.map((b) => ({ impl: b.label, torchlet: true })),
    ...peerLabels.map((impl) => ({ impl, torchlet: false })),
  ];
  return impls.map(({ impl, torchlet }) => cannotRow(job.workload, impl, torchlet, why));
}

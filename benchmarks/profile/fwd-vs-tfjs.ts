// The bench's conv forward rows, Torchlet's WebAssembly backend against TF.js wasm, in one process:
// each round runs wasm×1, wasm×2 and TF.js wasm once per row in turn, so this VM's drift falls on all
// alike; prints each one's median ms and the per-round ratio TF.js ÷ Torchlet (q25 / median / q75).
//   ENTRY=fwd-vs-tfjs.ts node benchmarks/profile/run.mjs [rounds=40] [row filter]   (from the repo root)
import { setBackend } from '@torchlet/tensor/kernels';
import { loadTf, useTfBackend } from '../src/tfjs.js';
import { convForward } from '../src/workloads/conv.js';

const ROWS = [
  { x: [64, 1, 28, 28], w: [32, 1, 3, 3], padding: 1 },
  { x: [64, 32, 14, 14], w: [64, 32, 3, 3], padding: 1 },
  { x: [16, 64, 56, 56], w: [64, 64, 3, 3], padding: 1 },
];
const rounds = Number(process.argv[2] ?? 40);
const filter = process.argv[3] ?? '';
const peers = await loadTf();
const quartiles = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return [0.25, 0.5, 0.75].map((p) => s[Math.floor(p * (s.length - 1))]!.toFixed(2)).join(' / ');
};
for (const [i, row] of ROWS.entries()) {
  const workload = convForward(row, 11 + 10 * i);
  if (!workload.name.includes(filter)) continue;
  const batch = row.x[0]!;
  const torchlet = workload.torchlet(batch);
  await useTfBackend(peers.tf, 'wasm');
  const tfjs = workload.tfjs!(peers.tf, batch);
  const time = (run: () => void) => {
    const t = performance.now();
    run();
    return performance.now() - t;
  };
  const wasm = (threads: number) => () => {
    setBackend('wasm', { threads });
    return time(torchlet.run);
  };
  const runs = { 'wasm×1': wasm(1), 'wasm×2': wasm(2), tfjs: () => time(tfjs.run) };
  const times: Record<string, number[]> = { 'wasm×1': [], 'wasm×2': [], tfjs: [] };
  for (let r = 0; r < rounds + 3; r++)
    for (const [name, run] of Object.entries(runs)) {
      const t = run();
      if (r >= 3) times[name]!.push(t);
    }
  console.log(workload.name);
  for (const name of Object.keys(runs)) console.log(`  ${name.padEnd(7)} ${quartiles(times[name]!)} ms`);
  for (const name of ['wasm×1', 'wasm×2'])
    console.log(`  tfjs ÷ ${name}: ${quartiles(times.tfjs!.map((t, r) => t / times[name]![r]!))}`);
  torchlet.dispose();
  tfjs.dispose();
}
process.exit(0);

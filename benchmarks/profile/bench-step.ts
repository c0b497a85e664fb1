// Times the training step of `pnpm bench --only lenet` itself (benchmarks/src/workloads/lenet.ts: one
// fixed batch of 64, SGD) outside the bench harness, for A/B runs and profiles in seconds:
//   ENTRY=bench-step.ts OUT=a node benchmarks/profile/run.mjs [steps=100] [reps=5]
//   node benchmarks/profile/.out/a.mjs 100 5      # rerun a kept bundle (baseline vs change, same minute)
// prints the best repetition's ms/step and images/s.
import { lenetStep } from '../src/workloads/lenet.js';

const steps = Number(process.argv[2] ?? 100);
const reps = Number(process.argv[3] ?? 5);
const prepared = lenetStep(64).torchlet(64);
for (let i = 0; i < 30; i++) prepared.run(); // warm-up
let best = Infinity;
for (let r = 0; r < reps; r++) {
  const t = performance.now();
  for (let i = 0; i < steps; i++) prepared.run();
  best = Math.min(best, (performance.now() - t) / steps);
}
console.log(`best ${best.toFixed(3)} ms/step = ${(64000 / best).toFixed(0)} img/s`);

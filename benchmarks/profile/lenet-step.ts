// Profiles the LeNet-5 training step of examples/mnist (real MNIST, batch 64, Adam + crossEntropy).
//   node benchmarks/profile/run.mjs [steps=100] [reps=3]
// prints, per repetition, CPU ms in forward / backward / optimizer step and the wall time, then the
// best of the repetitions (images/s, loss, resident memory). CPU time is reported beside wall time
// because other jobs may share the cores. TIME_GEMM=1 also times every GEMM call through a wrapper
// (which hides the WebAssembly kernel from conv's resident columns, so it costs a little itself).
// TORCHLET_BACKEND / TORCHLET_THREADS pick the GEMM. For a profile by function:
//   NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" node benchmarks/profile/run.mjs 200 1
//   node benchmarks/profile/agg.mjs /tmp/prof/*.cpuprofile
import { Adam, DataLoader, functional as F } from '@torchlet/layers';
import { mnistDatasets } from '@torchlet/layers/node';
import { Generator, getGemm, manualSeed, setGemm, type Gemm } from '@torchlet/tensor';
import { LeNet5 } from '../../examples/mnist/src/models.js';

const steps = Number(process.argv[2] ?? 100);
const reps = Number(process.argv[3] ?? 3);
const data = mnistDatasets();
manualSeed(1);
const model = new LeNet5(new Generator(1));
const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
const loader = new DataLoader(data.train, { batchSize: 64, shuffle: true, generator: new Generator(2) });

let gemmMs = 0;
let gemmCpuMs = 0;
// CPU time, not wall time: other jobs share the 2 cores, and a descheduled step should not count.
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const inner: Gemm = getGemm();
const timed: Gemm = {
  ...inner,
  gemm: (...args: Parameters<Gemm['gemm']>) => {
    const t = performance.now();
    const c = cpuMs();
    inner.gemm.apply(inner, args);
    gemmCpuMs += cpuMs() - c;
    gemmMs += performance.now() - t;
  },
} as Gemm;
if (process.env.TIME_GEMM) setGemm(timed);

const phases = [0, 0, 0];
const wall = [0, 0, 0];
let it = loader[Symbol.iterator]();
function step(): number {
  let next = it.next();
  if (next.done) {
    it = loader[Symbol.iterator]();
    next = it.next();
  }
  const [x, y] = next.value!;
  const t0 = cpuMs();
  const w0 = performance.now();
  const loss = F.crossEntropy(model.forward(x), y);
  const t1 = cpuMs();
  const w1 = performance.now();
  optimizer.zeroGrad();
  loss.backward();
  const t2 = cpuMs();
  const w2 = performance.now();
  optimizer.step();
  const t3 = cpuMs();
  const w3 = performance.now();
  phases[0]! += t1 - t0;
  phases[1]! += t2 - t1;
  phases[2]! += t3 - t2;
  wall[0]! += w1 - w0;
  wall[1]! += w2 - w1;
  wall[2]! += w3 - w2;
  return loss.item();
}
for (let i = 0; i < 20; i++) step(); // warm-up
let best = Infinity;
let bestRest = Infinity;
let bestCpu = Infinity;
let bestCpuRest = Infinity;
let lastLoss = 0;
const rssStart = process.memoryUsage().rss;
for (let r = 0; r < reps; r++) {
  gemmMs = 0;
  gemmCpuMs = 0;
  phases.fill(0);
  wall.fill(0);
  const t = performance.now();
  const c = cpuMs();
  for (let i = 0; i < steps; i++) lastLoss = step();
  const ms = (performance.now() - t) / steps;
  const cpu = (cpuMs() - c) / steps;
  bestCpu = Math.min(bestCpu, cpu);
  bestCpuRest = Math.min(bestCpuRest, cpu - gemmCpuMs / steps);
  if (ms < best) best = ms;
  if (ms - gemmMs / steps < bestRest) bestRest = ms - gemmMs / steps;
  // CPU time is the whole process's: a worker polling for its next task counts too.
  console.log(
    `  forward ${(phases[0]! / steps).toFixed(2)}, backward ${(phases[1]! / steps).toFixed(2)}, step ${(phases[2]! / steps).toFixed(2)} ms cpu`,
  );
  console.log(
    `  forward ${(wall[0]! / steps).toFixed(2)}, backward ${(wall[1]! / steps).toFixed(2)}, step ${(wall[2]! / steps).toFixed(2)} ms wall`,
  );
  console.log(
    `rep ${r}: ${ms.toFixed(3)} ms/step, ${(64000 / ms).toFixed(0)} img/s${process.env.TIME_GEMM ? `, gemm ${(gemmMs / steps).toFixed(3)} ms/step` : ''}`,
  );
}
if (process.env.TIME_GEMM)
  console.log(`best outside GEMM ${bestRest.toFixed(3)} ms/step wall, ${bestCpuRest.toFixed(3)} cpu`);
console.log(`best cpu ${bestCpu.toFixed(3)} ms/step`);
console.log(
  `best ${best.toFixed(3)} ms/step = ${(64000 / best).toFixed(0)} img/s; loss ${lastLoss}; rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB (start ${(rssStart / 1e6).toFixed(0)})`,
);

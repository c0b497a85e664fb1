// Probe: the three conv engine drivers one at a time on the native backend (forward with and without
// kept columns, adjoint, weight gradient remade or from the kept columns), float32, median of 40 runs.
//   ENTRY=conv-parts.ts node benchmarks/profile/run.mjs [threads] [N,C,D,H,W,Cout,k,padding] [2d]
// defaults: 1 thread, the bench's conv3d row [8,16,8,8,8]*[32,16,3,3,3] p1; `2d` drops D (a 2-D conv).
// PARTS=adjoint (or a comma list of the names below' first words) times only those, e.g. under perf.
import {
  convAdjointInto,
  convForwardInto,
  convGeometry,
  convPlan,
  convWeightGradInto,
  NativeGemm,
  setGemm,
} from '@torchlet/tensor';

const threads = Number(process.argv[2] ?? 1);
const [n, c, d, h, w, cOut, k, padding] = (process.argv[3] ?? '8,16,8,8,8,32,3,1').split(',').map(Number) as number[];
setGemm(new NativeGemm({ threads }));
const inputSize = process.argv[4] === '2d' ? [h!, w!] : [d!, h!, w!];
const geom = convGeometry('conv', { channels: c!, inputSize, kernelSize: k!, padding: padding! });
const plan = convPlan(n!, 1, c!, cOut!, geom);
const filled = (length: number) => new Float32Array(length).map(() => Math.random() - 0.5);
const x = filled(n! * c! * plan.inPositions);
const weight = filled(cOut! * c! * plan.kernelVolume);
const y = filled(n! * cOut! * plan.outPositions);
const gx = new Float32Array(x.length);
const gw = new Float32Array(weight.length);
const keep = new Float32Array(n! * c! * plan.kernelVolume * plan.outPositions);

// Wall time, and the process's CPU time (user + system): on one thread the CPU time is the work alone,
// steadier than the wall time on a machine other jobs share.
const parts = process.env.PARTS?.split(',');
function time(name: string, run: () => void): void {
  if (parts && !parts.includes(name.split(/[ ,]/)[0]!)) return;
  for (let i = 0; i < 5; i++) run();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 40; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    run();
    const used = process.cpuUsage(c);
    wall.push(performance.now() - t);
    cpu.push((used.user + used.system) / 1000);
  }
  const median = (v: number[]) => v.sort((a, b) => a - b)[v.length >> 1]!.toFixed(3);
  console.log(`${name.padEnd(24)} ${median(wall)} ms (cpu ${median(cpu)} ms)`);
}
time('forward', () => convForwardInto(x, weight, plan, y, false));
time('forward, columns kept', () => convForwardInto(x, weight, plan, y, false, keep));
time('adjoint', () => convAdjointInto(y, weight, plan, gx));
time('weight grad, remade', () => convWeightGradInto(x, y, plan, gw));
time('weight grad, kept', () => convWeightGradInto(x, y, plan, gw, keep));
process.exit(0);

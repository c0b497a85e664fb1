// In-process A/B: loads two bundles of ab-steps.ts (two builds) into one Node process and alternates
// their steps, A B B A A B …, so the machine's drift (this kind of VM wanders ±20% within a minute)
// falls on both alike; separate processes run minutes apart cannot tell 5% from noise here.
//   node benchmarks/profile/ab.mjs before after [step=lenet] [pairs=300]
// (bundle names in benchmarks/profile/.out, or paths). TORCHLET_BACKEND / TORCHLET_THREADS as usual;
// AB_NATIVE_BEFORE / AB_NATIVE_AFTER: each build's native addon directory (see makeStep below).
// Prints each build's quartiles and the per-pair ratio after/before: its median is the answer, its
// quartiles say how sure. Not everything shows in one process: the two builds share a heap, so a
// difference in how one build's garbage is collected shows only between separate processes.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const [before, after, stepName = 'lenet', pairsArg = '300'] = process.argv.slice(2);
if (!before || !after) {
  console.error('usage: node benchmarks/profile/ab.mjs before after [step=lenet] [pairs=300]');
  process.exit(2);
}
const bundle = (name) => {
  const path = existsSync(name) ? resolve(name) : join(here, '.out', `${name}.mjs`);
  if (!existsSync(path))
    throw new Error(`ab: no bundle ${path}; build it with ENTRY=ab-steps.ts OUT=${name} BUILD_ONLY=1`);
  return pathToFileURL(path).href;
};
// Each build's step made (and run once, which loads the backend) under its own native addon directory
// when AB_NATIVE_BEFORE / AB_NATIVE_AFTER name one (TORCHLET_NATIVE_DIR for that bundle): a change to
// the C++ kernels is compared in one process too (build the baseline's addon with TORCHLET_NATIVE_OUT).
const makeStep = async (name, nativeDir) => {
  const saved = process.env.TORCHLET_NATIVE_DIR;
  if (nativeDir) process.env.TORCHLET_NATIVE_DIR = resolve(nativeDir);
  const step = (await import(bundle(name))).makeStep(stepName);
  step();
  if (saved === undefined) delete process.env.TORCHLET_NATIVE_DIR;
  else process.env.TORCHLET_NATIVE_DIR = saved;
  return step;
};
const a = await makeStep(before, process.env.AB_NATIVE_BEFORE);
const b = await makeStep(after, process.env.AB_NATIVE_AFTER);
const pairs = Number(pairsArg);
for (let i = 0; i < 20; i++) {
  a();
  b();
}
const timesA = [];
const timesB = [];
const ratios = [];
for (let i = 0; i < pairs; i++) {
  const first = i & 1 ? b : a;
  const second = i & 1 ? a : b;
  const t1 = first();
  const t2 = second();
  const [ta, tb] = i & 1 ? [t2, t1] : [t1, t2];
  timesA.push(ta);
  timesB.push(tb);
  ratios.push(tb / ta);
}
const quantiles = (values) => {
  const sorted = [...values].sort((p, q) => p - q);
  return [0.25, 0.5, 0.75].map((p) => sorted[Math.floor(p * (sorted.length - 1))].toFixed(3)).join(' / ');
};
console.log(`${stepName}, ${pairs} pairs (q25 / median / q75)`);
console.log(`  ${before.padEnd(12)} ${quantiles(timesA)} ms`);
console.log(`  ${after.padEnd(12)} ${quantiles(timesB)} ms`);
console.log(`  ${after}/${before} per pair: ${quantiles(ratios)}`);
process.exit(0);

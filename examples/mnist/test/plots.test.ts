import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toOnnxBytes } from '@torchlet/layers';
import { exportOnnx } from '@torchlet/layers/node';
import { Generator, randn, Tensor } from '@torchlet/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../src/args.js';
import { LeNet5, WideCnn } from '../src/models.js';
import { writePlots } from '../src/plots.js';
import type { BatchDataset, EpochReport } from '../src/train.js';

const dir = mkdtempSync(join(tmpdir(), 'torchlet-mnist-plots-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in test set: one random 28×28 "digit" with label 7. */
const testSet = {
  length: 1,
  get: () => [randn([1, 28, 28]), 7],
  getBatch: () => [randn([1, 1, 28, 28], { generator: new Generator(1) }), new Tensor(Int32Array.of(7), [1])],
} as unknown as BatchDataset;

const epochs: EpochReport[] = [1, 2, 3].map((epoch) => ({
  epoch,
  trainLoss: 1 / epoch,
  trainAccuracy: 0.75 + epoch / 100,
  testLoss: 1.2 / epoch,
  testAccuracy: 0.8 + epoch / 100,
  seconds: 1,
  imagesPerSecond: 1,
}));
const lossCurve = Array.from({ length: 30 }, (_, i) => 2.3 * Math.exp(-i / 10));

/** Width and height from a PNG's IHDR chunk, after checking the signature (full decoding is tested in layers). */
function png(path: string): { width: number; height: number } {
  const bytes = readFileSync(path);
  expect(Array.from(bytes.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(bytes.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('mnist --plots', () => {
  it('LeNet: filters, the digit, feature maps of both conv layers, loss and accuracy curves as valid PNGs', () => {
    const out = join(dir, 'lenet');
    const paths = writePlots(out, { model: new LeNet5(new Generator(2)), lossCurve, epochs }, testSet);
    expect(paths.map((p) => p.slice(out.length + 1))).toEqual([
      'filters.png',
      'input.png',
      'feature-maps-features.0.png',
      'feature-maps-features.3.png',
      'loss.png',
      'accuracy.png',
    ]);
    const filters = png(paths[0]!);
    expect(filters.width).toBeGreaterThanOrEqual(3 * 50); // 6 filters of 5×5 scaled ×10, 3 per row
    expect(filters.height).toBeGreaterThanOrEqual(2 * 50);
    const maps3 = png(paths[3]!);
    expect(maps3.width).toBeGreaterThanOrEqual(4 * 50); // 16 maps of 10×10 scaled ×5, 4 per row
    expect(png(paths[4]!).width).toBe(640);
  });

  it('WideCnn: feature maps of its two conv layers (after BatchNorm there is no bias)', () => {
    const paths = writePlots(join(dir, 'wide'), { model: new WideCnn(new Generator(3)), lossCurve, epochs }, testSet);
    expect(paths.filter((p) => p.includes('feature-maps'))).toHaveLength(2);
  });
});

describe('mnist --export', () => {
  it('parses --export and --plots', () => {
    expect(parseArgs(['--export', 'm.onnx', '--plots=pics'])).toMatchObject({ export: 'm.onnx', plots: 'pics' });
    expect(() => parseArgs(['--export'])).toThrow(/--export needs a value/);
  });

  it('writes the trained model as ONNX (the bytes toOnnxBytes gives for [1, 1, 28, 28])', () => {
    const model = new LeNet5(new Generator(4));
    const path = join(dir, 'lenet.onnx');
    exportOnnx(model, [1, 1, 28, 28], path);
    expect(new Uint8Array(readFileSync(path))).toEqual(toOnnxBytes(model, [1, 1, 28, 28]));
  });
});

import { Subset } from '@torchlet/layers';
import { mnistDatasets } from '@torchlet/layers/node';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, parseArgs } from '../src/args.js';
import { type BatchDataset, trainMnist } from '../src/train.js';

const full = mnistDatasets();
// The first 2,000 test images keep evaluation quick; training uses the first `limit` training images.
const data = {
  train: full.train,
  test: new Subset(
    full.test,
    Array.from({ length: 2000 }, (_, i) => i),
  ) as unknown as BatchDataset,
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('MNIST training', () => {
  it('learns from a thousand real images: loss falls below 0.8 and test accuracy passes 80%', () => {
    const result = trainMnist({ ...DEFAULTS, limit: 1024, epochs: 3, batchSize: 32, lr: 3e-3 }, data);
    const curve = result.lossCurve;
    expect(curve).toHaveLength(96);
    expect(mean(curve.slice(0, 5))).toBeGreaterThan(2.0); // ln 10 ≈ 2.30 at the start
    expect(mean(curve.slice(-10))).toBeLessThan(0.8);
    expect(result.testAccuracy).toBeGreaterThan(0.8);
  });

  it('gives a bit-identical loss curve for the same seed, and another for another seed', () => {
    const args = { ...DEFAULTS, limit: 192, epochs: 1, batchSize: 32 };
    const a = trainMnist(args, data).lossCurve;
    const b = trainMnist(args, data).lossCurve;
    const c = trainMnist({ ...args, seed: 1 }, data).lossCurve;
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });
});

describe('flags', () => {
  it('parses every flag and rejects bad values by name', () => {
    expect(
      parseArgs([
        '--epochs',
        '2',
        '--batch-size=32',
        '--lr',
        '0.01',
        '--seed',
        '7',
        '--limit',
        '100',
        '--out',
        'x',
        '--model',
        'wide',
      ]),
    ).toEqual({
      epochs: 2,
      batchSize: 32,
      lr: 0.01,
      seed: 7,
      limit: 100,
      out: 'x',
      model: 'wide',
      export: '',
      plots: '',
    });
    expect(() => parseArgs(['--epochs', '0'])).toThrow(/--epochs must be an integer >= 1, got 0/);
    expect(() => parseArgs(['--model', 'vgg'])).toThrow(/--model must be lenet or wide/);
    expect(() => parseArgs(['--bogus', '1'])).toThrow(/unknown flag --bogus/);
    expect(() => parseArgs(['--lr'])).toThrow(/--lr needs a value/);
  });
});

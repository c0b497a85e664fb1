// The ./node subpath: helpers that need node:fs. The browser bundle never imports this file.
export { save, load, loadWithMetadata, type LoadedCheckpoint } from './checkpoint.js';
export { loadMnist, mnistDataDir, mnistDatasets, MNIST_FILES, type Mnist } from './mnist.js';
export { saveTrainingCheckpoint, loadTrainingCheckpoint } from './training-checkpoint.js';
export { exportOnnx } from './onnx.js';
export { encodePng, writePng, filtersToPng, featureMapsToPng, lineChartToPng, saveImage } from './png.js';
export { parseFlags, UsageError, type FlagSpec, type FlagValues } from './flags.js';

import type { visualize } from '@torchlet/layers';
import type { BackendInfo } from '@torchlet/tensor/kernels';
import type { ModelName } from './models.js';

/** Settings the page sends with `start` (from the URL: `?epochs=2&batch=32&lr=0.002&seed=0`, and the menu). */
export interface TrainSettings {
  model: ModelName;
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  /** Evaluate on the test digits every this many batches (and at each epoch's end). */
  evalEvery: number;
}

/** Where the worker runs: what `getBackendInfo()` says, and whether the context is cross-origin isolated. */
export interface Runtime {
  backend: BackendInfo;
  crossOriginIsolated: boolean;
}

/**
 * Page → worker. `start` begins run `run` (stopping any run still going); `classify` asks the current
 * network about a `[28, 28]` byte image; `sample` asks for test digit `index` (modulo the test set).
 */
export type ToWorker =
  | { type: 'start'; run: number; settings: TrainSettings }
  | { type: 'stop' }
  | { type: 'classify'; id: number; pixels: Uint8Array }
  | { type: 'sample'; index: number };

/**
 * Worker → page. Images are RGBA pixels, their buffers transferred, ready for `putImageData`.
 * Messages about training carry the `run` they belong to, so a stopped run's last words are ignored.
 */
export type FromWorker =
  | { type: 'runtime'; runtime: Runtime }
  | { type: 'ready'; run: number; train: number; test: number; parameters: number; model: string }
  | {
      type: 'batch';
      run: number;
      epoch: number;
      step: number;
      totalSteps: number;
      loss: number;
      imagesPerSecond: number;
    }
  | { type: 'eval'; run: number; step: number; epoch: number; accuracy: number }
  | { type: 'pictures'; run: number; filters: visualize.RgbaImage; curves: visualize.RgbaImage }
  | { type: 'done'; run: number; accuracy: number; seconds: number; stopped: boolean }
  /** `probabilities` null when no network exists yet; `featureMaps` one picture per convolution layer. */
  | { type: 'classified'; id: number; probabilities: number[] | null; featureMaps: visualize.RgbaImage[] }
  | { type: 'sample'; index: number; label: number; pixels: Uint8Array }
  | { type: 'error'; message: string };

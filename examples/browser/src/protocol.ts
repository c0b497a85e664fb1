import type { visualize } from '@torchlet/layers';

/** Settings the page sends with `start` (from the URL: `?epochs=2&batch=32&lr=0.002&seed=0`). */
export interface TrainSettings {
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  /** Evaluate on the test digits every this many batches (and at each epoch's end). */
  evalEvery: number;
}

/** Page → worker. */
export type ToWorker = { type: 'start'; settings: TrainSettings } | { type: 'stop' };

/** Worker → page. Images are RGBA pixels, their buffers transferred, ready for `putImageData`. */
export type FromWorker =
  | { type: 'ready'; train: number; test: number; parameters: number; model: string }
  | { type: 'batch'; epoch: number; step: number; totalSteps: number; loss: number; imagesPerSecond: number }
  | { type: 'eval'; step: number; epoch: number; accuracy: number }
  | { type: 'pictures'; filters: visualize.RgbaImage; curves: visualize.RgbaImage }
  | { type: 'done'; accuracy: number; seconds: number; stopped: boolean }
  | { type: 'error'; message: string };

/**
 * Every workload `pnpm bench` times, in table order. The browser bench page (examples/browser)
 * picks from the same list by name, so both time the same seeded inputs.
 */
import { convForward, convForwardBackward, type ConvCase } from './conv.js';
import { cifarStep } from './cifar.js';
import { gemmWorkload } from './gemm.js';
import { lenetStep } from './lenet.js';
import type { Workload } from './workload.js';

export type { Prepared, Workload } from './workload.js';

export const MNIST_X: ConvCase = { x: [64, 1, 28, 28], w: [32, 1, 3, 3], padding: 1 };
export const MID: ConvCase = { x: [64, 32, 14, 14], w: [64, 32, 3, 3], padding: 1 };
export const LARGE: ConvCase = { x: [16, 64, 56, 56], w: [64, 64, 3, 3], padding: 1 };
export const SIGNAL: ConvCase = { x: [32, 16, 1024], w: [32, 16, 9], padding: 4 };
export const VOLUME: ConvCase = { x: [8, 16, 8, 8, 8], w: [32, 16, 3, 3, 3], padding: 1 };
/** The training step's batch (and the MNIST epoch's). */
export const BATCH = 64;

export function benchWorkloads(): Workload[] {
  return [
    gemmWorkload(256, 256, 256),
    gemmWorkload(1024, 1024, 1024),
    gemmWorkload(64, 4096, 64),
    convForward(MNIST_X, 11),
    convForward(MID, 21),
    convForward(LARGE, 31),
    convForwardBackward(MID, 21),
    convForwardBackward(LARGE, 31),
    convForwardBackward(SIGNAL, 41),
    convForwardBackward(VOLUME, 51),
    lenetStep(BATCH),
    cifarStep(BATCH),
  ];
}

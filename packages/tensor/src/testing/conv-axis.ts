import fc from 'fast-check';
import { convGeometry, dilatedSpan, outputLength, type ConvGeometry } from '../kernels/conv-geometry.js';

// One spatial axis of a convolution as a fast-check arbitrary, for tests that build their cases axis by
// axis: the conv engine's here, the layers' through @torchlet/layers/testing (which re-exports it).

export interface ConvAxisOptions {
  /** Inclusive `[min, max]` of the input length. Default `[1, 6]`. */
  size?: readonly [number, number];
  /** Default `[1, 3]`. */
  kernel?: readonly [number, number];
  /** Default `[1, 3]`. */
  stride?: readonly [number, number];
  /** Default `[1, 2]`. */
  dilation?: readonly [number, number];
  /** Zeros on each side. Default `[0, 2]`. */
  padding?: readonly [number, number];
  /** The same padding before and after. Default false (each side drawn on its own). */
  symmetric?: boolean;
  /** The least output length the axis must give (2 for a 2-wide pool after it). Default 1. */
  minOutput?: number;
}

/** One spatial axis of a convolution: its input length and options (`before`/`after`: zeros on each side). */
export interface ConvAxis {
  size: number;
  kernel: number;
  stride: number;
  dilation: number;
  before: number;
  after: number;
}

const range = ([min, max]: readonly [number, number]) => fc.integer({ min, max });

/**
 * One spatial axis of a convolution whose output is at least `minOutput` long, for tests that build
 * their own cases axis by axis (asymmetric padding, kernels, plans).
 * @example fc.array(arbConvAxis({ size: [1, 11], kernel: [1, 5] }), { minLength: 2, maxLength: 2 })
 */
export function arbConvAxis(options: ConvAxisOptions = {}): fc.Arbitrary<ConvAxis> {
  const padding = options.padding ?? [0, 2];
  const minOutput = options.minOutput ?? 1;
  return fc
    .record({
      size: range(options.size ?? [1, 6]),
      kernel: range(options.kernel ?? [1, 3]),
      stride: range(options.stride ?? [1, 3]),
      dilation: range(options.dilation ?? [1, 2]),
      before: range(padding),
      after: range(padding),
    })
    .map((a): ConvAxis => (options.symmetric ? { ...a, after: a.before } : a))
    .filter(
      (a) =>
        a.size + a.before + a.after >= dilatedSpan(a.kernel, a.dilation) &&
        outputLength(a.size, a.kernel, a.stride, a.before, a.after, a.dilation) >= minOutput,
    );
}

/** The geometry of a convolution over `axes` (one per spatial axis) with `channels` input channels. */
export function convGeometryOfAxes(op: string, channels: number, axes: readonly ConvAxis[]): ConvGeometry {
  return convGeometry(op, {
    channels,
    inputSize: axes.map((a) => a.size),
    kernelSize: axes.map((a) => a.kernel),
    stride: axes.map((a) => a.stride),
    padding: axes.map((a) => a.before),
    paddingAfter: axes.map((a) => a.after),
    dilation: axes.map((a) => a.dilation),
  });
}

import type { AxisWindows } from '../nn/functional/pool.js';

/** One axis of an ONNX pool: kernel, stride, dilation and the padding before and after. */
export interface OnnxPoolAxis {
  kernel: number;
  stride: number;
  dilation: number;
  padBefore: number;
  padAfter: number;
}

/** The windows `poolAxis` makes for kernel `k`, stride `s`, padding `p`, dilation `d` match `axis`'s. */
function sameWindows(axis: AxisWindows, k: number, s: number, p: number, d: number): boolean {
  for (let o = 0; o < axis.outSize; o++) {
    const first = o * s - p;
    const skip = first < 0 ? Math.ceil(-first / d) : 0;
    if (axis.start[o] !== first + skip * d) return false;
    if (axis.end[o] !== Math.min(first + (k - 1) * d + 1, axis.inSize)) return false;
  }
  return true;
}

/**
 * The ONNX pool attributes of one axis of a Torchlet pooling plan, or null when its windows are not
 * one kernel sliding by one stride (an adaptive pool whose sizes do not divide). The plan holds the
 * windows themselves, not the options that made them, so they are found back: the smallest kernel
 * and padding (PyTorch's padding is at most half the kernel) that make the same windows. The padding
 * after is what ONNX's floor-mode output size needs to give as many windows: PyTorch's ceil mode adds
 * a last window that runs into padding there, which only ever holds -∞ for max pooling and is left
 * out of the count for average pooling without `count_include_pad`.
 */
export function onnxPoolAxis(axis: AxisWindows): OnnxPoolAxis | null {
  const { inSize, outSize, start, end, step: d } = axis;
  let widest = 1;
  for (let o = 0; o < outSize; o++) widest = Math.max(widest, end[o]! - start[o]!);
  const strides = new Set<number>();
  for (let o = 1; o < outSize; o++) {
    strides.add(start[o]! - start[o - 1]!);
    strides.add(end[o]! - end[o - 1]!);
  }
  const smallest = Math.ceil((widest - 1) / d) + 1;
  for (let k = smallest; k <= smallest + inSize; k++) {
    const span = (k - 1) * d + 1;
    for (let p = 0; p <= Math.floor(k / 2); p++) {
      // One window: any stride gives it; the kernel's span keeps ONNX's output size at one.
      const candidates = outSize === 1 ? [Math.max(1, inSize + 2 * p - span + 1)] : [...strides].filter((s) => s > 0);
      for (const s of candidates) {
        if (!sameWindows(axis, k, s, p, d)) continue;
        const padAfter = Math.max(p, (outSize - 1) * s + span - inSize - p);
        if (Math.floor((inSize + p + padAfter - span) / s) + 1 !== outSize) continue;
        return { kernel: k, stride: s, dilation: d, padBefore: p, padAfter };
      }
    }
  }
  return null;
}

import fc from 'fast-check';

/** One pooled axis: its input length and the window's options along it. */
export interface PoolAxis {
  size: number;
  kernel: number;
  stride: number;
  padding: number;
  dilation: number;
}

export interface PoolAxisOptions {
  /** Inclusive `[min, max]` of the input length. */
  size: readonly [number, number];
  /** Inclusive `[min, max]` of the kernel size. */
  kernel: readonly [number, number];
  /** The largest padding drawn; it is then cut to half the kernel, as pooling allows. */
  padding: number;
  /** The largest dilation drawn (1: none). */
  dilation: number;
}

/** One pooled axis with stride 1 to 3 and padding at most half the kernel; its output may still be empty. */
export function arbPoolAxis(o: PoolAxisOptions): fc.Arbitrary<PoolAxis> {
  return fc
    .record({
      size: fc.integer({ min: o.size[0], max: o.size[1] }),
      kernel: fc.integer({ min: o.kernel[0], max: o.kernel[1] }),
      stride: fc.integer({ min: 1, max: 3 }),
      padding: fc.integer({ min: 0, max: o.padding }),
      dilation: fc.integer({ min: 1, max: o.dilation }),
    })
    .map((a) => ({ ...a, padding: Math.min(a.padding, Math.floor(a.kernel / 2)) }));
}

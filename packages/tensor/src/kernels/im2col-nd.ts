import type { TypedArray } from '../dtype.js';
import type { ConvGeometry } from './conv-geometry.js';

/*
 * im2col and col2im for any number of spatial axes, with the same layout as the 1-D–3-D kernels in
 * im2col.ts (row `(c, k1, ..., kd)`, column = output position, row-major). Those kernels take every
 * geometry of up to three axes; this one takes the rest. Per kernel tap the output positions whose
 * window reads the input form a box `[lo, hi)` on each axis; an odometer walks the leading output
 * axes and the last axis is one contiguous run, as in the 2-D kernel's rows.
 */

/** Per-axis facts of one kernel tap: where its window starts on each axis and which outputs read the input. */
interface TapBox {
  /** `k·dilation − padBefore`: the input index read at output 0 (float64: a padding past 2^31 must not wrap). */
  start: Float64Array;
  /** First output position reading the input (earlier ones read padding). */
  lo: Int32Array;
  /** One past the last output position reading the input. */
  hi: Int32Array;
}

function tapBox(geom: ConvGeometry, tap: Int32Array, box: TapBox): boolean {
  let empty = false;
  for (let a = 0; a < tap.length; a++) {
    const start = tap[a]! * geom.dilation[a]! - geom.padBefore[a]!;
    const s = geom.stride[a]!;
    const out = geom.outputSize[a]!;
    const lo = start >= 0 ? 0 : Math.min(out, Math.ceil(-start / s));
    const room = geom.inputSize[a]! - start;
    const hi = Math.max(lo, Math.min(out, room <= 0 ? 0 : Math.ceil(room / s)));
    box.start[a] = start;
    box.lo[a] = lo;
    box.hi[a] = hi;
    if (lo === hi) empty = true;
  }
  return empty;
}

/** Steps `index` to the next multi-index of `sizes` (row-major); false after the last. */
function advance(index: Int32Array, sizes: readonly number[], axes: number): boolean {
  for (let a = axes - 1; a >= 0; a--) {
    if (++index[a]! < sizes[a]!) return true;
    index[a] = 0;
  }
  return false;
}

/** Row-major strides of `sizes`. */
function stridesOf(sizes: readonly number[]): Int32Array {
  const strides = new Int32Array(sizes.length);
  for (let a = sizes.length - 1, s = 1; a >= 0; a--) {
    strides[a] = s;
    s *= sizes[a]!;
  }
  return strides;
}

/**
 * Visits the rows of one sample's columns: for each (channel, tap), `row(at, box)` gets the offset
 * of the row's first column and the tap's box, or null when no output position of the tap reads
 * the input (the whole row is padding).
 */
function forEachRow(
  geom: ConvGeometry,
  row: (at: number, channel: number, box: TapBox | null) => void,
  colsOffset: number,
): void {
  const dims = geom.inputSize.length;
  const outPositions = geom.outputSize.reduce((p, d) => p * d, 1);
  const tap = new Int32Array(dims);
  const box: TapBox = { start: new Float64Array(dims), lo: new Int32Array(dims), hi: new Int32Array(dims) };
  let at = colsOffset;
  for (let c = 0; c < geom.channels; c++) {
    tap.fill(0);
    do {
      row(at, c, tapBox(geom, tap, box) ? null : box);
      at += outPositions;
    } while (advance(tap, geom.kernelSize, dims));
  }
}

/**
 * Walks the output positions of one row inside the tap's box: `run(colAt, srcAt, length)` for each
 * run along the last axis, `colAt` the first column of the run and `srcAt` the input element
 * (relative to the channel) that column reads; the last axis steps by its stride.
 */
function forEachRun(
  geom: ConvGeometry,
  box: TapBox,
  outStrides: Int32Array,
  inStrides: Int32Array,
  run: (colAt: number, srcAt: number) => void,
): void {
  const dims = geom.inputSize.length;
  const lead = dims - 1;
  const o = new Int32Array(lead);
  for (let a = 0; a < lead; a++) o[a] = box.lo[a]!;
  const last = dims - 1;
  for (;;) {
    let colAt = box.lo[last]!;
    let srcAt = box.start[last]! + box.lo[last]! * geom.stride[last]!;
    for (let a = 0; a < lead; a++) {
      colAt += o[a]! * outStrides[a]!;
      srcAt += (box.start[a]! + o[a]! * geom.stride[a]!) * inStrides[a]!;
    }
    run(colAt, srcAt);
    // Next leading output position inside the box, row-major.
    let a = lead - 1;
    for (; a >= 0; a--) {
      if (++o[a]! < box.hi[a]!) break;
      o[a] = box.lo[a]!;
    }
    if (a < 0) return;
  }
}

/** What both kernels need of a geometry: sizes, row-major strides, and the last axis's stride. */
function layoutOf(geom: ConvGeometry) {
  const last = geom.inputSize.length - 1;
  return {
    last,
    inPositions: geom.inputSize.reduce((p, d) => p * d, 1),
    outPositions: geom.outputSize.reduce((p, d) => p * d, 1),
    inStrides: stridesOf(geom.inputSize),
    outStrides: stridesOf(geom.outputSize),
    sLast: geom.stride[last]!,
  };
}

/**
 * `im2colInto` for geometries of any number of axes: unfolds one sample `src[srcOffset ...]`
 * (`[C, ...inputSize]`) into `dst[dstOffset ...]` (`[C·∏kernelSize, ∏outputSize]`), writing every
 * element. Trusts `geom` and the offsets (checked by `im2colInto`).
 */
export function im2colNdInto(
  src: TypedArray,
  srcOffset: number,
  geom: ConvGeometry,
  dst: TypedArray,
  dstOffset: number,
): void {
  const { last, outPositions, inPositions, outStrides, inStrides, sLast } = layoutOf(geom);
  forEachRow(
    geom,
    (at, c, box) => {
      // Zero the row first; the runs below overwrite the positions that read the input.
      dst.fill(0, at, at + outPositions);
      if (box === null) return;
      const length = box.hi[last]! - box.lo[last]!;
      const channelAt = srcOffset + c * inPositions;
      forEachRun(geom, box, outStrides, inStrides, (colAt, srcAt) => {
        for (let i = 0, d = at + colAt, s = channelAt + srcAt; i < length; i++, d++, s += sLast) dst[d] = src[s]!;
      });
    },
    dstOffset,
  );
}

/**
 * `col2imInto` for geometries of any number of axes: adds each column entry of
 * `cols[colsOffset ...]` back onto the input element it was read from in `dst[dstOffset ...]`;
 * entries that came from padding are dropped. Trusts `geom` and the offsets.
 */
export function col2imNdInto(
  cols: TypedArray,
  colsOffset: number,
  geom: ConvGeometry,
  dst: TypedArray,
  dstOffset: number,
): void {
  const { last, inPositions, outStrides, inStrides, sLast } = layoutOf(geom);
  forEachRow(
    geom,
    (at, c, box) => {
      if (box === null) return;
      const length = box.hi[last]! - box.lo[last]!;
      const channelAt = dstOffset + c * inPositions;
      forEachRun(geom, box, outStrides, inStrides, (colAt, srcAt) => {
        // col2im adds: overlapping windows all touched this element.
        for (let i = 0, s = at + colAt, d = channelAt + srcAt; i < length; i++, s++, d += sLast)
          dst[d] = dst[d]! + cols[s]!;
      });
    },
    colsOffset,
  );
}

// Convolution samples and weight gradients for WebAssembly SIMD (AssemblyScript): im2col/col2im of
// one sample and its GEMMs back to back on one thread, in that core's cache; the weight gradient's
// batch in fixed partitions, so that results do not depend on the thread count.

import { CONV_BETA, CONV_BIAS, CONV_COLS, CONV_COLS_STRIDE, CONV_C_OUT_G, CONV_GEOMETRY, CONV_GROUPS, CONV_INDICES, CONV_MODE, CONV_POOLED, CONV_POSITIONS, CONV_ROWS_G, CONV_W, CONV_WINDOW_ROWS, CONV_X, CONV_X_STRIDE, CONV_Y, CONV_Y_STRIDE, GEOMETRY_CHANNELS, GEOMETRY_D_H, GEOMETRY_D_W, GEOMETRY_IN_H, GEOMETRY_IN_W, GEOMETRY_K_H, GEOMETRY_K_W, GEOMETRY_OUT_H, GEOMETRY_OUT_W, GEOMETRY_P_H, GEOMETRY_P_W, GEOMETRY_S_H, GEOMETRY_S_W, WEIGHT_GRAD_BIAS_PARTS, WEIGHT_GRAD_CHUNK, WEIGHT_GRAD_COLS, WEIGHT_GRAD_COLS_STRIDE, WEIGHT_GRAD_COUNT, WEIGHT_GRAD_C_OUT_G, WEIGHT_GRAD_FIRST, WEIGHT_GRAD_GEOMETRY, WEIGHT_GRAD_GROUPS, WEIGHT_GRAD_IM2COL, WEIGHT_GRAD_PARTS, WEIGHT_GRAD_POSITIONS, WEIGHT_GRAD_ROWS_G, WEIGHT_GRAD_X, WEIGHT_GRAD_X_STRIDE, WEIGHT_GRAD_Y, WEIGHT_GRAD_Y_STRIDE } from './slots.as';
import { KC, MC, MR, NC, NR, blocked } from './gemm.as';
import { reluMaxPool1x2, reluMaxPool2x2 } from './pool.as';

// Floats of each thread's own im2col buffer (1 MB): a conv sample whose columns fit (LeNet-5's: 19,600
// and 15,000; the conv1d bench row's [16·9, 1024]: 147,456) makes and uses them there, when the caller
// keeps none (slot 21 = 0). At 64K floats that row's columns were packed from x instead, and its
// forward ran 19% slower than making them (benchmarks/profile/ab.mjs, one thread).
export const COLS_FLOATS: i32 = 1 << 18;

/** The calling thread's im2col buffer inside its `scratch`. */
// @ts-ignore: decorator
@inline function threadCols(scratch: usize): usize {
  return scratch + (<usize>(MC * KC + KC * NC + MR * NR) << 2);
}

/**
 * Sample `t` of a 1-D/2-D convolution, whole on this thread (kind 2). Slots (i32 unless noted):
 * 17 mode, 18 x, 19 x stride, 20 cols, 21 cols stride (0: the thread's own buffer), 22 bias (0: none), 23 w, 24 y, 25 y stride (addresses and strides in
 * bytes; sample t's operands start t strides on), 26 groups, 27 Cout/groups, 28 rows per group
 * (Cin/groups·kH·kW), 29 positions (Hout·Wout), 30 beta (f32), 31–43 the geometry C, H, W, kH, kW, sH,
 * sW, pH, pW, dH, dW, Hout, Wout. Mode 0, forward: y_g = W_g·im2col_g(x) + beta·y_g, the columns made
 * whole at `cols` when kept (slot 21 ≠ 0) or in the thread's own buffer when they fit it, else there
 * band by band (rows of the output), or, when one output row's columns do not fit half of it, packed
 * panel by panel from x (with a bias, y first set to it per channel and beta = 1); then, when slot 44 is not 0, the
 * epilogue `pooled = maxPool(relu(y))` over 2×2 windows (slot 47 = 2) or 1×2 (slot 47 = 1, a 1-D
 * conv) into slot 44 (f32), with each maximum's plane index into slot 45 (i32), `[Cout, Hout/rows,
 * Wout/2]` per sample.
 * Mode 1, adjoint: cols_g = W_gᵀ·y_g, then x += col2im(cols). Each sample's columns are made and used
 * back to back, while they are in this core's cache.
 */
export function convTask(params: usize, t: i32, scratch: usize): void {
  const mode = load<i32>(params, CONV_MODE);
  const at = <usize>t;
  const x = load<usize>(params, CONV_X) + at * load<usize>(params, CONV_X_STRIDE);
  // Stride 0: no columns kept, so this thread's own buffer serves, sample after sample.
  const colsStride = load<usize>(params, CONV_COLS_STRIDE);
  const cols = colsStride ? load<usize>(params, CONV_COLS) + at * colsStride : threadCols(scratch);
  const w = load<usize>(params, CONV_W);
  const y = load<usize>(params, CONV_Y) + at * load<usize>(params, CONV_Y_STRIDE);
  const groups = load<i32>(params, CONV_GROUPS);
  const cOutG = load<i32>(params, CONV_C_OUT_G);
  const rowsG = load<i32>(params, CONV_ROWS_G);
  const p = load<i32>(params, CONV_POSITIONS);
  const beta = load<f32>(params, CONV_BETA);
  const geom = params + CONV_GEOMETRY;
  if (mode == 0) {
    const bias = load<usize>(params, CONV_BIAS);
    let betaY = beta;
    if (bias) {
      // y starts at the bias: the same f32 value a JS fill would store, then the GEMM adds (beta = 1).
      const cOut = groups * cOutG;
      let d = y;
      for (let c = 0; c < cOut; c++) {
        const v = load<f32>(bias + (<usize>c << 2));
        const vv = f32x4.splat(v);
        let q = 0;
        for (; q + 4 <= p; q += 4) v128.store(d + (<usize>q << 2), vv);
        for (; q < p; q++) store<f32>(d + (<usize>q << 2), v);
        d += <usize>p << 2;
      }
      betaY = 1;
    }
    // Columns kept for a weight gradient, or small enough for this thread's own buffer (in its cache,
    // where im2col and packB run as vector copies), are made whole. Larger ones are made in bands of
    // output rows that fill at most half of that buffer (the rest of a 1 MB L2 holds the packed
    // blocks), each band multiplied while in cache: for [16,64,56,56]*[64,64,3,3], 15 bands of 4 rows
    // ran 0.885× the time of packing the GEMM panels straight from x (ab.mjs fwdLarge, 1 thread;
    // 0.869× on 2). Only where one output row's columns pass that half are the panels packed from x
    // (the same values, so the same bits either way); from x had cost 6.2 against 5.3 ms for
    // [64,1,28,28]*[32,1,3,3] and 23 against 18 ms for [64,32,14,14]*[64,32,3,3] made whole.
    const whole = colsStride != 0 || groups * rowsG * p <= COLS_FLOATS;
    const outH = load<i32>(geom, GEOMETRY_OUT_H), outW = load<i32>(geom, GEOMETRY_OUT_W);
    const bandRows = whole ? outH : (COLS_FLOATS >> 1) / max(1, groups * rowsG * outW);
    if (whole || bandRows > 0) {
      for (let oh0 = 0; oh0 < outH; oh0 += bandRows) {
        const band = min(bandRows, outH - oh0) * outW;
        im2colRows(x, geom, oh0, oh0 + min(bandRows, outH - oh0), cols);
        for (let g = 0; g < groups; g++) {
          const wG = w + (<usize>(g * cOutG * rowsG) << 2), yG = y + (<usize>(g * cOutG * p + oh0 * outW) << 2);
          blocked(0, 0, cOutG, band, rowsG, 1, wG, rowsG, cols + (<usize>(g * rowsG * band) << 2), band, betaY, yG, p, scratch, 0, 0);
        }
      }
    } else {
      const channelsG = load<i32>(geom, GEOMETRY_CHANNELS) / groups;
      const planeBytes = <usize>(load<i32>(geom, GEOMETRY_IN_H) * load<i32>(geom, GEOMETRY_IN_W)) << 2;
      for (let g = 0; g < groups; g++) {
        const wG = w + (<usize>(g * cOutG * rowsG) << 2), yG = y + (<usize>(g * cOutG * p) << 2);
        blocked(0, 0, cOutG, p, rowsG, 1, wG, rowsG, x + <usize>(g * channelsG) * planeBytes, p, betaY, yG, p, scratch, 0, 0, geom);
      }
    }
    const pooled = load<usize>(params, CONV_POOLED);
    if (pooled) {
      // Slot 47: the windows' rows, 2 (2×2, a 2-D conv) or 1 (1×2, a 1-D conv, whose H is 1).
      const windowRows = load<i32>(params, CONV_WINDOW_ROWS);
      const pooledStride = <usize>(groups * cOutG * (outH / windowRows) * (outW >> 1)) << 2;
      const out = pooled + at * pooledStride;
      const indices = load<usize>(params, CONV_INDICES) + at * pooledStride;
      if (windowRows == 2) reluMaxPool2x2(y, groups * cOutG, outH, outW, out, indices);
      else reluMaxPool1x2(y, groups * cOutG * outH, outW, out, indices);
    }
  } else {
    for (let g = 0; g < groups; g++) {
      blocked(1, 0, rowsG, p, cOutG, 1, w + (<usize>(g * cOutG * rowsG) << 2), rowsG, y + (<usize>(g * cOutG * p) << 2), p,
        0, cols + (<usize>(g * rowsG * p) << 2), p, scratch, 0, 0);
    }
    col2im2d(cols, geom, x);
  }
}

/**
 * Partition `t` of a conv weight gradient (kind 3): samples [t·chunk, (t+1)·chunk) (slot 45 chunk, 44
 * count) summed, in order, into this partition's own `gW_t = Σ_s gy[s]·cols[s]ᵀ` (slot 23: partials,
 * `[parts, Cout, rows per group]`) and, when slot 22 is not 0, its own f64 bias sums
 * `gb_t[c] = Σ_s Σ_p gy[s, c, p]` (`[parts, Cout]` f64). The caller adds the partitions up in order, so
 * the result depends on the partition count, which it fixes, not on which thread ran what. Slots 17
 * (1: make the columns here by im2col of x into buffer `cols + task·stride`, else read sample s's at
 * `cols + s·stride`), 18–21, 24–29 and 31–43 as for `convTask`; 46 the first partition of this round.
 */
export function weightGradTask(params: usize, task: i32, scratch: usize): void {
  // Partitions may run in rounds (slot 46: the round's first partition), each round's im2col buffers
  // reused by the next: buffer `task` serves partition `first + task`.
  const t = task + load<i32>(params, WEIGHT_GRAD_FIRST);
  const im2col = load<i32>(params, WEIGHT_GRAD_IM2COL);
  const x = load<usize>(params, WEIGHT_GRAD_X);
  const xStride = load<usize>(params, WEIGHT_GRAD_X_STRIDE);
  const cols = load<usize>(params, WEIGHT_GRAD_COLS);
  const colsStride = load<usize>(params, WEIGHT_GRAD_COLS_STRIDE);
  const biasParts = load<usize>(params, WEIGHT_GRAD_BIAS_PARTS);
  const parts = load<usize>(params, WEIGHT_GRAD_PARTS);
  const gy = load<usize>(params, WEIGHT_GRAD_Y);
  const yStride = load<usize>(params, WEIGHT_GRAD_Y_STRIDE);
  const groups = load<i32>(params, WEIGHT_GRAD_GROUPS);
  const cOutG = load<i32>(params, WEIGHT_GRAD_C_OUT_G);
  const rowsG = load<i32>(params, WEIGHT_GRAD_ROWS_G);
  const p = load<i32>(params, WEIGHT_GRAD_POSITIONS);
  const geom = params + WEIGHT_GRAD_GEOMETRY;
  const count = load<i32>(params, WEIGHT_GRAD_COUNT);
  const chunk = load<i32>(params, WEIGHT_GRAD_CHUNK);
  const cOut = groups * cOutG;
  const part = parts + (<usize>(t * cOut * rowsG) << 2);
  const biasPart = biasParts + (<usize>(t * cOut) << 3);
  const first = t * chunk;
  const last = min(first + chunk, count);
  for (let s = first; s < last; s++) {
    const at = <usize>s;
    // Columns made here go to this partition's own buffer, reused sample after sample.
    const colsS = im2col && !colsStride ? threadCols(scratch) : cols + (im2col ? <usize>task : at) * colsStride;
    const gyS = gy + at * yStride;
    if (im2col) im2col2d(x + at * xStride, geom, colsS);
    const beta: f32 = s == first ? 0 : 1;
    for (let g = 0; g < groups; g++) {
      const gyG = gyS + (<usize>(g * cOutG * p) << 2);
      const colsG = colsS + (<usize>(g * rowsG * p) << 2);
      const partG = part + (<usize>(g * cOutG * rowsG) << 2);
      if (cOutG <= NT_MAX_ROWS) gemmNT(cOutG, rowsG, p, gyG, p, colsG, p, beta, partG, rowsG);
      else blocked(0, 1, cOutG, rowsG, p, 1, gyG, p, colsG, p, beta, partG, rowsG, scratch, 0, 0);
    }
    if (biasParts) {
      for (let c = 0; c < cOut; c++) {
        const row = gyS + (<usize>(c * p) << 2);
        let sum: f64 = 0;
        for (let q = 0; q < p; q++) sum += <f64>load<f32>(row + (<usize>q << 2));
        const o = biasPart + (<usize>c << 3);
        store<f64>(o, s == first ? sum : load<f64>(o) + sum);
      }
    }
  }
}

// Up to this many rows of A (output channels per group), a weight gradient takes `gemmNT`.
const NT_MAX_ROWS: i32 = 16;

/** The sum of a v128's four f32 lanes, in a fixed order: (l0 + l1) + (l2 + l3). */
// @ts-ignore: decorator
@inline function lanesSum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/**
 * C = A·Bᵀ + beta·C for A `[m, k]` and B `[n, k]` whose rows run along k (leading dimensions in
 * elements): every element is a dot product of two contiguous rows, taken 2 rows of A by 4 of B at a
 * time in v128 lanes (lane l sums the k ≡ l mod 4 terms; then the lanes, then the k mod 4 tail), with
 * no packing. For a weight gradient with few output channels and many positions (LeNet-5: 6×25 over
 * 784) packing the columns transposed for `blocked` cost about as much as the products. A missing
 * second row or fourth column repeats the first one, and its sums are dropped.
 */
function gemmNT(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32): void {
  const k4 = k & ~3;
  const aRow = <usize>lda << 2;
  const bRow = <usize>ldb << 2;
  for (let i = 0; i < m; i += 2) {
    const rows = min(2, m - i);
    const a0 = a + <usize>i * aRow;
    const a1 = rows > 1 ? a0 + aRow : a0;
    for (let j = 0; j < n; j += 4) {
      const cols = min(4, n - j);
      const b0 = b + <usize>j * bRow;
      const b1 = cols > 1 ? b0 + bRow : b0;
      const b2 = cols > 2 ? b1 + bRow : b0;
      const b3 = cols > 3 ? b2 + bRow : b0;
      let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s02 = f32x4.splat(0), s03 = f32x4.splat(0);
      let s10 = f32x4.splat(0), s11 = f32x4.splat(0), s12 = f32x4.splat(0), s13 = f32x4.splat(0);
      for (let p = 0; p < k4; p += 4) {
        const o = <usize>p << 2;
        const x0 = v128.load(a0 + o), x1 = v128.load(a1 + o);
        let y = v128.load(b0 + o);
        s00 = f32x4.add(s00, f32x4.mul(x0, y));
        s10 = f32x4.add(s10, f32x4.mul(x1, y));
        y = v128.load(b1 + o);
        s01 = f32x4.add(s01, f32x4.mul(x0, y));
        s11 = f32x4.add(s11, f32x4.mul(x1, y));
        y = v128.load(b2 + o);
        s02 = f32x4.add(s02, f32x4.mul(x0, y));
        s12 = f32x4.add(s12, f32x4.mul(x1, y));
        y = v128.load(b3 + o);
        s03 = f32x4.add(s03, f32x4.mul(x0, y));
        s13 = f32x4.add(s13, f32x4.mul(x1, y));
      }
      const c0 = c + (<usize>(i * ldc + j) << 2);
      dotStore(lanesSum(s00), a0, b0, k4, k, beta, c0);
      if (cols > 1) dotStore(lanesSum(s01), a0, b1, k4, k, beta, c0 + 4);
      if (cols > 2) dotStore(lanesSum(s02), a0, b2, k4, k, beta, c0 + 8);
      if (cols > 3) dotStore(lanesSum(s03), a0, b3, k4, k, beta, c0 + 12);
      if (rows > 1) {
        const c1 = c0 + (<usize>ldc << 2);
        dotStore(lanesSum(s10), a1, b0, k4, k, beta, c1);
        if (cols > 1) dotStore(lanesSum(s11), a1, b1, k4, k, beta, c1 + 4);
        if (cols > 2) dotStore(lanesSum(s12), a1, b2, k4, k, beta, c1 + 8);
        if (cols > 3) dotStore(lanesSum(s13), a1, b3, k4, k, beta, c1 + 12);
      }
    }
  }
}

/** One element of `gemmNT`: the lanes' `sum` plus the k mod 4 tail of rows `ar`·`br`, stored as `sum + beta·C`. */
// @ts-ignore: decorator
@inline function dotStore(sum: f32, ar: usize, br: usize, k4: i32, k: i32, beta: f32, at: usize): void {
  for (let p = k4; p < k; p++) sum += load<f32>(ar + (<usize>p << 2)) * load<f32>(br + (<usize>p << 2));
  store<f32>(at, beta == 0 ? sum : sum + beta * load<f32>(at));
}

/** ⌈a / b⌉ for b > 0 (i32 division truncates toward zero). */
// @ts-ignore: decorator
@inline function ceilDiv(a: i32, b: i32): i32 {
  return a > 0 ? (a + b - 1) / b : a / b;
}

/** The output columns [lo, hi) whose window column `start + ow·s` lies in [0, size), packed lo | hi << 16. */
// @ts-ignore: decorator
@inline function insideRange(start: i32, s: i32, size: i32, out: i32): i32 {
  const lo = min(max(ceilDiv(-start, s), 0), out);
  const hi = min(max(ceilDiv(size - start, s), lo), out);
  return lo | (hi << 16);
}

/** im2col of one sample: cols[(c·kH + kh)·kW + kw, oh·Wout + ow] = x[c, oh·sH − pH + kh·dH, ow·sW − pW + kw·dW], 0 outside. */
function im2col2d(x: usize, geom: usize, cols: usize): void {
  im2colRows(x, geom, 0, load<i32>(geom, GEOMETRY_OUT_H), cols);
}

/** `im2col2d`'s columns of output rows [oh0, oh1) only: `[C·kH·kW, (oh1 − oh0)·Wout]`. */
function im2colRows(x: usize, geom: usize, oh0: i32, oh1: i32, cols: usize): void {
  walkColumns(x, geom, oh0, oh1, cols, false);
}

/** The adjoint of `im2col2d`: every column entry is added onto the input element it was read from, tap by tap in order. */
function col2im2d(cols: usize, geom: usize, x: usize): void {
  walkColumns(x, geom, 0, load<i32>(geom, GEOMETRY_OUT_H), cols, true);
}

/**
 * The one walk im2col and col2im share, column row by column row (channel, kernel tap, output row):
 * `adjoint` false copies the input row's taps into the column row and zeroes what falls in the padding;
 * true adds the column row back onto the taps it was read from. Inlined with `adjoint` a constant, so
 * each caller compiles to its own loop.
 */
// @ts-ignore: decorator
@inline function walkColumns(x: usize, geom: usize, oh0: i32, oh1: i32, cols: usize, adjoint: bool): void {
  const channels = load<i32>(geom, GEOMETRY_CHANNELS), inH = load<i32>(geom, GEOMETRY_IN_H), inW = load<i32>(geom, GEOMETRY_IN_W);
  const kH = load<i32>(geom, GEOMETRY_K_H), kW = load<i32>(geom, GEOMETRY_K_W), sH = load<i32>(geom, GEOMETRY_S_H), sW = load<i32>(geom, GEOMETRY_S_W);
  const pH = load<i32>(geom, GEOMETRY_P_H), pW = load<i32>(geom, GEOMETRY_P_W), dH = load<i32>(geom, GEOMETRY_D_H), dW = load<i32>(geom, GEOMETRY_D_W);
  const outW = load<i32>(geom, GEOMETRY_OUT_W);
  let d = cols;
  for (let c = 0; c < channels; c++) {
    const plane = x + (<usize>(c * inH * inW) << 2);
    for (let kh = 0; kh < kH; kh++) {
      const hStart = kh * dH - pH;
      for (let kw = 0; kw < kW; kw++) {
        const wStart = kw * dW - pW;
        const range = insideRange(wStart, sW, inW, outW);
        const lo = range & 0xffff, hi = range >>> 16;
        for (let oh = oh0; oh < oh1; oh++) {
          const ih = hStart + oh * sH;
          if (ih < 0 || ih >= inH) {
            if (!adjoint) for (let ow = 0; ow < outW; ow++) store<f32>(d + (<usize>ow << 2), 0);
          } else if (adjoint) {
            addColumnRow(d, plane + (<usize>(ih * inW) << 2), wStart, sW, lo, hi);
          } else {
            copyColumnRow(d, plane + (<usize>(ih * inW) << 2), wStart, sW, lo, hi, outW);
          }
          d += <usize>outW << 2;
        }
      }
    }
  }
}

/** One column row of im2col: `col[ow] = row[wStart + ow·sW]` for ow in [lo, hi), 0 elsewhere in [0, outW). */
// @ts-ignore: decorator
@inline function copyColumnRow(col: usize, row: usize, wStart: i32, sW: i32, lo: i32, hi: i32, outW: i32): void {
  let ow = 0;
  for (; ow < lo; ow++) store<f32>(col + (<usize>ow << 2), 0);
  if (sW == 1) {
    const src = row + (<usize>wStart << 2);
    for (; ow + 4 <= hi; ow += 4) v128.store(col + (<usize>ow << 2), v128.load(src + (<usize>ow << 2)));
    for (; ow < hi; ow++) store<f32>(col + (<usize>ow << 2), load<f32>(src + (<usize>ow << 2)));
  } else {
    for (; ow < hi; ow++) store<f32>(col + (<usize>ow << 2), load<f32>(row + (<usize>(wStart + ow * sW) << 2)));
  }
  for (; ow < outW; ow++) store<f32>(col + (<usize>ow << 2), 0);
}

/** One column row of col2im: `row[wStart + ow·sW] += col[ow]` for ow in [lo, hi). */
// @ts-ignore: decorator
@inline function addColumnRow(col: usize, row: usize, wStart: i32, sW: i32, lo: i32, hi: i32): void {
  let ow = lo;
  if (sW == 1) {
    const dst = row + (<usize>wStart << 2);
    for (; ow + 4 <= hi; ow += 4) {
      const o = <usize>ow << 2;
      v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(col + o)));
    }
    for (; ow < hi; ow++) {
      const o = <usize>ow << 2;
      store<f32>(dst + o, load<f32>(dst + o) + load<f32>(col + o));
    }
  } else {
    for (; ow < hi; ow++) {
      const e = row + (<usize>(wStart + ow * sW) << 2);
      store<f32>(e, load<f32>(e) + load<f32>(col + (<usize>ow << 2)));
    }
  }
}

// f32 GEMM for WebAssembly SIMD (128-bit), in AssemblyScript; compiled by scripts/build-wasm.mjs.
//
// Row-major BLAS convention as in src/kernels/gemm.ts: C = alpha·op(A)·op(B) + beta·C, op(A): [m, k],
// op(B): [k, n], C: [m, n]. Pointers are byte addresses in the (imported) linear memory; leading
// dimensions are in elements. The JS side (src/kernels/gemm-wasm.ts) owns the memory layout: it copies
// the operands in, hands each thread its own packing scratch, and copies C back out.
//
// Determinism: every element of C is a sum over k taken in the same order (KC blocks, each summed from
// p = 0 up in one accumulator lane, then C = alpha·acc + beta·C with beta = 1 after the first block),
// whichever tile, task or thread computes it, and edge tiles do the same f32 operations as full tiles.
// So results are bit-identical for any split of C into tasks, i.e. for any thread count.

// Micro-tile MR×NR = 4×8: 8 v128 accumulators + 2 B vectors + 1 broadcast A fit V8's 15 allocatable
// xmm registers with room to spare. Tile and block sizes are chosen by measurement; see the README.
const MR: i32 = 4;
const NR: i32 = 8;
const KC: i32 = 256;
const MC: i32 = 128;
const NC: i32 = 2048;

// Floats of each thread's own im2col buffer: a conv sample whose columns fit (LeNet-5's: 19,600 and
// 15,000) makes and uses them there, in that core's cache, when the caller keeps none (slot 21 = 0).
const COLS_FLOATS: i32 = 1 << 16;

/** Bytes of scratch one thread needs: a packed A block, a packed B panel, one edge tile and its im2col buffer. */
export function scratchBytes(): i32 {
  return (MC * KC + KC * NC + MR * NR + COLS_FLOATS) * 4;
}

/** Floats of a thread's own im2col buffer (see COLS_FLOATS). */
export function threadColsFloats(): i32 {
  return COLS_FLOATS;
}

/** The calling thread's im2col buffer inside its `scratch`. */
// @ts-ignore: decorator
@inline function threadCols(scratch: usize): usize {
  return scratch + (<usize>(MC * KC + KC * NC + MR * NR) << 2);
}

/** Rows of the micro-tile: row splits of C in multiples of this keep every task's tiles full. */
export function tileRows(): i32 {
  return MR;
}

/** Columns of the micro-tile, likewise for column splits. */
export function tileCols(): i32 {
  return NR;
}

/** First byte the JS side may use: everything below belongs to the compiler's static data. */
export function heapBase(): usize {
  return __heap_base;
}

/**
 * One task of a split GEMM: the parameter block at `params` (i32 slots: transA, transB, m, n, k,
 * alpha as f32 bits, a, lda, b, ldb, beta as f32 bits, c, ldc, axis, chunk, packed, kind) describes the
 * whole product; task `t` computes rows (axis 0) or columns (axis 1) [t·chunk, (t+1)·chunk) of C with
 * the caller's `scratch`. `packed` holds the operand every task needs whole, packed once by `packWhole`
 * before the batch: op(B) for a row split, op(A) for a column split. Tasks write disjoint parts of C,
 * so threads may run them in any order.
 */
export function gemmTask(params: usize, t: i32, scratch: usize): void {
  const transA = load<i32>(params, 0);
  const transB = load<i32>(params, 4);
  let m = load<i32>(params, 8);
  let n = load<i32>(params, 12);
  const k = load<i32>(params, 16);
  const alpha = load<f32>(params, 20);
  let a = load<usize>(params, 24);
  const lda = load<i32>(params, 28);
  let b = load<usize>(params, 32);
  const ldb = load<i32>(params, 36);
  const beta = load<f32>(params, 40);
  let c = load<usize>(params, 44);
  const ldc = load<i32>(params, 48);
  const axis = load<i32>(params, 52);
  const chunk = load<i32>(params, 56);
  const packed = load<usize>(params, 60);
  const kind = load<i32>(params, 64);
  if (kind == 2) {
    convTask(params, t, scratch);
    return;
  }
  if (kind == 3) {
    weightGradTask(params, t, scratch);
    return;
  }
  if (kind == 4) {
    maxPoolReluBackwardTask(params, t);
    return;
  }
  if (kind == 5) {
    adamTask(params, t);
    return;
  }
  if (kind == 1) {
    batchTask(params, t, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, axis, chunk, scratch);
    return;
  }
  const start = t * chunk;
  if (axis == 0) {
    m = min(chunk, m - start);
    a += <usize>(transA ? start : start * lda) << 2;
    c += <usize>(start * ldc) << 2;
    blocked(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, scratch, 0, packed);
  } else {
    n = min(chunk, n - start);
    b += <usize>(transB ? start * ldb : start) << 2;
    c += <usize>start << 2;
    blocked(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, scratch, packed, 0);
  }
}

/**
 * One task of a batch of products `C_s = alpha·op(A_s)·op(B_s) + beta·C_s`, s = 0 … count−1, operand s
 * starting `s·stride` bytes after the first (slots 17–19: strideA, strideB, strideC in bytes; 20: count;
 * 21: chain). Without `chain`, task `t` is product t, run whole on this thread. With `chain`, the
 * products are summed into one C (strideC = 0: a conv weight gradient over a batch): sample s > 0 adds
 * with beta = 1, and task `t` owns rows (axis 0) or columns (axis 1) [t·chunk, (t+1)·chunk) of C for the
 * whole chain. Either way each element of C gets the same operations in the same order as from
 * one-by-one `gemm` calls on one thread, whichever thread runs which task.
 */
function batchTask(
  params: usize, t: i32, transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32, axis: i32, chunk: i32, scratch: usize,
): void {
  const strideA = load<usize>(params, 68);
  const strideB = load<usize>(params, 72);
  const strideC = load<usize>(params, 76);
  const count = load<i32>(params, 80);
  const chain = load<i32>(params, 84);
  if (!chain) {
    const at = <usize>t;
    blocked(transA, transB, m, n, k, alpha, a + at * strideA, lda, b + at * strideB, ldb, beta, c + at * strideC, ldc, scratch, 0, 0);
    return;
  }
  const start = t * chunk;
  if (axis == 0) {
    m = min(chunk, m - start);
    a += <usize>(transA ? start : start * lda) << 2;
    c += <usize>(start * ldc) << 2;
  } else {
    n = min(chunk, n - start);
    b += <usize>(transB ? start * ldb : start) << 2;
    c += <usize>start << 2;
  }
  for (let s = 0; s < count; s++) {
    const at = <usize>s;
    blocked(transA, transB, m, n, k, alpha, a + at * strideA, lda, b + at * strideB, ldb, s == 0 ? beta : 1, c + at * strideC, ldc, scratch, 0, 0);
  }
}

/**
 * Sample `t` of a 1-D/2-D convolution, whole on this thread (kind 2). Slots (i32 unless noted):
 * 17 mode, 18 x, 19 x stride, 20 cols, 21 cols stride (0: the thread's own buffer), 22 bias (0: none), 23 w, 24 y, 25 y stride (addresses and strides in
 * bytes; sample t's operands start t strides on), 26 groups, 27 Cout/groups, 28 rows per group
 * (Cin/groups·kH·kW), 29 positions (Hout·Wout), 30 beta (f32), 31–43 the geometry C, H, W, kH, kW, sH,
 * sW, pH, pW, dH, dW, Hout, Wout. Mode 0, forward: cols = im2col(x), then y_g = W_g·cols_g + beta·y_g
 * (with a bias, y first set to it per channel and beta = 1); then, when slot 44 is not 0, the
 * epilogue `pooled = maxPool(relu(y))` over 2×2 windows (slot 47 = 2) or 1×2 (slot 47 = 1, a 1-D
 * conv) into slot 44 (f32), with each maximum's plane index into slot 45 (i32), `[Cout, Hout/rows,
 * Wout/2]` per sample.
 * Mode 1, adjoint: cols_g = W_gᵀ·y_g, then x += col2im(cols). Each sample's columns are made and used
 * back to back, while they are in this core's cache.
 */
function convTask(params: usize, t: i32, scratch: usize): void {
  const mode = load<i32>(params, 68);
  const at = <usize>t;
  const x = load<usize>(params, 72) + at * load<usize>(params, 76);
  // Stride 0: no columns kept, so this thread's own buffer serves, sample after sample.
  const colsStride = load<usize>(params, 84);
  const cols = colsStride ? load<usize>(params, 80) + at * colsStride : threadCols(scratch);
  const w = load<usize>(params, 92);
  const y = load<usize>(params, 96) + at * load<usize>(params, 100);
  const groups = load<i32>(params, 104);
  const cOutG = load<i32>(params, 108);
  const rowsG = load<i32>(params, 112);
  const p = load<i32>(params, 116);
  const beta = load<f32>(params, 120);
  const geom = params + 124;
  if (mode == 0) {
    const bias = load<usize>(params, 88);
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
    im2col2d(x, geom, cols);
    for (let g = 0; g < groups; g++) {
      blocked(0, 0, cOutG, p, rowsG, 1, w + (<usize>(g * cOutG * rowsG) << 2), rowsG, cols + (<usize>(g * rowsG * p) << 2), p,
        betaY, y + (<usize>(g * cOutG * p) << 2), p, scratch, 0, 0);
    }
    const pooled = load<usize>(params, 176);
    if (pooled) {
      const outH = load<i32>(geom, 44), outW = load<i32>(geom, 48);
      // Slot 47: the windows' rows, 2 (2×2, a 2-D conv) or 1 (1×2, a 1-D conv, whose H is 1).
      const windowRows = load<i32>(params, 188);
      const pooledStride = <usize>(groups * cOutG * (outH / windowRows) * (outW >> 1)) << 2;
      const out = pooled + at * pooledStride;
      const indices = load<usize>(params, 180) + at * pooledStride;
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

/** max(0, v) on the bits, as the JS relu: -0 and every negative value (a negative-signed NaN too) become +0. */
// @ts-ignore: decorator
@inline function reluBits(at: usize): f32 {
  const bits = load<i32>(at);
  return reinterpret<f32>(bits & ~(bits >> 31));
}

/**
 * `out = maxPool2x2(relu(y))` over `channels` planes `[h, w]` (windows at even rows and columns; an odd
 * last row or column is left out, as floor mode), and each maximum's index `ih·w + iw` in its plane.
 * The scan is the JS kernel's: the first maximum wins, and a NaN beats everything before it. Four
 * windows at a time in v128 lanes, with selects instead of branches: on activations the comparisons
 * are coin flips, and the scalar scan's mispredicted branches cost more than the rest of the epilogue.
 */
function reluMaxPool2x2(y: usize, channels: i32, h: i32, w: i32, out: usize, indices: usize): void {
  const ph = h >> 1, pw = w >> 1;
  const rowBytes = <usize>w << 2;
  const zero = i32x4.splat(0);
  const offB = i32x4.splat(1), offC = i32x4.splat(w), offD = i32x4.splat(w + 1);
  const lanes = i32x4(0, 2, 4, 6);
  for (let c = 0; c < channels; c++) {
    const plane = y + (<usize>(c * h * w) << 2);
    for (let oh = 0; oh < ph; oh++) {
      const top = 2 * oh * w;
      const row0 = plane + (<usize>top << 2);
      const row1 = row0 + rowBytes;
      let ow = 0;
      for (; ow + 4 <= pw; ow += 4) {
        const o = <usize>(ow << 3);
        const t0 = i32x4.max_s(v128.load(row0 + o), zero), t1 = i32x4.max_s(v128.load(row0 + o, 16), zero);
        const u0 = i32x4.max_s(v128.load(row1 + o), zero), u1 = i32x4.max_s(v128.load(row1 + o, 16), zero);
        let best = i32x4.shuffle(t0, t1, 0, 2, 4, 6);
        let off = zero;
        let v = i32x4.shuffle(t0, t1, 1, 3, 5, 7);
        let take = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
        best = v128.bitselect(v, best, take);
        off = v128.bitselect(offB, off, take);
        v = i32x4.shuffle(u0, u1, 0, 2, 4, 6);
        take = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
        best = v128.bitselect(v, best, take);
        off = v128.bitselect(offC, off, take);
        v = i32x4.shuffle(u0, u1, 1, 3, 5, 7);
        take = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
        best = v128.bitselect(v, best, take);
        off = v128.bitselect(offD, off, take);
        v128.store(out, best);
        v128.store(indices, i32x4.add(i32x4.add(i32x4.splat(top + 2 * ow), lanes), off));
        out += 16;
        indices += 16;
      }
      for (; ow < pw; ow++) {
        const i0 = top + 2 * ow;
        const a = plane + (<usize>i0 << 2);
        let best = reluBits(a);
        let at = i0;
        let v = reluBits(a + 4);
        if (v > best || v != v) { best = v; at = i0 + 1; }
        v = reluBits(a + rowBytes);
        if (v > best || v != v) { best = v; at = i0 + w; }
        v = reluBits(a + rowBytes + 4);
        if (v > best || v != v) { best = v; at = i0 + w + 1; }
        store<f32>(out, best);
        store<i32>(indices, at);
        out += 4;
        indices += 4;
      }
    }
  }
}

/**
 * `out = maxPool1x2(relu(y))` over `rows` rows of length `w` (pairs of neighbours; an odd last one is
 * left out, as floor mode), each maximum's index `iw` in its row; the scan as `reluMaxPool2x2`'s, four
 * windows per v128.
 */
function reluMaxPool1x2(y: usize, rows: i32, w: i32, out: usize, indices: usize): void {
  const pw = w >> 1;
  const zero = i32x4.splat(0);
  const one = i32x4.splat(1);
  const lanes = i32x4(0, 2, 4, 6);
  for (let r = 0; r < rows; r++) {
    const row = y + (<usize>(r * w) << 2);
    let ow = 0;
    for (; ow + 4 <= pw; ow += 4) {
      const o = <usize>(ow << 3);
      const t0 = i32x4.max_s(v128.load(row + o), zero), t1 = i32x4.max_s(v128.load(row + o, 16), zero);
      const a = i32x4.shuffle(t0, t1, 0, 2, 4, 6);
      const b = i32x4.shuffle(t0, t1, 1, 3, 5, 7);
      const take = v128.or(f32x4.gt(b, a), f32x4.ne(b, b));
      v128.store(out, v128.bitselect(b, a, take));
      v128.store(indices, i32x4.add(i32x4.add(i32x4.splat(2 * ow), lanes), v128.and(take, one)));
      out += 16;
      indices += 16;
    }
    for (; ow < pw; ow++) {
      const a = row + (<usize>(2 * ow) << 2);
      let best = reluBits(a);
      let at = 2 * ow;
      const v = reluBits(a + 4);
      if (v > best || v != v) { best = v; at++; }
      store<f32>(out, best);
      store<i32>(indices, at);
      out += 4;
      indices += 4;
    }
  }
}

/**
 * Sample `t` of the backward of `maxPool(relu(y))` over 2×2 or 1×2 windows (kind 4): the gradient of
 * y is zero except at each window's maximum, which gets `0 + g` where the pooled value is > 0 (relu let
 * it through) and +0 elsewhere, the same values the JS max-pool backward (a scatter-add onto zeros)
 * followed by relu's backward give. Slots 17 g, 18 pooled, 19 indices, 20 gy (byte addresses of sample
 * 0), 21 channels, 22 h, 23 w, 24 the windows' rows (2 or 1).
 */
function maxPoolReluBackwardTask(params: usize, t: i32): void {
  const channels = load<i32>(params, 84), h = load<i32>(params, 88), w = load<i32>(params, 92);
  const perPlane = (h / load<i32>(params, 96)) * (w >> 1);
  const pooledCount = channels * perPlane;
  const planeSize = h * w;
  const at = <usize>t;
  const g = load<usize>(params, 68) + (at * <usize>pooledCount << 2);
  const pooled = load<usize>(params, 72) + (at * <usize>pooledCount << 2);
  const indices = load<usize>(params, 76) + (at * <usize>pooledCount << 2);
  const gy = load<usize>(params, 80) + (at * <usize>(channels * planeSize) << 2);
  memory.fill(gy, 0, <usize>(channels * planeSize) << 2);
  for (let c = 0, o = 0; c < channels; c++) {
    const plane = gy + (<usize>(c * planeSize) << 2);
    for (let q = 0; q < perPlane; q++, o++) {
      const oo = <usize>o << 2;
      // Every maximum's place is written (windows do not overlap), +0 where relu stopped the
      // gradient: a select, since whether it did is a coin flip a branch would often mispredict.
      const pass = load<i32>(pooled + oo) > 0;
      store<f32>(plane + (<usize>load<i32>(indices + oo) << 2), select<f32>(<f32>0 + load<f32>(g + oo), 0, pass));
    }
  }
}

/**
 * Task `t` of an Adam update (kind 5), elements [t·chunk, (t+1)·chunk) of one float32 parameter: slots
 * 17 param, 18 grad, 19 m, 20 v (addresses), 21 count, 22 chunk; f64 at bytes 96 sign, 104 beta1, 112
 * beta2, 120 stepSize, 128 √(1 − beta2^step), 136 eps. The operations, in float64 and in the same order,
 * are the JS loop's (`plainAdam` in @torchlet/layers), with the moments rounded to float32 when
 * stored and read back: IEEE arithmetic and sqrt are exact, so the bits are the same.
 */
function adamTask(params: usize, t: i32): void {
  const param = load<usize>(params, 68), grad = load<usize>(params, 72);
  const m = load<usize>(params, 76), v = load<usize>(params, 80);
  const count = load<i32>(params, 84), chunk = load<i32>(params, 88);
  const sign = load<f64>(params, 96), beta1 = load<f64>(params, 104), beta2 = load<f64>(params, 112);
  const stepSize = load<f64>(params, 120), bias2Sqrt = load<f64>(params, 128), eps = load<f64>(params, 136);
  const first = t * chunk;
  const last = min(first + chunk, count);
  for (let i = first; i < last; i++) {
    const o = <usize>i << 2;
    const g = sign * <f64>load<f32>(grad + o);
    const mi = <f32>(beta1 * <f64>load<f32>(m + o) + (1 - beta1) * g);
    const vi = <f32>(beta2 * <f64>load<f32>(v + o) + (1 - beta2) * g * g);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    const w = <f64>load<f32>(param + o);
    store<f32>(param + o, <f32>(w - stepSize * (<f64>mi / (Math.sqrt(<f64>vi) / bias2Sqrt + eps))));
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
function weightGradTask(params: usize, task: i32, scratch: usize): void {
  // Partitions may run in rounds (slot 46: the round's first partition), each round's im2col buffers
  // reused by the next: buffer `task` serves partition `first + task`.
  const t = task + load<i32>(params, 184);
  const im2col = load<i32>(params, 68);
  const x = load<usize>(params, 72);
  const xStride = load<usize>(params, 76);
  const cols = load<usize>(params, 80);
  const colsStride = load<usize>(params, 84);
  const biasParts = load<usize>(params, 88);
  const parts = load<usize>(params, 92);
  const gy = load<usize>(params, 96);
  const yStride = load<usize>(params, 100);
  const groups = load<i32>(params, 104);
  const cOutG = load<i32>(params, 108);
  const rowsG = load<i32>(params, 112);
  const p = load<i32>(params, 116);
  const geom = params + 124;
  const count = load<i32>(params, 176);
  const chunk = load<i32>(params, 180);
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
  const channels = load<i32>(geom, 0), inH = load<i32>(geom, 4), inW = load<i32>(geom, 8);
  const kH = load<i32>(geom, 12), kW = load<i32>(geom, 16), sH = load<i32>(geom, 20), sW = load<i32>(geom, 24);
  const pH = load<i32>(geom, 28), pW = load<i32>(geom, 32), dH = load<i32>(geom, 36), dW = load<i32>(geom, 40);
  const outH = load<i32>(geom, 44), outW = load<i32>(geom, 48);
  let d = cols;
  for (let c = 0; c < channels; c++) {
    const plane = x + (<usize>(c * inH * inW) << 2);
    for (let kh = 0; kh < kH; kh++) {
      const hStart = kh * dH - pH;
      for (let kw = 0; kw < kW; kw++) {
        const wStart = kw * dW - pW;
        const range = insideRange(wStart, sW, inW, outW);
        const lo = range & 0xffff, hi = range >>> 16;
        for (let oh = 0; oh < outH; oh++) {
          const ih = hStart + oh * sH;
          if (ih < 0 || ih >= inH) {
            for (let ow = 0; ow < outW; ow++) store<f32>(d + (<usize>ow << 2), 0);
          } else {
            const row = plane + (<usize>(ih * inW) << 2);
            let ow = 0;
            for (; ow < lo; ow++) store<f32>(d + (<usize>ow << 2), 0);
            if (sW == 1) {
              const src = row + (<usize>wStart << 2);
              for (; ow + 4 <= hi; ow += 4) v128.store(d + (<usize>ow << 2), v128.load(src + (<usize>ow << 2)));
              for (; ow < hi; ow++) store<f32>(d + (<usize>ow << 2), load<f32>(src + (<usize>ow << 2)));
            } else {
              for (; ow < hi; ow++) store<f32>(d + (<usize>ow << 2), load<f32>(row + (<usize>(wStart + ow * sW) << 2)));
            }
            for (; ow < outW; ow++) store<f32>(d + (<usize>ow << 2), 0);
          }
          d += <usize>outW << 2;
        }
      }
    }
  }
}

/** The adjoint of `im2col2d`: every column entry is added onto the input element it was read from, tap by tap in order. */
function col2im2d(cols: usize, geom: usize, x: usize): void {
  const channels = load<i32>(geom, 0), inH = load<i32>(geom, 4), inW = load<i32>(geom, 8);
  const kH = load<i32>(geom, 12), kW = load<i32>(geom, 16), sH = load<i32>(geom, 20), sW = load<i32>(geom, 24);
  const pH = load<i32>(geom, 28), pW = load<i32>(geom, 32), dH = load<i32>(geom, 36), dW = load<i32>(geom, 40);
  const outH = load<i32>(geom, 44), outW = load<i32>(geom, 48);
  let s = cols;
  for (let c = 0; c < channels; c++) {
    const plane = x + (<usize>(c * inH * inW) << 2);
    for (let kh = 0; kh < kH; kh++) {
      const hStart = kh * dH - pH;
      for (let kw = 0; kw < kW; kw++) {
        const wStart = kw * dW - pW;
        const range = insideRange(wStart, sW, inW, outW);
        const lo = range & 0xffff, hi = range >>> 16;
        for (let oh = 0; oh < outH; oh++) {
          const ih = hStart + oh * sH;
          if (ih >= 0 && ih < inH) {
            const row = plane + (<usize>(ih * inW) << 2);
            let ow = lo;
            if (sW == 1) {
              const dst = row + (<usize>wStart << 2);
              for (; ow + 4 <= hi; ow += 4) {
                const o = <usize>ow << 2;
                v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(s + o)));
              }
              for (; ow < hi; ow++) {
                const o = <usize>ow << 2;
                store<f32>(dst + o, load<f32>(dst + o) + load<f32>(s + o));
              }
            } else {
              for (; ow < hi; ow++) {
                const e = row + (<usize>(wStart + ow * sW) << 2);
                store<f32>(e, load<f32>(e) + load<f32>(s + (<usize>ow << 2)));
              }
            }
          }
          s += <usize>outW << 2;
        }
      }
    }
  }
}

/** Floats `packWhole` writes for an operand with `rows` rows (m of op(A), or n of op(B)) and depth k. */
export function packedWholeFloats(rows: i32, k: i32): i32 {
  return k * ((rows + MR * NR - 1) / (MR * NR)) * (MR * NR);
}

/**
 * Packs all of op(A) (`which` = 0; `rows` = m) or op(B) (`which` = 1; `rows` = n) at `dst`, block by
 * block in the layout `blocked` reads: block (r0, pc) at float offset r0·k + pc·pad(r0), where pad is
 * the block's row count rounded up to the micro-tile (MC and NC are multiples of it, so every block
 * before the last is full).
 */
export function packWhole(which: i32, trans: i32, rows: i32, k: i32, src: usize, ld: i32, dst: usize): void {
  const block = which == 0 ? MC : NC;
  const unit = which == 0 ? MR : NR;
  for (let r0 = 0; r0 < rows; r0 += block) {
    const count = min(block, rows - r0);
    const pad = (count + unit - 1) / unit * unit;
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const out = dst + (<usize>(r0 * k + pc * pad) << 2);
      if (which == 0) {
        if (trans) packATrans(src + (<usize>(pc * ld + r0) << 2), ld, kc, count, out);
        else packA(src + (<usize>(r0 * ld + pc) << 2), ld, kc, count, out);
      } else {
        if (trans) packBTrans(src + (<usize>(r0 * ld + pc) << 2), ld, kc, count, out);
        else packB(src + (<usize>(pc * ld + r0) << 2), ld, kc, count, out);
      }
    }
  }
}

/** C = alpha·op(A)·op(B) + beta·C for m, n, k ≥ 1, with `scratch` of `scratchBytes()` bytes. */
export function gemm(
  transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32, scratch: usize,
): void {
  blocked(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, scratch, 0, 0);
}

/**
 * The blocked product. `packedA` / `packedB`, when not 0, hold op(A) / op(B) already packed whole by
 * `packWhole` (for this m / n), and are read in place instead of packing blocks into `scratch`.
 */
function blocked(
  transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32, scratch: usize,
  packedA: usize, packedB: usize,
): void {
  const ldcBytes = <usize>ldc << 2;
  const tile = scratch + (<usize>(MC * KC + KC * NC) << 2);
  // GotoBLAS loop order: a KC×NC panel of B stays packed while every MC×KC block of A streams past it.
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    const ncPad = (nc + NR - 1) / NR * NR;
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      // Later K blocks add onto what the first one wrote, so beta applies exactly once.
      const betaBlock: f32 = pc == 0 ? beta : 1;
      let bp: usize;
      if (packedB) {
        bp = packedB + (<usize>(jc * k + pc * ncPad) << 2);
      } else {
        bp = scratch + (<usize>(MC * KC) << 2);
        if (transB) packBTrans(b + (<usize>(jc * ldb + pc) << 2), ldb, kc, nc, bp);
        else packB(b + (<usize>(pc * ldb + jc) << 2), ldb, kc, nc, bp);
      }
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        let ap: usize;
        if (packedA) {
          ap = packedA + (<usize>(ic * k + pc * ((mc + MR - 1) / MR * MR)) << 2);
        } else {
          ap = scratch;
          if (transA) packATrans(a + (<usize>(pc * lda + ic) << 2), lda, kc, mc, ap);
          else packA(a + (<usize>(ic * lda + pc) << 2), lda, kc, mc, ap);
        }
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bStrip = bp + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const cTile = c + (<usize>(ic + ir) * ldcBytes) + (<usize>(jc + jr) << 2);
            const aStrip = ap + (<usize>(ir * kc) << 2);
            if (mr == MR && nr == NR) {
              kernel(kc, aStrip, bStrip, alpha, betaBlock, cTile, ldcBytes);
            } else {
              kernelEdge(kc, aStrip, bStrip, alpha, betaBlock, cTile, ldcBytes, mr, nr, tile);
            }
          }
        }
      }
    }
  }
}

// Packing. A block [mc, kc] becomes strips of MR rows, each stored p-major (`ap[strip·kc·MR + p·MR + i]`),
// so the micro-kernel broadcasts MR consecutive values per step; rows past mc are zero. B panel
// [kc, nc] becomes strips of NR columns (`bp[strip·kc·NR + p·NR + j]`), zero past nc.

// @ts-ignore: decorator
@inline function transpose4(
  r0: v128, r1: v128, r2: v128, r3: v128, out: usize, stride: usize,
): void {
  const t0 = f32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = f32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t2 = f32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t3 = f32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(out, f32x4.shuffle(t0, t1, 0, 1, 4, 5));
  v128.store(out + stride, f32x4.shuffle(t0, t1, 2, 3, 6, 7));
  v128.store(out + 2 * stride, f32x4.shuffle(t2, t3, 0, 1, 4, 5));
  v128.store(out + 3 * stride, f32x4.shuffle(t2, t3, 2, 3, 6, 7));
}

/** A stored [m, k]: each strip reads MR rows; four k-steps at a time go through a 4×4 transpose. */
function packA(a: usize, lda: i32, kc: i32, mc: i32, ap: usize): void {
  const rowBytes = <usize>lda << 2;
  let q = ap;
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const mr = min(MR, mc - i0);
    const r0 = a + <usize>i0 * rowBytes;
    if (mr == MR) {
      const r1 = r0 + rowBytes;
      const r2 = r1 + rowBytes;
      const r3 = r2 + rowBytes;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const o = <usize>p << 2;
        transpose4(v128.load(r0 + o), v128.load(r1 + o), v128.load(r2 + o), v128.load(r3 + o), q, 16);
        q += 64;
      }
      for (; p < kc; p++) {
        const o = <usize>p << 2;
        store<f32>(q, load<f32>(r0 + o));
        store<f32>(q, load<f32>(r1 + o), 4);
        store<f32>(q, load<f32>(r2 + o), 8);
        store<f32>(q, load<f32>(r3 + o), 12);
        q += 16;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        let i = 0;
        for (; i < mr; i++) store<f32>(q + (<usize>i << 2), load<f32>(r0 + <usize>i * rowBytes + (<usize>p << 2)));
        for (; i < MR; i++) store<f32>(q + (<usize>i << 2), 0);
        q += MR << 2;
      }
    }
  }
}

/** A stored [k, m]: op(A)(i, p) = a[p·lda + i], so each k-step of a strip is one contiguous run. */
function packATrans(a: usize, lda: i32, kc: i32, mc: i32, ap: usize): void {
  const rowBytes = <usize>lda << 2;
  let q = ap;
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const mr = min(MR, mc - i0);
    let src = a + (<usize>i0 << 2);
    if (mr == MR) {
      for (let p = 0; p < kc; p++) {
        v128.store(q, v128.load(src));
        q += 16;
        src += rowBytes;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        let i = 0;
        for (; i < mr; i++) store<f32>(q + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
        for (; i < MR; i++) store<f32>(q + (<usize>i << 2), 0);
        q += MR << 2;
        src += rowBytes;
      }
    }
  }
}

/** B stored [k, n]: each k-step of a strip is NR contiguous values. */
function packB(b: usize, ldb: i32, kc: i32, nc: i32, bp: usize): void {
  const rowBytes = <usize>ldb << 2;
  let q = bp;
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const nr = min(NR, nc - j0);
    let src = b + (<usize>j0 << 2);
    if (nr == NR) {
      for (let p = 0; p < kc; p++) {
        v128.store(q, v128.load(src));
        v128.store(q, v128.load(src, 16), 16);
        q += 32;
        src += rowBytes;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        let j = 0;
        for (; j < nr; j++) store<f32>(q + (<usize>j << 2), load<f32>(src + (<usize>j << 2)));
        for (; j < NR; j++) store<f32>(q + (<usize>j << 2), 0);
        q += NR << 2;
        src += rowBytes;
      }
    }
  }
}

/** B stored [n, k]: op(B)(p, j) = b[j·ldb + p]; four columns × four k-steps per 4×4 transpose. */
function packBTrans(b: usize, ldb: i32, kc: i32, nc: i32, bp: usize): void {
  const rowBytes = <usize>ldb << 2;
  let q = bp;
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const nr = min(NR, nc - j0);
    const c0 = b + <usize>j0 * rowBytes;
    if (nr == NR) {
      const c1 = c0 + rowBytes, c2 = c1 + rowBytes, c3 = c2 + rowBytes;
      const c4 = c3 + rowBytes, c5 = c4 + rowBytes, c6 = c5 + rowBytes, c7 = c6 + rowBytes;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const o = <usize>p << 2;
        transpose4(v128.load(c0 + o), v128.load(c1 + o), v128.load(c2 + o), v128.load(c3 + o), q, 32);
        transpose4(v128.load(c4 + o), v128.load(c5 + o), v128.load(c6 + o), v128.load(c7 + o), q + 16, 32);
        q += 128;
      }
      for (; p < kc; p++) {
        const o = <usize>p << 2;
        store<f32>(q, load<f32>(c0 + o));
        store<f32>(q, load<f32>(c1 + o), 4);
        store<f32>(q, load<f32>(c2 + o), 8);
        store<f32>(q, load<f32>(c3 + o), 12);
        store<f32>(q, load<f32>(c4 + o), 16);
        store<f32>(q, load<f32>(c5 + o), 20);
        store<f32>(q, load<f32>(c6 + o), 24);
        store<f32>(q, load<f32>(c7 + o), 28);
        q += 32;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        let j = 0;
        for (; j < nr; j++) store<f32>(q + (<usize>j << 2), load<f32>(c0 + <usize>j * rowBytes + (<usize>p << 2)));
        for (; j < NR; j++) store<f32>(q + (<usize>j << 2), 0);
        q += NR << 2;
      }
    }
  }
}

/**
 * One full MR×NR tile: C = alpha·Σp a(:, p)·b(p, :) + beta·C, with 8 accumulators in v128 registers.
 * Plain mul + add (relaxed-SIMD FMA is not available everywhere, and would change results per engine).
 */
function kernel(kc: i32, ap: usize, bp: usize, alpha: f32, beta: f32, c: usize, ldcBytes: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let av = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(av, b0));
    c01 = f32x4.add(c01, f32x4.mul(av, b1));
    av = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(av, b0));
    c11 = f32x4.add(c11, f32x4.mul(av, b1));
    av = v128.load32_splat(ap, 8);
    c20 = f32x4.add(c20, f32x4.mul(av, b0));
    c21 = f32x4.add(c21, f32x4.mul(av, b1));
    av = v128.load32_splat(ap, 12);
    c30 = f32x4.add(c30, f32x4.mul(av, b0));
    c31 = f32x4.add(c31, f32x4.mul(av, b1));
    ap += 16;
    bp += 32;
  }
  const va = f32x4.splat(alpha);
  if (beta == 0) {
    // beta = 0 overwrites C without reading it (old NaNs vanish), as BLAS does.
    v128.store(c, f32x4.mul(va, c00));
    v128.store(c, f32x4.mul(va, c01), 16);
    c += ldcBytes;
    v128.store(c, f32x4.mul(va, c10));
    v128.store(c, f32x4.mul(va, c11), 16);
    c += ldcBytes;
    v128.store(c, f32x4.mul(va, c20));
    v128.store(c, f32x4.mul(va, c21), 16);
    c += ldcBytes;
    v128.store(c, f32x4.mul(va, c30));
    v128.store(c, f32x4.mul(va, c31), 16);
  } else {
    const vb = f32x4.splat(beta);
    v128.store(c, f32x4.add(f32x4.mul(va, c00), f32x4.mul(vb, v128.load(c))));
    v128.store(c, f32x4.add(f32x4.mul(va, c01), f32x4.mul(vb, v128.load(c, 16))), 16);
    c += ldcBytes;
    v128.store(c, f32x4.add(f32x4.mul(va, c10), f32x4.mul(vb, v128.load(c))));
    v128.store(c, f32x4.add(f32x4.mul(va, c11), f32x4.mul(vb, v128.load(c, 16))), 16);
    c += ldcBytes;
    v128.store(c, f32x4.add(f32x4.mul(va, c20), f32x4.mul(vb, v128.load(c))));
    v128.store(c, f32x4.add(f32x4.mul(va, c21), f32x4.mul(vb, v128.load(c, 16))), 16);
    c += ldcBytes;
    v128.store(c, f32x4.add(f32x4.mul(va, c30), f32x4.mul(vb, v128.load(c))));
    v128.store(c, f32x4.add(f32x4.mul(va, c31), f32x4.mul(vb, v128.load(c, 16))), 16);
  }
}

/**
 * An edge tile (mr < MR or nr < NR): the full tile goes to `tile` (beta = 0 there), then only the
 * mr×nr corner that exists is combined with C, lane by lane, with the same f32 operations.
 */
function kernelEdge(
  kc: i32, ap: usize, bp: usize, alpha: f32, beta: f32, c: usize, ldcBytes: usize,
  mr: i32, nr: i32, tile: usize,
): void {
  kernel(kc, ap, bp, 1, 0, tile, NR << 2);
  for (let i = 0; i < mr; i++) {
    const row = c + <usize>i * ldcBytes;
    const t = tile + (<usize>(i * NR) << 2);
    for (let j = 0; j < nr; j++) {
      const o = <usize>j << 2;
      const v = alpha * load<f32>(t + o);
      store<f32>(row + o, beta == 0 ? v : v + beta * load<f32>(row + o));
    }
  }
}

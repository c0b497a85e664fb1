// The fused relu → max-pool epilogue of a conv sample and its backward (AssemblyScript): the bits of
// the JS relu and max pooling, one after the other.

import { POOL_BACKWARD_CHANNELS, POOL_BACKWARD_GRAD_POOLED, POOL_BACKWARD_GRAD_Y, POOL_BACKWARD_H, POOL_BACKWARD_INDICES, POOL_BACKWARD_POOLED, POOL_BACKWARD_W, POOL_BACKWARD_WINDOW_ROWS } from './slots.as';

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
export function reluMaxPool2x2(y: usize, channels: i32, h: i32, w: i32, out: usize, indices: usize): void {
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
export function reluMaxPool1x2(y: usize, rows: i32, w: i32, out: usize, indices: usize): void {
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
export function maxPoolReluBackwardTask(params: usize, t: i32): void {
  const channels = load<i32>(params, POOL_BACKWARD_CHANNELS), h = load<i32>(params, POOL_BACKWARD_H), w = load<i32>(params, POOL_BACKWARD_W);
  const perPlane = (h / load<i32>(params, POOL_BACKWARD_WINDOW_ROWS)) * (w >> 1);
  const pooledCount = channels * perPlane;
  const planeSize = h * w;
  const at = <usize>t;
  const g = load<usize>(params, POOL_BACKWARD_GRAD_POOLED) + (at * <usize>pooledCount << 2);
  const pooled = load<usize>(params, POOL_BACKWARD_POOLED) + (at * <usize>pooledCount << 2);
  const indices = load<usize>(params, POOL_BACKWARD_INDICES) + (at * <usize>pooledCount << 2);
  const gy = load<usize>(params, POOL_BACKWARD_GRAD_Y) + (at * <usize>(channels * planeSize) << 2);
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

import { Generator, contiguousData, randn } from '@torchlet/tensor';

/** Seeded standard-normal float32 values, the same on every run and for every framework. */
export function seededNormal(shape: readonly number[], seed: number, scale = 1): Float32Array {
  const data = contiguousData(randn([...shape], { generator: new Generator(seed) })) as Float32Array;
  if (scale !== 1) for (let i = 0; i < data.length; i++) data[i] = data[i]! * scale;
  return data;
}

/** Seeded integer class labels in [0, classes). */
export function seededLabels(n: number, classes: number, seed: number): Int32Array {
  const g = new Generator(seed);
  return Int32Array.from({ length: n }, () => g.nextInt(0, classes));
}

/**
 * Moves axis 1 to the end: `[A, B, ...rest]` → `[A, ...rest, B]`. NCHW → NHWC for images (TF.js's
 * layout), and `[N, C, L]` → `[N, L, C]`.
 */
export function channelsLast(data: Float32Array, shape: readonly number[]): Float32Array {
  const [a, b] = shape as [number, number];
  const inner = data.length / (a * b);
  const out = new Float32Array(data.length);
  for (let i = 0; i < a; i++) {
    for (let j = 0; j < b; j++) {
      const src = (i * b + j) * inner;
      for (let p = 0; p < inner; p++) out[(i * inner + p) * b + j] = data[src + p]!;
    }
  }
  return out;
}

/** Inverse of `channelsLast`: `[A, ...rest, B]` → `[A, B, ...rest]`, given the channels-first shape. */
export function channelsFirst(data: Float32Array, firstShape: readonly number[]): Float32Array {
  const [a, b] = firstShape as [number, number];
  const inner = data.length / (a * b);
  const out = new Float32Array(data.length);
  for (let i = 0; i < a; i++) {
    for (let j = 0; j < b; j++) {
      const dst = (i * b + j) * inner;
      for (let p = 0; p < inner; p++) out[dst + p] = data[(i * inner + p) * b + j]!;
    }
  }
  return out;
}

/**
 * A conv weight from PyTorch's `[Cout, Cin, ...k]` to TF.js's `[...k, Cin, Cout]` (HWIO), and back.
 * Both are "reverse the axis order of (Cout, Cin) and move them behind the kernel": a transpose of
 * the `[Cout·Cin, K]` matrix followed by swapping Cout and Cin.
 */
export function weightToTf(data: Float32Array, shape: readonly number[]): Float32Array {
  const [cOut, cIn] = shape as [number, number];
  const k = data.length / (cOut * cIn);
  const out = new Float32Array(data.length);
  for (let o = 0; o < cOut; o++) {
    for (let i = 0; i < cIn; i++) {
      for (let p = 0; p < k; p++) out[(p * cIn + i) * cOut + o] = data[(o * cIn + i) * k + p]!;
    }
  }
  return out;
}

export function weightFromTf(data: Float32Array, shape: readonly number[]): Float32Array {
  const [cOut, cIn] = shape as [number, number];
  const k = data.length / (cOut * cIn);
  const out = new Float32Array(data.length);
  for (let o = 0; o < cOut; o++) {
    for (let i = 0; i < cIn; i++) {
      for (let p = 0; p < k; p++) out[(o * cIn + i) * k + p] = data[(p * cIn + i) * cOut + o]!;
    }
  }
  return out;
}

/** The `[rows, cols]` matrix transposed. */
export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

/** Largest |a − b| over corresponding arrays; Infinity when the shapes of the results disagree or a value is NaN. */
export function maxAbsDiff(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let t = 0; t < a.length; t++) {
    const x = a[t]!;
    const y = b[t]!;
    if (x.length !== y.length) return Infinity;
    for (let i = 0; i < x.length; i++) {
      const d = Math.abs(x[i]! - y[i]!);
      if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
    }
  }
  return worst;
}

/** Largest |a| over the arrays: the scale the differences are read against. */
export function maxAbs(a: readonly Float32Array[]): number {
  let m = 0;
  for (const x of a) for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]!));
  return m;
}

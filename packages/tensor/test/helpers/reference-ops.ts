// Slow, obvious references for the tensor ops: plain number arrays in row-major order, one
// element at a time, computed in float64. They are the oracles of the property tests.
import fc from 'fast-check';
import { Generator, Tensor, type DType } from '@torchlet/tensor';

/** A row-major array of numbers with its shape. */
export interface Dense {
  shape: number[];
  data: number[];
}

export function sizeOfShape(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Flat row-major position → multi-index. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    idx[k] = flat % shape[k]!;
    flat = Math.floor(flat / shape[k]!);
  }
  return idx;
}

/** Multi-index → flat row-major position. */
export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let flat = 0;
  for (let k = 0; k < shape.length; k++) flat = flat * shape[k]! + idx[k]!;
  return flat;
}

/** Reads a tensor element by element through `get` (so it checks strides, not just storage). */
export function denseOf(t: Tensor): Dense {
  const data: number[] = [];
  for (let i = 0; i < t.size; i++) data.push(t.get(...unravel(i, t.shape)));
  return { shape: t.shape.slice(), data };
}

export function tensorOf(d: Dense, dtype: DType = 'float64'): Tensor {
  const Ctor = dtype === 'float64' ? Float64Array : dtype === 'float32' ? Float32Array : Int32Array;
  return new Tensor(Ctor.from(d.data), d.shape);
}

/** Elementwise `fn` over any number of inputs with numpy broadcasting, via explicit index arithmetic. */
export function refBroadcastN(inputs: readonly Dense[], fn: (...v: number[]) => number): Dense {
  const ndim = Math.max(...inputs.map((t) => t.shape.length));
  const padded = inputs.map((t) => [...new Array<number>(ndim - t.shape.length).fill(1), ...t.shape]);
  const shape = new Array<number>(ndim).fill(1);
  for (const p of padded) p.forEach((d, i) => (shape[i] = d === 1 ? shape[i]! : d));
  const data: number[] = [];
  for (let i = 0; i < sizeOfShape(shape); i++) {
    const idx = unravel(i, shape);
    data.push(
      fn(
        ...inputs.map(
          (t, j) =>
            t.data[
              ravel(
                idx.map((v, k) => (padded[j]![k] === 1 ? 0 : v)),
                padded[j]!,
              )
            ]!,
        ),
      ),
    );
  }
  return { shape, data };
}

export function refBroadcast(a: Dense, b: Dense, fn: (x: number, y: number) => number): Dense {
  return refBroadcastN([a, b], fn as (...v: number[]) => number);
}

/**
 * Reduction over `axes`: every output element loops over the whole input and folds the elements
 * whose kept coordinates match. Quadratic, and obviously right.
 */
export function refReduce(
  x: Dense,
  axes: readonly number[],
  keepdim: boolean,
  fold: (values: number[]) => number,
): Dense {
  const kept = x.shape.map((_, i) => !axes.includes(i));
  const outShape = x.shape.flatMap((d, i) => (kept[i] ? [d] : keepdim ? [1] : []));
  const keptShape = x.shape.filter((_, i) => kept[i]);
  const data: number[] = [];
  for (let o = 0; o < sizeOfShape(keptShape); o++) {
    const want = unravel(o, keptShape);
    const values: number[] = [];
    for (let i = 0; i < x.data.length; i++) {
      const idx = unravel(i, x.shape).filter((_, k) => kept[k]);
      if (idx.every((v, k) => v === want[k])) values.push(x.data[i]!);
    }
    data.push(fold(values));
  }
  return { shape: outShape, data };
}

export const folds = {
  sum: (v: number[]) => v.reduce((a, b) => a + b, 0),
  mean: (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length,
  max: (v: number[]) => v.reduce((a, b) => (b > a || Number.isNaN(b) ? b : a), -Infinity),
  min: (v: number[]) => v.reduce((a, b) => (b < a || Number.isNaN(b) ? b : a), Infinity),
  argmax: (v: number[]) => v.indexOf(Math.max(...v)),
  argmin: (v: number[]) => v.indexOf(Math.min(...v)),
  variance: (correction: number) => (v: number[]) => {
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    return v.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(0, v.length - correction);
  },
  logsumexp: (v: number[]) => Math.log(v.reduce((a, b) => a + Math.exp(b), 0)),
};

/** Output axis `i` is input axis `dims[i]`. */
export function refPermute(x: Dense, dims: readonly number[]): Dense {
  const shape = dims.map((d) => x.shape[d]!);
  const data: number[] = [];
  for (let o = 0; o < sizeOfShape(shape); o++) {
    const idx = unravel(o, shape);
    const src = new Array<number>(dims.length);
    dims.forEach((d, i) => (src[d] = idx[i]!));
    data.push(x.data[ravel(src, x.shape)]!);
  }
  return { shape, data };
}

export function refConcat(list: readonly Dense[], dim: number): Dense {
  const shape = list[0]!.shape.slice();
  shape[dim] = list.reduce((a, t) => a + t.shape[dim]!, 0);
  const data: number[] = [];
  for (let o = 0; o < sizeOfShape(shape); o++) {
    const idx = unravel(o, shape);
    let along = idx[dim]!;
    let t = 0;
    while (along >= list[t]!.shape[dim]!) along -= list[t++]!.shape[dim]!;
    const src = idx.slice();
    src[dim] = along;
    data.push(list[t]!.data[ravel(src, list[t]!.shape)]!);
  }
  return { shape, data };
}

/**
 * numpy.pad, by definition for each output coordinate: position `i = o − before` is mapped into
 * `[0, n)` per axis. Reflection uses the period-`2(n − 1)` sawtooth (numpy's formulation), a
 * different route from the op's single fold.
 */
export function refPad(x: Dense, pairs: readonly (readonly [number, number])[], mode: string, value: number): Dense {
  const shape = x.shape.map((d, i) => d + pairs[i]![0] + pairs[i]![1]);
  const data: number[] = [];
  for (let o = 0; o < sizeOfShape(shape); o++) {
    const idx = unravel(o, shape);
    let inside = true;
    const src = idx.map((v, k) => {
      const n = x.shape[k]!;
      const i = v - pairs[k]![0];
      if (i >= 0 && i < n) return i;
      inside = false;
      if (mode === 'replicate') return Math.min(Math.max(i, 0), n - 1);
      if (mode === 'circular') return ((i % n) + n) % n;
      if (mode === 'reflect') {
        if (n === 1) return 0;
        const period = 2 * (n - 1);
        const j = ((i % period) + period) % period;
        return j < n ? j : period - j;
      }
      return -1;
    });
    data.push(mode === 'constant' && !inside ? value : x.data[ravel(src, x.shape)]!);
  }
  return { shape, data };
}

export function refIndexSelect(x: Dense, dim: number, index: readonly number[]): Dense {
  const shape = x.shape.slice();
  shape[dim] = index.length;
  const data: number[] = [];
  for (let o = 0; o < sizeOfShape(shape); o++) {
    const idx = unravel(o, shape);
    idx[dim] = index[idx[dim]!]!;
    data.push(x.data[ravel(idx, x.shape)]!);
  }
  return { shape, data };
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

/** A shape of rank `minRank..maxRank` with sizes `minDim..maxDim`. */
export function arbShape(
  opts: { minRank?: number; maxRank?: number; minDim?: number; maxDim?: number } = {},
): fc.Arbitrary<number[]> {
  const { minRank = 0, maxRank = 4, minDim = 1, maxDim = 4 } = opts;
  return fc.array(fc.integer({ min: minDim, max: maxDim }), { minLength: minRank, maxLength: maxRank });
}

/** Two shapes that broadcast together: a common shape, each side dropping leading axes or setting sizes to 1. */
export function arbBroadcastPair(maxRank = 4, maxDim = 4): fc.Arbitrary<[number[], number[]]> {
  return arbShape({ maxRank, maxDim }).chain((base) =>
    fc
      .tuple(
        fc.integer({ min: 0, max: base.length }),
        fc.integer({ min: 0, max: base.length }),
        fc.array(fc.boolean(), { minLength: base.length, maxLength: base.length }),
        fc.array(fc.boolean(), { minLength: base.length, maxLength: base.length }),
      )
      .map(([dropA, dropB, oneA, oneB]) => {
        const a = base.map((d, i) => (oneA[i] ? 1 : d)).slice(dropA);
        const b = base.map((d, i) => (oneB[i] ? 1 : d)).slice(dropB);
        return [a, b] as [number[], number[]];
      }),
  );
}

/** Deterministic values from a seed: integers in [-5, 5] so sums are exact, or normals. */
export function seededDense(shape: readonly number[], seed: number, kind: 'int' | 'normal' = 'normal'): Dense {
  const g = new Generator(seed);
  const data = Array.from({ length: sizeOfShape(shape) }, () => (kind === 'int' ? g.nextInt(-5, 6) : g.nextNormal()));
  return { shape: shape.slice(), data };
}

/** Every element within `atol + rtol·|expected|` and the shapes equal. */
export function expectClose(actual: Dense, expected: Dense, rtol = 1e-9, atol = 1e-12): void {
  if (actual.shape.join() !== expected.shape.join()) {
    throw new Error(`shape [${actual.shape}] differs from expected [${expected.shape}]`);
  }
  for (let i = 0; i < expected.data.length; i++) {
    const a = actual.data[i]!;
    const e = expected.data[i]!;
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (a === e) continue;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`element ${i} (index [${unravel(i, expected.shape)}]) is ${a}, expected ${e}`);
    }
  }
}

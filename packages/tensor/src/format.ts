import type { DType } from './dtype.js';
import type { Shape } from './shape.js';

/** What printing reads of a tensor: its strided view of the storage (a `Tensor` is one). */
export interface StridedView {
  readonly data: ArrayLike<number>;
  readonly dtype: DType;
  readonly shape: Shape;
  readonly strides: Shape;
  readonly offset: number;
  readonly size: number;
  readonly ndim: number;
}

// As torch's print options: summarise past 1000 elements, keeping 3 items at each edge of each axis.
const THRESHOLD = 1000;
const EDGE_ITEMS = 3;

/**
 * PyTorch-like printing: aligned columns, 4 decimals (or scientific when the range calls for it),
 * `...` for elided items in large tensors, and a footer with shape and dtype.
 * @example formatTensor(tensor([[1, 2], [3, 4.5]])) // "tensor([[1.0000, 2.0000],\n        [3.0000, 4.5000]], shape=[2, 2], dtype=float32)"
 */
export function formatTensor(t: StridedView): string {
  const summarise = t.size > THRESHOLD;
  const shown = collectShown(t, summarise);
  const fmt = numberFormatter(shown, t.dtype === 'int32');
  const width = shown.reduce((w, v) => Math.max(w, fmt(v).length), 0);
  const cell = (v: number) => fmt(v).padStart(width);
  const body = t.ndim === 0 ? fmt(t.data[t.offset]!) : formatAxis(t, 0, t.offset, cell, summarise, 'tensor('.length);
  return `tensor(${body}, shape=[${t.shape.join(', ')}], dtype=${t.dtype})`;
}

function visibleIndices(n: number, summarise: boolean): (number | null)[] {
  if (!summarise || n <= 2 * EDGE_ITEMS) return Array.from({ length: n }, (_, i) => i);
  const head = Array.from({ length: EDGE_ITEMS }, (_, i) => i);
  const tail = Array.from({ length: EDGE_ITEMS }, (_, i) => n - EDGE_ITEMS + i);
  return [...head, null, ...tail];
}

function formatAxis(
  t: StridedView,
  axis: number,
  base: number,
  cell: (v: number) => string,
  summarise: boolean,
  indent: number,
): string {
  const n = t.shape[axis]!;
  const stride = t.strides[axis]!;
  const items = visibleIndices(n, summarise);
  if (axis === t.ndim - 1) {
    return '[' + items.map((i) => (i === null ? '...' : cell(t.data[base + i * stride]!))).join(', ') + ']';
  }
  const depth = t.ndim - axis - 1;
  const sep = ',' + '\n'.repeat(depth) + ' '.repeat(indent + 1);
  return (
    '[' +
    items
      .map((i) => (i === null ? '...' : formatAxis(t, axis + 1, base + i * stride, cell, summarise, indent + 1)))
      .join(sep) +
    ']'
  );
}

function collectShown(t: StridedView, summarise: boolean): number[] {
  const out: number[] = [];
  const walk = (axis: number, base: number) => {
    if (axis === t.ndim) {
      out.push(t.data[base]!);
      return;
    }
    for (const i of visibleIndices(t.shape[axis]!, summarise)) {
      if (i !== null) walk(axis + 1, base + i * t.strides[axis]!);
    }
  };
  walk(0, t.offset);
  return out;
}

function numberFormatter(values: number[], isInt: boolean): (v: number) => string {
  if (isInt) return (v) => String(v);
  const finite = values.filter((v) => Number.isFinite(v));
  const special = (v: number) => (Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf');
  if (finite.every((v) => Number.isInteger(v)) && finite.every((v) => Math.abs(v) < 1e8)) {
    return (v) => (Number.isFinite(v) ? `${v.toFixed(0)}.` : special(v));
  }
  const abs = finite.map(Math.abs).filter((v) => v > 0);
  // A loop, not Math.max(...abs): summarised high-rank tensors can show more values than a call takes arguments.
  let max = 0;
  let min = abs.length ? Infinity : 0;
  for (const v of abs) {
    if (v > max) max = v;
    if (v < min) min = v;
  }
  const scientific = max >= 1e8 || (min > 0 && min < 1e-4) || (min > 0 && max / min > 1000 && max >= 1e4);
  if (scientific)
    return (v) => (Number.isFinite(v) ? v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2') : special(v));
  return (v) => (Number.isFinite(v) ? v.toFixed(4) : special(v));
}

/**
 * Makes Node's `console.log` / `util.inspect` print instances of `cls` as their `toString()` (PyTorch's
 * `print(t)`), as Tensor, Variable, Parameter and Module do. Keyed by the registered symbol Node looks up,
 * so it needs no `node:` import and is inert in browsers.
 */
export function printWithToString(cls: { prototype: { toString(): string } }): void {
  Object.defineProperty(cls.prototype, Symbol.for('nodejs.util.inspect.custom'), {
    value(this: { toString(): string }): string {
      return this.toString();
    },
    configurable: true,
    writable: true,
  });
}

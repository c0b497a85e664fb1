import fc from 'fast-check';
import * as T from '@torchlet/tensor';
import type { DType, Tensor } from '@torchlet/tensor';

// fast-check arbitraries for gradient tests of your own ops and layers. Everything random is drawn
// from a seeded Generator whose seed is itself a fast-check value, so a failing case replays from
// fast-check's seed and shrinks like any other input.

export interface ShapeOptions {
  /** Default 0 (a scalar `[]` is a valid shape). */
  minRank?: number;
  /** Default 4. */
  maxRank?: number;
  /** Smallest size of an axis. Default 1. */
  minDim?: number;
  /** Largest size of an axis. Default 5. */
  maxDim?: number;
  /** Largest number of elements; larger draws shrink their biggest axes until they fit. Default 64. */
  maxSize?: number;
}

function resolveShapeOptions(options: ShapeOptions) {
  const { minRank = 0, maxRank = 4, minDim = 1, maxDim = 5, maxSize = 64 } = options;
  if (!(minRank >= 0 && minRank <= maxRank))
    throw T.rangeError('arbShape', `need 0 <= minRank <= maxRank, got minRank=${minRank}, maxRank=${maxRank}`);
  if (!(minDim >= 0 && minDim <= maxDim))
    throw T.rangeError('arbShape', `need 0 <= minDim <= maxDim, got minDim=${minDim}, maxDim=${maxDim}`);
  if (minDim ** minRank > maxSize) {
    throw T.rangeError(
      'arbShape',
      `maxSize=${maxSize} is below the smallest possible size ${minDim ** minRank} (minDim=${minDim}, minRank=${minRank})`,
    );
  }
  return { minRank, maxRank, minDim, maxDim, maxSize };
}

/** Shrinks the largest axes of `shape` (never below `minDim`) until it holds at most `maxSize` elements. */
function fitSize(shape: number[], minDim: number, maxSize: number): number[] {
  const out = shape.slice();
  for (;;) {
    const size = out.reduce((a, b) => a * b, 1);
    if (size <= maxSize) return out;
    let largest = 0;
    for (let i = 1; i < out.length; i++) if (out[i]! > out[largest]!) largest = i;
    if (out[largest]! <= minDim) return out;
    out[largest]!--;
  }
}

/**
 * Random shapes: `minRank..maxRank` axes of `minDim..maxDim`, at most `maxSize` elements.
 * @example fc.assert(fc.property(arbShape({ minRank: 1 }), (shape) => ...))
 */
export function arbShape(options: ShapeOptions = {}): fc.Arbitrary<number[]> {
  const { minRank, maxRank, minDim, maxDim, maxSize } = resolveShapeOptions(options);
  return fc
    .array(fc.integer({ min: minDim, max: maxDim }), { minLength: minRank, maxLength: maxRank })
    .map((shape) => fitSize(shape, minDim, maxSize));
}

/**
 * Two shapes that broadcast together (numpy rules): a common shape from which each side drops
 * some leading axes and turns some sizes into 1. Equal shapes, scalars and rank differences all
 * occur. `minDim` is raised to at least 1.
 * @example fc.property(arbBroadcastPair(), ([a, b]) => sameShape(broadcastShapes('t', a, b), ...))
 */
export function arbBroadcastPair(options: ShapeOptions = {}): fc.Arbitrary<[number[], number[]]> {
  const resolved = resolveShapeOptions({ ...options, minDim: Math.max(1, options.minDim ?? 1) });
  const side = (shape: number[]) =>
    fc
      .tuple(
        fc.integer({ min: 0, max: shape.length }),
        fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }),
      )
      .map(([drop, ones]) => shape.map((d, i) => (ones[i] ? 1 : d)).slice(drop));
  return arbShape(resolved).chain((shape) => fc.tuple(side(shape), side(shape)));
}

export interface TensorOptions {
  /** Default `'float64'` (what gradcheck needs). */
  dtype?: DType;
  /** Lower bound of the values. Default −2. */
  min?: number;
  /** Upper bound of the values (exclusive for floats, inclusive for int32). Default 2. */
  max?: number;
}

/**
 * Tensors of `shape` (or of a random `arbShape()`) with values uniform in `[min, max)`, drawn
 * from a `Generator` seeded by fast-check. The counterexample prints as shape, dtype and seed.
 * @example fc.property(arbTensor([2, 3]), (x) => ...)
 */
export function arbTensor(
  shape?: readonly number[] | fc.Arbitrary<number[]>,
  options: TensorOptions = {},
): fc.Arbitrary<Tensor> {
  const { dtype = 'float64', min = -2, max = 2 } = options;
  if (!(min <= max)) throw T.rangeError('arbTensor', `min must be <= max, got min=${min}, max=${max}`);
  const shapes =
    shape === undefined
      ? arbShape()
      : Array.isArray(shape)
        ? fc.constant(shape.slice())
        : (shape as fc.Arbitrary<number[]>);
  return fc.tuple(shapes, fc.integer()).map(([s, seed]) => {
    const generator = new T.Generator(seed);
    const t =
      dtype === 'int32'
        ? T.randint(Math.ceil(min), Math.floor(max) + 1, s, { generator })
        : T.uniform(s, min, max, { dtype, generator });
    Object.defineProperty(t, fc.toStringMethod, {
      value: () =>
        `Tensor(shape=${T.formatShape(s)}, dtype=${dtype}, uniform [${min}, ${max}) from Generator(${seed}))`,
    });
    return t;
  });
}

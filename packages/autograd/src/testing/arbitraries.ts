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

/** How a conv pads: PyTorch's `padding_mode`. */
export type ConvPaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';
const CONV_PADDING_MODES: readonly ConvPaddingMode[] = ['zeros', 'reflect', 'replicate', 'circular'];

export interface ConvCaseOptions {
  /** Spatial rank: 1 (`[N, C, L]`), 2 (`[N, C, H, W]`) or 3 (`[N, C, D, H, W]`). */
  dims: 1 | 2 | 3;
  /** Transposed convolution: weight `[Cin, Cout / groups, ...k]`, options gain `outputPadding`. Default false. */
  transposed?: boolean;
  /**
   * Options gain `paddingMode` ('zeros', 'reflect', 'replicate' or 'circular'; reflect only with
   * padding < size, circular with padding ≤ size, as PyTorch). Not with `transposed`. Default false.
   */
  paddingModes?: boolean;
  /** About one case in eight has batch 0 (PyTorch allows it: the output is `[0, Cout, ...out]`). Default false. */
  emptyBatch?: boolean;
}

export interface ConvCase {
  /** `[N, Cin, ...spatial]` */
  inputShape: number[];
  /** `[Cout, Cin / groups, ...k]`, or `[Cin, Cout / groups, ...k]` when transposed */
  weightShape: number[];
  /** `[Cout]` or null */
  biasShape: number[] | null;
  /** Per-axis tuples (one entry per spatial axis) and `groups`. */
  options: {
    stride: number[];
    padding: number[];
    dilation: number[];
    groups: number;
    outputPadding?: number[];
    paddingMode?: ConvPaddingMode;
  };
  /** `[N, Cout, ...out]` by PyTorch's size formulas; every size ≥ 1. */
  outputShape: number[];
}

interface AxisCase {
  size: number;
  kernel: number;
  stride: number;
  padding: number;
  dilation: number;
  outputPadding: number;
  out: number;
}

/** Input + weight + output elements of one case: a float64 gradcheck of it takes milliseconds. */
const MAX_CONV_ELEMENTS = 600;

/** One spatial axis of a convolution with an output size of at least 1. */
function arbAxis(transposed: boolean, maxSize: number, maxPadding: number): fc.Arbitrary<AxisCase> {
  const geometry = fc.record({
    kernel: fc.integer({ min: 1, max: 3 }),
    stride: fc.integer({ min: 1, max: 3 }),
    dilation: fc.integer({ min: 1, max: 2 }),
    extra: fc.integer({ min: 0, max: maxSize }),
    padding: fc.integer({ min: 0, max: maxPadding }),
    outputPadding: fc.integer({ min: 0, max: 1 }),
  });
  return geometry.map(({ kernel, stride, dilation, extra, padding, outputPadding }) => {
    const span = dilation * (kernel - 1) + 1;
    if (!transposed) {
      // out = floor((L + 2p − span) / s) + 1 ≥ 1 needs L + 2p ≥ span.
      const size = Math.max(1, span - 2 * padding) + (extra % Math.max(1, maxSize - span + 1));
      const out = Math.floor((size + 2 * padding - span) / stride) + 1;
      return { size, kernel, stride, padding, dilation, outputPadding: 0, out };
    }
    // PyTorch: outputPadding < max(stride, dilation); out = (L − 1)s − 2p + span + op ≥ 1.
    const op = outputPadding < Math.max(stride, dilation) ? outputPadding : 0;
    const size = 1 + (extra % Math.max(1, maxSize - 1));
    const full = (size - 1) * stride + span + op;
    const p = Math.min(padding, Math.floor((full - 1) / 2));
    return { size, kernel, stride, padding: p, dilation, outputPadding: op, out: full - 2 * p };
  });
}

/**
 * Valid convolution cases with PyTorch semantics, small enough for a gradcheck in float64:
 * batch 1–2 (or 0, with `emptyBatch`), 1–4 groups of 1–2 channels each (often depthwise: one input
 * channel per group), kernels 1–3, stride 1–3 (so also larger than the kernel), dilation 1–2,
 * padding 0–2 (0–1 in 3-D), every padding mode with `paddingModes`; input + weight + output stay
 * under 600 elements.
 * @example
 * fc.property(arbConvCase({ dims: 2 }), fc.integer(), (c, seed) => {
 *   const g = new Generator(seed);
 *   const x = randn(c.inputShape, { dtype: 'float64', generator: g, requiresGrad: true });
 *   ...
 * })
 */
export function arbConvCase(options: ConvCaseOptions): fc.Arbitrary<ConvCase> {
  const { dims, transposed = false, paddingModes = false, emptyBatch = false } = options;
  if (dims !== 1 && dims !== 2 && dims !== 3)
    throw T.rangeError('arbConvCase', `dims must be 1, 2 or 3, got ${String(dims)}`);
  if (transposed && paddingModes)
    throw T.rangeError(
      'arbConvCase',
      'paddingModes cannot be combined with transposed (PyTorch pads those with zeros only)',
    );
  // Larger sizes for fewer axes: the median case has 20–60 elements, the 99th percentile ~600.
  const maxSize = dims === 1 ? 7 : dims === 2 ? 5 : 3;
  const maxPadding = dims === 3 ? 1 : 2;
  return (
    fc
      .record({
        batch: emptyBatch
          ? fc.oneof({ weight: 7, arbitrary: fc.integer({ min: 1, max: 2 }) }, { weight: 1, arbitrary: fc.constant(0) })
          : fc.integer({ min: 1, max: 2 }),
        // Up to 4 groups; one input channel per group is a depthwise conv (outPerGroup its multiplier).
        groups: fc.integer({ min: 1, max: 4 }),
        inPerGroup: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 2 })),
        outPerGroup: fc.integer({ min: 1, max: 2 }),
        bias: fc.boolean(),
        axes: fc.array(arbAxis(transposed, maxSize, maxPadding), { minLength: dims, maxLength: dims }),
        paddingMode: paddingModes ? fc.constantFrom(...CONV_PADDING_MODES) : fc.constant('zeros' as const),
      })
      // reflect needs padding < size and circular padding ≤ size on every axis, as in PyTorch
      .filter(
        ({ axes, paddingMode }) =>
          (paddingMode !== 'reflect' || axes.every((a) => a.padding < a.size)) &&
          (paddingMode !== 'circular' || axes.every((a) => a.padding <= a.size)),
      )
      .map(({ batch, groups, inPerGroup, outPerGroup, bias, axes, paddingMode }): ConvCase => {
        const cIn = groups * inPerGroup;
        const cOut = groups * outPerGroup;
        const kernel = axes.map((a) => a.kernel);
        const caseOptions: ConvCase['options'] = {
          stride: axes.map((a) => a.stride),
          padding: axes.map((a) => a.padding),
          dilation: axes.map((a) => a.dilation),
          groups,
        };
        if (transposed) caseOptions.outputPadding = axes.map((a) => a.outputPadding);
        if (paddingModes) caseOptions.paddingMode = paddingMode;
        return {
          inputShape: [batch, cIn, ...axes.map((a) => a.size)],
          weightShape: transposed ? [cIn, outPerGroup, ...kernel] : [cOut, inPerGroup, ...kernel],
          biasShape: bias ? [cOut] : null,
          options: caseOptions,
          outputShape: [batch, cOut, ...axes.map((a) => a.out)],
        };
      })
      // About 1% of raw draws (wide transposed 3-D cases) exceed the budget; they are redrawn.
      .filter((c) => T.sizeOf(c.inputShape) + T.sizeOf(c.weightShape) + T.sizeOf(c.outputShape) <= MAX_CONV_ELEMENTS)
  );
}

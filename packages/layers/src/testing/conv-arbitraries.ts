import fc from 'fast-check';
import * as T from '@torchlet/tensor';

// fast-check arbitraries for convolution tests: whole conv cases (input, weight, bias and option
// shapes with PyTorch's output sizes). They live with conv, in @torchlet/layers/testing, which also
// re-exports the single spatial axes (`arbConvAxis`, @torchlet/tensor/testing's: the conv geometry's
// own tests use it); the general ones (shapes, tensors) are @torchlet/autograd/testing's.

/** How a conv pads: PyTorch's `padding_mode`. */
export type ConvPaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';
const CONV_PADDING_MODES: readonly ConvPaddingMode[] = ['zeros', 'reflect', 'replicate', 'circular'];

export interface ConvCaseOptions {
  /** Spatial rank: 1 (`[N, C, L]`), 2 (`[N, C, H, W]`), 3 (`[N, C, D, H, W]`) or more (convNd). */
  dims: number;
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
 * padding 0–2 (0–1 from 3-D on), every padding mode with `paddingModes`; input + weight + output stay
 * under 600 elements (1500 from 4-D on, where a 2-wide axis already doubles everything).
 * @example
 * fc.property(arbConvCase({ dims: 2 }), fc.integer(), (c, seed) => {
 *   const g = new Generator(seed);
 *   const x = randn(c.inputShape, { dtype: 'float64', generator: g, requiresGrad: true });
 *   ...
 * })
 */
export function arbConvCase(options: ConvCaseOptions): fc.Arbitrary<ConvCase> {
  const { dims, transposed = false, paddingModes = false, emptyBatch = false } = options;
  if (typeof dims !== 'number' || !Number.isInteger(dims) || dims < 1)
    throw T.rangeError('arbConvCase', `dims must be a positive integer, got ${String(dims)}`);
  if (transposed && paddingModes)
    throw T.rangeError(
      'arbConvCase',
      'paddingModes cannot be combined with transposed (PyTorch pads those with zeros only)',
    );
  // Larger sizes for fewer axes: the median case has 20–60 elements, the 99th percentile ~600.
  const maxSize = dims === 1 ? 7 : dims === 2 ? 5 : dims === 3 ? 3 : 2;
  const maxPadding = dims >= 3 ? 1 : 2;
  const budget = dims >= 4 ? 1500 : MAX_CONV_ELEMENTS;
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
      .filter((c) => T.sizeOf(c.inputShape) + T.sizeOf(c.weightShape) + T.sizeOf(c.outputShape) <= budget)
  );
}

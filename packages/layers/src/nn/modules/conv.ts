import type { Variable } from '@torchlet/autograd';
import {
  checkOptions,
  checkSize,
  describeOption,
  optionKeys,
  formatShape,
  rangeError,
  sizeOf,
  spatialTuple,
  typeError,
  zeros,
  type Generator,
} from '@torchlet/tensor';
import { conv1d, conv2d, conv3d, convNd } from '../functional/conv.js';
import {
  checkGroups,
  normalizeConvOptions,
  type ConvFunction,
  type ConvOptions,
  type PaddingMode,
  type SpatialArg,
  type TensorInput,
} from '../functional/conv-options.js';
import {
  convTranspose1d,
  convTranspose2d,
  convTranspose3d,
  convTransposeNd,
  type ConvTransposeOptions,
} from '../functional/conv-transpose.js';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from '../init.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

export interface ConvModuleOptions {
  /** Default 1. */
  stride?: SpatialArg;
  /** Number, per-axis tuple, `'same'` or `'valid'` (as `conv2d`). Default 0. */
  padding?: SpatialArg | 'same' | 'valid';
  /** Default 1. */
  dilation?: SpatialArg;
  /** Default 1; must divide both channel counts. */
  groups?: number;
  /** Learn an additive bias per output channel. Default true. */
  bias?: boolean;
  /** Default `'zeros'`. */
  paddingMode?: PaddingMode;
  /** Parameter dtype. Default `'float32'`. */
  dtype?: 'float32' | 'float64';
  /** Draws the initial weights. Default: the generator `manualSeed` seeds. */
  generator?: Generator;
}

export interface ConvTransposeModuleOptions extends Omit<ConvModuleOptions, 'padding' | 'paddingMode'> {
  /** Default 0. */
  padding?: SpatialArg;
  /** Default 0; must be smaller than stride or dilation on each axis. */
  outputPadding?: SpatialArg;
}

const CONV_MODULE_KEYS = optionKeys<ConvModuleOptions>({
  stride: true,
  padding: true,
  dilation: true,
  groups: true,
  bias: true,
  paddingMode: true,
  dtype: true,
  generator: true,
});
// paddingMode is taken (as PyTorch's padding_mode) only to say that 'zeros' is the one supported.
const CONV_TRANSPOSE_MODULE_KEYS = [
  ...optionKeys<ConvTransposeModuleOptions>({
    stride: true,
    padding: true,
    outputPadding: true,
    dilation: true,
    groups: true,
    bias: true,
    dtype: true,
    generator: true,
  }),
  'paddingMode',
];

function checkChannels(name: string, argName: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw typeError(name, `${argName} must be an integer, got ${describeOption(value)}`);
  if (value < 1) throw rangeError(name, `${argName} must be positive, got ${value}`);
  return value;
}

/**
 * What Conv1d/2d/3d and ConvTranspose1d/2d share: channel checks, the weight and bias
 * parameters, PyTorch's initialisation and the repr. Subclasses only pick the functional op.
 */
abstract class ConvBase<Options> extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly dilation: number[];
  readonly groups: number;
  /** `[Cout, Cin / groups, ...k]`, or `[Cin, Cout / groups, ...k]` for a transposed conv. */
  weight: Parameter;
  /** `[Cout]`, or null when constructed with `bias: false`. */
  bias: Parameter | null;

  protected constructor(
    name: string,
    dims: number,
    transposed: boolean,
    /** The functional op of this rank: conv1d, convTranspose2d, ... */
    protected readonly functional: ConvFunction<Options>,
    inChannels: number,
    outChannels: number,
    kernelSize: SpatialArg,
    options: ConvModuleOptions | ConvTransposeModuleOptions,
  ) {
    super();
    checkOptions(name, options, transposed ? CONV_TRANSPOSE_MODULE_KEYS : CONV_MODULE_KEYS);
    this.inChannels = checkChannels(name, 'inChannels', inChannels);
    this.outChannels = checkChannels(name, 'outChannels', outChannels);
    this.kernelSize = spatialTuple(name, 'kernelSize', kernelSize, dims, 1);
    this.stride = spatialTuple(name, 'stride', options.stride ?? 1, dims, 1);
    this.dilation = spatialTuple(name, 'dilation', options.dilation ?? 1, dims, 1);
    this.groups = checkGroups(name, options.groups ?? 1);
    if (inChannels % this.groups !== 0)
      throw rangeError(name, `inChannels (${inChannels}) must be divisible by groups (${this.groups})`);
    if (outChannels % this.groups !== 0)
      throw rangeError(name, `outChannels (${outChannels}) must be divisible by groups (${this.groups})`);
    const dtype = options.dtype ?? 'float32';
    if (dtype !== 'float32' && dtype !== 'float64')
      throw typeError(name, `dtype must be 'float32' or 'float64', got ${describeOption(dtype)}`);
    const weightShape = transposed
      ? [inChannels, outChannels / this.groups, ...this.kernelSize]
      : [outChannels, inChannels / this.groups, ...this.kernelSize];
    checkSize(
      name,
      sizeOf(weightShape),
      `weight ${formatShape(weightShape)} (inChannels=${inChannels}, outChannels=${outChannels}, kernelSize=${describeOption(kernelSize)})`,
    );
    this.weight = new Parameter(zeros(weightShape, { dtype }));
    if (typeof (options.bias ?? true) !== 'boolean')
      throw typeError(name, `bias must be a boolean, got ${describeOption(options.bias)}`);
    this.bias = (options.bias ?? true) ? new Parameter(zeros([outChannels], { dtype })) : null;
    this.resetParameters(options.generator);
  }

  /**
   * PyTorch's `reset_parameters`: weight from kaiming-uniform with a = √5, which works out to
   * U(±1/√fanIn), and bias from U(±1/√fanIn), fanIn = `weight.shape[1] · ∏k` (for a transposed
   * conv that is Cout / groups · ∏k, as in PyTorch). Weight first, then bias, from `generator`.
   */
  resetParameters(generator?: Generator): void {
    const options = generator ? { generator } : {};
    kaimingUniform_(this.weight, { a: Math.sqrt(5), ...options });
    if (this.bias) {
      const { fanIn } = calculateFanInAndFanOut(this.weight.shape);
      if (fanIn !== 0) {
        const bound = 1 / Math.sqrt(fanIn);
        uniform_(this.bias, -bound, bound, options);
      }
    }
  }

  /** `input [N, Cin, ...spatial]` (or unbatched `[Cin, ...spatial]`) → `[N, Cout, ...outSize]` */
  forward(input: TensorInput): Variable {
    return this.functional(input, this.weight, this.bias, this.options);
  }

  /** The options the functional op takes, as this layer holds them. */
  abstract get options(): Options;

  /** Options that differ from their defaults, after the channels and kernel (as PyTorch's repr). */
  protected reprParts(extra: [string, unknown, boolean][]): string {
    const parts = [`${this.inChannels}`, `${this.outChannels}`, `kernelSize=${describeOption(this.kernelSize)}`];
    const fields: [string, unknown, boolean][] = [
      ['stride', this.stride, this.stride.some((s) => s !== 1)],
      ...extra,
      ['dilation', this.dilation, this.dilation.some((d) => d !== 1)],
      ['groups', this.groups, this.groups !== 1],
      ['bias', false, this.bias === null],
    ];
    for (const [name, value, shown] of fields) if (shown) parts.push(`${name}=${describeOption(value)}`);
    return parts.join(', ');
  }
}

/** Conv1d/2d/3d and ConvNd: hold `padding` (tuple or 'same'/'valid') and `paddingMode`. */
abstract class ConvLayer extends ConvBase<ConvOptions> {
  readonly padding: number[] | 'same' | 'valid';
  readonly paddingMode: PaddingMode;

  protected constructor(
    name: string,
    dims: number,
    functional: ConvFunction<ConvOptions>,
    inChannels: number,
    outChannels: number,
    kernelSize: SpatialArg,
    options: ConvModuleOptions = {},
  ) {
    super(name, dims, false, functional, inChannels, outChannels, kernelSize, options);
    // Validates padding, paddingMode and 'same' with a stride up front, as PyTorch's constructor does.
    const { stride, padding: pad, dilation, paddingMode } = options;
    const params = normalizeConvOptions(name, this.kernelSize, {
      stride,
      padding: pad,
      dilation,
      paddingMode,
      groups: this.groups,
    });
    const padding = options.padding ?? 0;
    this.padding = padding === 'same' || padding === 'valid' ? padding : params.padBefore;
    this.paddingMode = params.paddingMode;
  }

  /** The options `conv1d/2d/3d` take, as this layer holds them. */
  get options(): ConvOptions {
    return {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
      paddingMode: this.paddingMode,
    };
  }

  override extraRepr(): string {
    const padded = typeof this.padding === 'string' || this.padding.some((p) => p !== 0);
    return (
      this.reprParts([['padding', this.padding, padded]]) +
      (this.paddingMode !== 'zeros' ? `, paddingMode=${describeOption(this.paddingMode)}` : '')
    );
  }
}

/**
 * 1-D convolution layer, as `torch.nn.Conv1d`.
 * Forward: `input [N, Cin, L]` (or `[Cin, L]`) → `[N, Cout, Lout]`.
 * @example new Conv1d(4, 8, 3, { padding: 1 }).forward(randn([2, 4, 16])).shape // [2, 8, 16]
 */
export class Conv1d extends ConvLayer {
  constructor(inChannels: number, outChannels: number, kernelSize: SpatialArg, options: ConvModuleOptions = {}) {
    super('Conv1d', 1, conv1d, inChannels, outChannels, kernelSize, options);
  }
}

/**
 * 2-D convolution layer, as `torch.nn.Conv2d`; weight `[Cout, Cin / groups, kH, kW]`.
 * Forward: `input [N, Cin, H, W]` (or `[Cin, H, W]`) → `[N, Cout, Hout, Wout]`.
 * @example new Conv2d(1, 6, 5).forward(randn([8, 1, 28, 28])).shape // [8, 6, 24, 24]
 */
export class Conv2d extends ConvLayer {
  constructor(inChannels: number, outChannels: number, kernelSize: SpatialArg, options: ConvModuleOptions = {}) {
    super('Conv2d', 2, conv2d, inChannels, outChannels, kernelSize, options);
  }
}

/**
 * 3-D convolution layer, as `torch.nn.Conv3d`.
 * Forward: `input [N, Cin, D, H, W]` (or `[Cin, D, H, W]`) → `[N, Cout, Dout, Hout, Wout]`.
 * @example new Conv3d(2, 4, 3, { padding: 1 }).forward(randn([1, 2, 5, 5, 5])).shape // [1, 4, 5, 5, 5]
 */
export class Conv3d extends ConvLayer {
  constructor(inChannels: number, outChannels: number, kernelSize: SpatialArg, options: ConvModuleOptions = {}) {
    super('Conv3d', 3, conv3d, inChannels, outChannels, kernelSize, options);
  }
}

/** ConvTranspose1d/2d/3d and ConvTransposeNd: hold `padding` and `outputPadding`. */
abstract class ConvTransposeLayer extends ConvBase<ConvTransposeOptions> {
  readonly padding: number[];
  readonly outputPadding: number[];

  protected constructor(
    name: string,
    dims: number,
    functional: ConvFunction<ConvTransposeOptions>,
    inChannels: number,
    outChannels: number,
    kernelSize: SpatialArg,
    options: ConvTransposeModuleOptions = {},
  ) {
    super(name, dims, true, functional, inChannels, outChannels, kernelSize, options);
    if ('paddingMode' in options && (options as ConvModuleOptions).paddingMode !== 'zeros') {
      throw rangeError(
        name,
        `only paddingMode 'zeros' is supported, got paddingMode=${describeOption((options as ConvModuleOptions).paddingMode)}`,
      );
    }
    this.padding = spatialTuple(name, 'padding', options.padding ?? 0, dims, 0);
    this.outputPadding = spatialTuple(name, 'outputPadding', options.outputPadding ?? 0, dims, 0);
    if (this.outputPadding.some((p, i) => p >= this.stride[i]! && p >= this.dilation[i]!)) {
      throw rangeError(
        name,
        `outputPadding must be smaller than stride or dilation on every axis, got outputPadding=${describeOption(options.outputPadding)} with stride=${describeOption(options.stride ?? 1)}, dilation=${describeOption(options.dilation ?? 1)}`,
      );
    }
  }

  /**
   * As `forward`, with the output's spatial size picked among those the stride allows (PyTorch's
   * `forward(input, output_size)`): `outputSize` is `[...outSize]` or `[N, Cout, ...outSize]`.
   */
  forwardWithOutputSize(input: TensorInput, outputSize: readonly number[]): Variable {
    return this.functional(input, this.weight, this.bias, { ...this.options, outputSize });
  }

  /** The options `convTranspose1d/2d/3d` take, as this layer holds them. */
  get options(): ConvTransposeOptions {
    return {
      stride: this.stride,
      padding: this.padding,
      outputPadding: this.outputPadding,
      dilation: this.dilation,
      groups: this.groups,
    };
  }

  override extraRepr(): string {
    return this.reprParts([
      ['padding', this.padding, this.padding.some((p) => p !== 0)],
      ['outputPadding', this.outputPadding, this.outputPadding.some((p) => p !== 0)],
    ]);
  }
}

/** What ConvTranspose1d/2d/3d's constructors take. */
type ConvTransposeArgs = [
  inChannels: number,
  outChannels: number,
  kernelSize: SpatialArg,
  options?: ConvTransposeModuleOptions,
];

/**
 * The base of ConvTranspose1d/2d/3d: the layer of one rank over its functional op. `name` is the
 * PyTorch class name (it heads every error and the repr).
 */
function convTransposeOfRank(
  name: string,
  dims: number,
  op: ConvFunction<ConvTransposeOptions>,
): new (...args: ConvTransposeArgs) => ConvTransposeLayer {
  return class extends ConvTransposeLayer {
    constructor(...args: ConvTransposeArgs) {
      super(name, dims, op, ...args);
    }
  };
}

/** The spatial rank of an N-d layer: a positive integer. */
export function checkRank(name: string, dims: unknown): number {
  if (typeof dims !== 'number' || !Number.isInteger(dims))
    throw typeError(name, `dims must be an integer (the number of spatial axes), got ${describeOption(dims)}`);
  if (dims < 1) throw rangeError(name, `dims must be positive, got dims=${dims}`);
  return dims;
}

/**
 * Convolution layer over `dims` spatial axes (any number; PyTorch stops at Conv3d), over `convNd`;
 * weight `[Cout, Cin / groups, k1, ..., kd]`, options and initialisation as `Conv2d`.
 * @example new ConvNd(4, 2, 8, 3, { padding: 1 }).forward(randn([1, 2, 5, 5, 5, 5])).shape // [1, 8, 5, 5, 5, 5]
 */
export class ConvNd extends ConvLayer {
  constructor(
    readonly dims: number,
    inChannels: number,
    outChannels: number,
    kernelSize: SpatialArg,
    options: ConvModuleOptions = {},
  ) {
    super('ConvNd', checkRank('ConvNd', dims), convNd, inChannels, outChannels, kernelSize, options);
  }
}

/**
 * 1-D transposed convolution layer, as `torch.nn.ConvTranspose1d`; weight `[Cin, Cout / groups, k]`.
 * @example new ConvTranspose1d(8, 4, 4, { stride: 2, padding: 1 }).forward(randn([1, 8, 10])).shape // [1, 4, 20]
 */
export class ConvTranspose1d extends convTransposeOfRank('ConvTranspose1d', 1, convTranspose1d) {}

/**
 * 2-D transposed convolution layer, as `torch.nn.ConvTranspose2d`; weight `[Cin, Cout / groups, kH, kW]`.
 * @example new ConvTranspose2d(16, 8, 3, { stride: 2, padding: 1, outputPadding: 1 }).forward(randn([1, 16, 7, 7])).shape // [1, 8, 14, 14]
 */
export class ConvTranspose2d extends convTransposeOfRank('ConvTranspose2d', 2, convTranspose2d) {}

/**
 * 3-D transposed convolution layer, as `torch.nn.ConvTranspose3d`; weight `[Cin, Cout / groups, kD, kH, kW]`.
 * @example new ConvTranspose3d(4, 2, 2, { stride: 2 }).forward(randn([1, 4, 3, 3, 3])).shape // [1, 2, 6, 6, 6]
 */
export class ConvTranspose3d extends convTransposeOfRank('ConvTranspose3d', 3, convTranspose3d) {}

/**
 * Transposed convolution layer over `dims` spatial axes (any number), over `convTransposeNd`;
 * weight `[Cin, Cout / groups, k1, ..., kd]`, options and initialisation as `ConvTranspose2d`.
 * @example new ConvTransposeNd(4, 2, 1, 2, { stride: 2 }).forward(randn([1, 2, 3, 3, 3, 3])).shape // [1, 1, 6, 6, 6, 6]
 */
export class ConvTransposeNd extends ConvTransposeLayer {
  constructor(
    readonly dims: number,
    inChannels: number,
    outChannels: number,
    kernelSize: SpatialArg,
    options: ConvTransposeModuleOptions = {},
  ) {
    super(
      'ConvTransposeNd',
      checkRank('ConvTransposeNd', dims),
      convTransposeNd,
      inChannels,
      outChannels,
      kernelSize,
      options,
    );
  }
}

import type { Variable } from '@torchlet/autograd';
import { formatShape, rangeError, shapeError, typeError, type Tensor, spatialTuple } from '@torchlet/tensor';
import { normalizeConvOptions } from '../nn/functional/conv-options.js';
import type { Module } from '../nn/modules/module.js';
import { GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh } from '../nn/modules/activation.js';
import { Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d } from '../nn/modules/conv.js';
import { Dropout } from '../nn/modules/dropout.js';
import { Flatten, Identity, Linear } from '../nn/modules/linear.js';
import { BatchNormNd } from '../nn/modules/norm.js';
import {
  AdaptiveAvgPool2d,
  AdaptiveMaxPool2d,
  AvgPool1d,
  AvgPool2d,
  MaxPool1d,
  MaxPool2d,
} from '../nn/modules/pool.js';
import { Sequential } from '../nn/modules/sequential.js';
import { float, int, ints, str, type GraphBuilder } from './graph-builder.js';

const OP = 'exportOnnx';

/** One call of a layer during the traced forward, and what a converter needs to emit its nodes. */
export interface LayerCall {
  builder: GraphBuilder;
  module: Module;
  /** Dotted path of the layer (`features.0`), or the class name for a model that is one layer. */
  path: string;
  /** Name of the ONNX value the layer reads. */
  input: string;
  inputShape: readonly number[];
  outputShape: readonly number[];
  /** The initializer holding a parameter or buffer, named as in the state dict (made once, then shared). */
  param(value: Variable | Tensor): string;
}

/** Emits the nodes of one layer call and returns the name of the value holding its output. */
type Converter = (call: LayerCall) => string;

/** Where the layer sits, for messages: `features.0 (Conv2d)`. */
function where(call: LayerCall): string {
  const type = call.module.constructor.name;
  return call.path === type ? type : `${call.path} (${type})`;
}

/** ONNX's Conv/pool operators need `[N, C, ...spatial]`; Torchlet also takes unbatched input. */
function checkBatched(call: LayerCall, dims: number): void {
  if (call.inputShape.length !== dims + 2) {
    throw shapeError(
      OP,
      `${where(call)} got input ${formatShape(call.inputShape)}, but ONNX needs a batched [N, C, ${dims === 1 ? 'L' : dims === 2 ? 'H, W' : 'D, H, W'}] input; add the batch axis to sampleInputShape`,
    );
  }
}

const conv: Converter = (call) => {
  const m = call.module as Conv1d | Conv2d | Conv3d;
  const dims = m.kernelSize.length;
  checkBatched(call, dims);
  const p = normalizeConvOptions(m.constructor.name, m.kernelSize, {
    stride: m.stride,
    padding: m.padding,
    dilation: m.dilation,
    groups: m.groups,
    paddingMode: m.paddingMode,
  });
  let x = call.input;
  let pads = [...p.padBefore, ...p.padAfter];
  if (m.paddingMode !== 'zeros') {
    // Torchlet pads in that mode first and then convolves unpadded; ONNX's Pad does the first half.
    const mode = { reflect: 'reflect', replicate: 'edge', circular: 'wrap' }[m.paddingMode];
    if (mode === 'wrap' && call.builder.opset < 19) {
      throw rangeError(
        OP,
        `${where(call)} has paddingMode='circular', which ONNX's Pad supports from opset 19 ('wrap'); got opsetVersion=${call.builder.opset}`,
      );
    }
    const padsValue = [0, 0, ...p.padBefore, 0, 0, ...p.padAfter];
    const padsName = call.builder.int64Initializer(`${call.path}.pads`, padsValue, [padsValue.length]);
    x = call.builder.node('Pad', `${call.path}.pad`, [x, padsName], { mode: str(mode) });
    pads = pads.map(() => 0);
  }
  const inputs = [x, call.param(m.weight)];
  if (m.bias) inputs.push(call.param(m.bias));
  return call.builder.node('Conv', call.path, inputs, {
    kernel_shape: ints(m.kernelSize),
    strides: ints(p.stride),
    pads: ints(pads),
    dilations: ints(p.dilation),
    group: int(m.groups),
  });
};

const convTranspose: Converter = (call) => {
  const m = call.module as ConvTranspose1d | ConvTranspose2d;
  const dims = m.kernelSize.length;
  checkBatched(call, dims);
  // outputPadding only trims less from the end: it first eats into the end padding; what is left
  // (`extra`) goes to ONNX's output_padding, which ONNX Runtime takes only below the stride
  // (PyTorch also allows it below the dilation). Beyond that the extra positions get no kernel
  // tap at all, so they are zero padding plus the bias.
  const endPads = m.padding.map((p, i) => Math.max(p - m.outputPadding[i]!, 0));
  const extra = m.padding.map((p, i) => Math.max(m.outputPadding[i]! - p, 0));
  const fitsOutputPadding = extra.every((e, i) => e < m.stride[i]!);
  const b = call.builder;
  // Same weight layout as ONNX: [Cin, Cout / groups, ...k].
  const inputs = [call.input, call.param(m.weight)];
  if (m.bias && fitsOutputPadding) inputs.push(call.param(m.bias));
  const attributes = {
    kernel_shape: ints(m.kernelSize),
    strides: ints(m.stride),
    pads: ints([...m.padding, ...endPads]),
    dilations: ints(m.dilation),
    group: int(m.groups),
    output_padding: ints(fitsOutputPadding ? extra : extra.map(() => 0)),
  };
  if (fitsOutputPadding) return b.node('ConvTranspose', call.path, inputs, attributes);
  const y = b.node('ConvTranspose', `${call.path}.conv`, inputs, attributes);
  const padsValue = [0, 0, ...extra.map(() => 0), 0, 0, ...extra];
  const padded = b.node('Pad', m.bias ? `${call.path}.pad` : call.path, [
    y,
    b.int64Initializer(`${call.path}.pads`, padsValue, [padsValue.length]),
  ]);
  if (!m.bias) return padded;
  const biasShape = b.int64Initializer(`${call.path}.bias_shape`, [m.outChannels, ...extra.map(() => 1)], [dims + 1]);
  return b.node('Add', call.path, [padded, b.node('Reshape', `${call.path}.bias`, [call.param(m.bias), biasShape])]);
};

/** kernel, stride, padding, dilation and ceil mode of a MaxPool/AvgPool module, one number per axis. */
function poolGeometry(call: LayerCall, dims: number) {
  const m = call.module as MaxPool1d | MaxPool2d | AvgPool1d | AvgPool2d;
  const name = m.constructor.name;
  const options = m.options as {
    stride?: number | number[] | null;
    padding?: number | number[];
    dilation?: number | number[];
    ceilMode?: boolean;
  };
  const kernel = spatialTuple(name, 'kernelSize', m.kernelSize, dims, 1);
  const stride = options.stride == null ? kernel.slice() : spatialTuple(name, 'stride', options.stride, dims, 1);
  const padding = spatialTuple(name, 'padding', options.padding ?? 0, dims, 0);
  const dilation = spatialTuple(name, 'dilation', options.dilation ?? 1, dims, 1);
  return { kernel, stride, pads: [...padding, ...padding], dilation, ceilMode: options.ceilMode ?? false };
}

const maxPool =
  (dims: number): Converter =>
  (call) => {
    checkBatched(call, dims);
    const g = poolGeometry(call, dims);
    return call.builder.node('MaxPool', call.path, [call.input], {
      kernel_shape: ints(g.kernel),
      strides: ints(g.stride),
      pads: ints(g.pads),
      dilations: ints(g.dilation),
      ceil_mode: int(g.ceilMode ? 1 : 0),
    });
  };

const avgPool =
  (dims: number): Converter =>
  (call) => {
    checkBatched(call, dims);
    const m = call.module as AvgPool1d | AvgPool2d;
    if (m.options.divisorOverride != null) {
      throw rangeError(
        OP,
        `${where(call)} has divisorOverride=${m.options.divisorOverride}, which ONNX's AveragePool cannot express`,
      );
    }
    const g = poolGeometry(call, dims);
    return call.builder.node('AveragePool', call.path, [call.input], {
      kernel_shape: ints(g.kernel),
      strides: ints(g.stride),
      pads: ints(g.pads),
      ceil_mode: int(g.ceilMode ? 1 : 0),
      count_include_pad: int((m.options.countIncludePad ?? true) ? 1 : 0),
    });
  };

/**
 * Adaptive pooling has no ONNX operator. To 1×1 it is the global pool; when each input size is a
 * multiple of the output size the bins are equal, disjoint windows, i.e. a plain pool with
 * kernel = stride = In / Out. Other sizes have overlapping, uneven bins: an error.
 */
const adaptivePool =
  (global: string, windowed: string): Converter =>
  (call) => {
    checkBatched(call, 2);
    const m = call.module as AdaptiveAvgPool2d | AdaptiveMaxPool2d;
    const spatial = call.inputShape.slice(2);
    const requested = typeof m.outputSize === 'number' ? [m.outputSize, m.outputSize] : m.outputSize;
    const out = requested.map((s, i) => s ?? spatial[i]!);
    if (out.every((s) => s === 1)) return call.builder.node(global, call.path, [call.input]);
    if (spatial.some((s, i) => s % out[i]! !== 0)) {
      throw shapeError(
        OP,
        `${where(call)} pools [${spatial.join(', ')}] to [${out.join(', ')}]: ONNX has no adaptive pool, and a plain pool matches it only when each input size is a multiple of the output size (or the output is 1); input ${formatShape(call.inputShape)}`,
      );
    }
    const kernel = spatial.map((s, i) => s / out[i]!);
    return call.builder.node(windowed, call.path, [call.input], {
      kernel_shape: ints(kernel),
      strides: ints(kernel),
      pads: ints([0, 0, 0, 0]),
    });
  };

/** Gemm for `[N, in]`; for other ranks MatMul with the transposed weight (and Add for the bias). */
const linear: Converter = (call) => {
  const m = call.module as Linear;
  const weight = call.param(m.weight);
  if (call.inputShape.length === 2) {
    const inputs = [call.input, weight];
    if (m.bias) inputs.push(call.param(m.bias));
    return call.builder.node('Gemm', call.path, inputs, { transB: int(1) });
  }
  const weightT = call.builder.node('Transpose', `${call.path}.weight_t`, [weight], { perm: ints([1, 0]) });
  const product = call.builder.node('MatMul', m.bias ? `${call.path}.matmul` : call.path, [call.input, weightT]);
  return m.bias ? call.builder.node('Add', call.path, [product, call.param(m.bias)]) : product;
};

const batchNorm: Converter = (call) => {
  const m = call.module as BatchNormNd;
  if (!m.running_mean || !m.running_var) {
    throw rangeError(
      OP,
      `${where(call)} has trackRunningStats=false, so eval mode normalises with each batch's own statistics; ONNX's inference BatchNormalization needs running statistics`,
    );
  }
  const c = m.numFeatures;
  const scale = m.weight
    ? call.param(m.weight)
    : call.builder.floatInitializer(`${call.path}.scale`, new Float32Array(c).fill(1), [c]);
  const shift = m.bias
    ? call.param(m.bias)
    : call.builder.floatInitializer(`${call.path}.shift`, new Float32Array(c), [c]);
  return call.builder.node(
    'BatchNormalization',
    call.path,
    [call.input, scale, shift, call.param(m.running_mean), call.param(m.running_var)],
    { epsilon: float(m.eps) },
  );
};

/**
 * GELU: the `Gelu` operator from opset 20; before that its definition spelled out,
 * x·½·(1 + erf(x/√2)), or with `approximate: 'tanh'` x·½·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
 */
const gelu: Converter = (call) => {
  const m = call.module as GELU;
  const b = call.builder;
  const p = call.path;
  if (b.opset >= 20) return b.node('Gelu', p, [call.input], { approximate: str(m.approximate) });
  const x = call.input;
  let inner: string;
  if (m.approximate === 'tanh') {
    const cube = b.node('Mul', `${p}.x3`, [b.node('Mul', `${p}.x2`, [x, x]), x]);
    const sum = b.node('Add', `${p}.poly`, [x, b.node('Mul', `${p}.cubic`, [cube, b.scalar(`${p}.c`, 0.044715)])]);
    inner = b.node('Tanh', `${p}.tanh`, [
      b.node('Mul', `${p}.scaled`, [sum, b.scalar(`${p}.sqrt_2_over_pi`, Math.sqrt(2 / Math.PI))]),
    ]);
  } else {
    inner = b.node('Erf', `${p}.erf`, [b.node('Mul', `${p}.scaled`, [x, b.scalar(`${p}.inv_sqrt2`, Math.SQRT1_2)])]);
  }
  const onePlus = b.node('Add', `${p}.one_plus`, [inner, b.scalar(`${p}.one`, 1)]);
  return b.node('Mul', p, [b.node('Mul', `${p}.half_x`, [x, b.scalar(`${p}.half`, 0.5)]), onePlus]);
};

/** ONNX Flatten makes `[∏ before axis, ∏ from axis]`; other merges become a Reshape. */
const flatten: Converter = (call) => {
  const m = call.module as Flatten;
  const rank = call.inputShape.length;
  const start = m.startDim < 0 ? m.startDim + rank : m.startDim;
  const end = m.endDim < 0 ? m.endDim + rank : m.endDim;
  if (start === 1 && end === rank - 1) return call.builder.node('Flatten', call.path, [call.input], { axis: int(1) });
  // 0 copies the axis from the input (keeps a symbolic batch size); -1 is the merged axis.
  const shape = [...new Array<number>(start).fill(0), -1, ...call.inputShape.slice(end + 1)];
  const shapeName = call.builder.int64Initializer(`${call.path}.shape`, shape, [shape.length]);
  return call.builder.node('Reshape', call.path, [call.input, shapeName]);
};

const unary =
  (opType: string): Converter =>
  (call) =>
    call.builder.node(opType, call.path, [call.input]);
/** Dropout in eval mode, Identity and an empty Sequential pass their input on: no node. */
const passThrough: Converter = (call) => call.input;

/**
 * Each supported layer by the class whose prototype defines its `forward`: a subclass that keeps
 * that forward (say, a Conv2d with its own initialisation) converts like its parent, while one
 * that overrides it computes something else and is refused.
 */
const CONVERTERS: [abstract new (...args: never[]) => Module, Converter][] = [
  [Conv1d, conv],
  [Conv2d, conv],
  [Conv3d, conv],
  [ConvTranspose1d, convTranspose],
  [ConvTranspose2d, convTranspose],
  [MaxPool1d, maxPool(1)],
  [MaxPool2d, maxPool(2)],
  [AvgPool1d, avgPool(1)],
  [AvgPool2d, avgPool(2)],
  [AdaptiveAvgPool2d, adaptivePool('GlobalAveragePool', 'AveragePool')],
  [AdaptiveMaxPool2d, adaptivePool('GlobalMaxPool', 'MaxPool')],
  [Linear, linear],
  [BatchNormNd, batchNorm],
  [ReLU, unary('Relu')],
  [
    LeakyReLU,
    (call) =>
      call.builder.node('LeakyRelu', call.path, [call.input], {
        alpha: float((call.module as LeakyReLU).negativeSlope),
      }),
  ],
  [Tanh, unary('Tanh')],
  [Sigmoid, unary('Sigmoid')],
  [GELU, gelu],
  [
    Softmax,
    (call) => call.builder.node('Softmax', call.path, [call.input], { axis: int((call.module as Softmax).dim) }),
  ],
  [
    LogSoftmax,
    (call) => call.builder.node('LogSoftmax', call.path, [call.input], { axis: int((call.module as LogSoftmax).dim) }),
  ],
  [Flatten, flatten],
  [Dropout, passThrough],
  [Identity, passThrough],
  [Sequential, passThrough],
];

/** Layer names for the "not supported" message. */
export const SUPPORTED_LAYERS = [
  'Conv1d',
  'Conv2d',
  'Conv3d',
  'ConvTranspose1d',
  'ConvTranspose2d',
  'MaxPool1d',
  'MaxPool2d',
  'AvgPool1d',
  'AvgPool2d',
  'AdaptiveAvgPool2d',
  'AdaptiveMaxPool2d',
  'Linear',
  'BatchNorm1d',
  'BatchNorm2d',
  'ReLU',
  'LeakyReLU',
  'Tanh',
  'Sigmoid',
  'GELU',
  'Softmax',
  'LogSoftmax',
  'Flatten',
  'Dropout',
  'Identity',
  'Sequential',
];

/** The prototype along `module`'s chain that defines the `forward` it runs. */
function forwardOwner(module: Module): object | null {
  for (
    let p = Object.getPrototypeOf(module) as object | null;
    p !== null;
    p = Object.getPrototypeOf(p) as object | null
  ) {
    if (Object.hasOwn(p, 'forward')) return p;
  }
  return null;
}

/**
 * The converter for `module`.
 * @throws TypeError naming the layer and listing the supported ones
 */
export function converterFor(module: Module, path: string): Converter {
  const owner = forwardOwner(module);
  const found = CONVERTERS.find(([cls]) => cls.prototype === owner);
  if (found) return found[1];
  const type = module.constructor.name;
  throw typeError(
    OP,
    `${path === type ? type : `${path} (${type})`} is not a layer ONNX export supports; supported: ${SUPPORTED_LAYERS.join(', ')}. A model whose forward calls supported layers one after another exports; wrap other computation in one of them`,
  );
}

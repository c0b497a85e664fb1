import { enableGrad, Variable } from '@torchlet/autograd';
import { checkShape, formatShape, rangeError, Tensor, typeError, zeros } from '@torchlet/tensor';
import type { RemovableHandle } from '../nn/modules/hooks.js';
import { Module } from '../nn/modules/module.js';
import { converterFor, type LayerCall } from './converters.js';
import { GraphBuilder } from './graph-builder.js';
import { onnxModelType } from './schema.js';

const OP = 'exportOnnx';

export interface OnnxExportOptions {
  /** ONNX operator set, 13–21. Default 17 (ONNX Runtime ≥ 1.13 and most other runtimes read it). */
  opsetVersion?: number;
  /** Make axis 0 a symbolic size `'N'`, so the model runs on any batch size. Default true. */
  dynamicBatch?: boolean;
  /** Name of the graph input. Default `'input'`. */
  inputName?: string;
  /** Name of the graph output. Default `'output'`. */
  outputName?: string;
}

/** The IR version that goes with an opset (ONNX 1.13: IR 8 / opset 18; 1.15: 9 / 20; 1.16: 10 / 21). */
function irVersionFor(opset: number): number {
  return opset <= 18 ? 8 : opset <= 20 ? 9 : 10;
}

/** Follows the package's version; written into the model's `producer_version`. */
const PRODUCER_VERSION = '0.1.0';

/**
 * Serialises `model` as an ONNX model (the bytes of a `.onnx` file), in eval mode.
 *
 * How it traces: it runs `model.forward` once on zeros of `sampleInputShape` in eval mode and
 * records every call of a leaf layer (a module without children). Each call becomes ONNX nodes
 * (Conv, Gemm, BatchNormalization, ...), reading the value the previous call produced; parameters
 * and running statistics become initializers under their state-dict names (`features.0.weight`).
 * So a Sequential, or any user module whose forward passes each layer's output to the next, exports
 * as it runs. A forward that computes between layers (`add(x, this.conv(x))`, a functional `relu`)
 * cannot be traced this way and is an error naming the op. Train/eval flags are restored after.
 *
 * @param model a Module built from Conv1d/2d/3d, ConvTranspose1d/2d, Max/Avg/AdaptiveAvg/AdaptiveMax
 *   pools, Linear, BatchNorm1d/2d, ReLU, LeakyReLU, Tanh, Sigmoid, GELU, Softmax, LogSoftmax,
 *   Flatten, Dropout, Identity and Sequential
 * @param sampleInputShape the input's shape with its batch axis, e.g. `[1, 1, 28, 28]`; fixes
 *   every size but the batch (see `dynamicBatch`)
 * @returns the serialised `ModelProto`; its graph reads `input` and writes `output` (float32)
 * @throws TypeError for a layer that cannot be exported (named, with the supported list) or a
 *   value computed outside any layer; ShapeError for an input ONNX cannot take (unbatched conv
 *   input, adaptive pool sizes that do not divide); RangeError for an opset out of range
 * @example writeFileSync('lenet.onnx', toOnnxBytes(new LeNet5(), [1, 1, 28, 28]))
 */
export function toOnnxBytes(
  model: Module,
  sampleInputShape: readonly number[],
  options: OnnxExportOptions = {},
): Uint8Array {
  if (!(model instanceof Module))
    throw typeError(OP, `model must be a Module, got ${model === null ? 'null' : typeof model}`);
  checkShape(OP, sampleInputShape as number[], 'sampleInputShape');
  if (options === null || typeof options !== 'object') throw typeError(OP, 'options must be an object');
  const opset = options.opsetVersion ?? 17;
  if (!Number.isInteger(opset) || opset < 13 || opset > 21)
    throw rangeError(OP, `opsetVersion must be an integer from 13 to 21, got opsetVersion=${String(opset)}`);
  const dynamicBatch = options.dynamicBatch ?? true;
  const inputName = options.inputName ?? 'input';
  const outputName = options.outputName ?? 'output';
  if (
    typeof inputName !== 'string' ||
    typeof outputName !== 'string' ||
    !inputName ||
    !outputName ||
    inputName === outputName
  ) {
    throw rangeError(
      OP,
      `inputName and outputName must be two different non-empty strings, got ${JSON.stringify(inputName)} and ${JSON.stringify(outputName)}`,
    );
  }

  const builder = new GraphBuilder(opset);
  builder.reserve(inputName);
  builder.reserve(outputName);
  const { output, outputShape } = trace(model, sampleInputShape, builder, inputName);

  // The last node writes the graph output; a model that returns its input needs a node for that.
  builder.renameValue(output === inputName ? builder.node('Identity', 'identity', [inputName]) : output, outputName);
  const batched = (shape: readonly number[]) => shape.map((d, i) => (dynamicBatch && i === 0 ? 'N' : d));
  const modelObject = builder.toModelObject({
    input: { name: inputName, dims: batched(sampleInputShape) },
    output: { name: outputName, dims: batched(outputShape) },
    irVersion: irVersionFor(opset),
    graphName: model.constructor.name,
    producerVersion: PRODUCER_VERSION,
    docString: `${model.constructor.name} exported by Torchlet`,
  });
  const ModelProto = onnxModelType();
  // Under Node protobufjs hands back a Buffer (maybe a slice of its pool): copy to a plain array.
  return new Uint8Array(ModelProto.encode(ModelProto.fromObject(modelObject)).finish());
}

/**
 * Runs the forward with a pre-hook and a hook on every leaf layer (removed afterwards, as `summary`
 * does) and emits each call's nodes into `builder`.
 * @returns the name of the value the model returned, and its shape
 */
function trace(
  model: Module,
  sampleInputShape: readonly number[],
  builder: GraphBuilder,
  inputName: string,
): { output: string; outputShape: number[] } {
  // State-dict names of parameters and buffers, by their storage.
  const stateNames = new Map<Tensor, string>();
  for (const [name, p] of model.namedParameters()) if (!stateNames.has(p.data)) stateNames.set(p.data, name);
  for (const [name, b] of model.namedBuffers()) if (!stateNames.has(b)) stateNames.set(b, name);
  const initializers = new Map<Tensor, string>();
  const param = (value: Variable | Tensor): string => {
    const t = value instanceof Variable ? value.data : value;
    let name = initializers.get(t);
    if (name === undefined) {
      name = builder.floatInitializer(stateNames.get(t) ?? 'param', t.toTypedArray(), t.shape);
      initializers.set(t, name);
    }
    return name;
  };

  const values = new Map<Variable, string>();
  const nameOf = (v: unknown, consumer: string): string => {
    const name = v instanceof Variable ? values.get(v) : undefined;
    if (name !== undefined) return name;
    throw typeError(
      OP,
      `${consumer} reads ${describeUntraced(v)}, computed outside any layer; export records only layer calls, so a forward must hand each layer's output straight to the next layer (move other arithmetic into a supported layer)`,
    );
  };

  // Leaf layers by first path (a layer shared under two names is one module, hooked once).
  const leaves = new Map<Module, string>();
  for (const [path, m] of model.namedModules())
    if (m.children().length === 0 && !leaves.has(m)) leaves.set(m, path || m.constructor.name);
  const modes = model.modules().map((m) => [m, m.training] as const);
  const handles: RemovableHandle[] = [];
  for (const [m, path] of leaves) {
    const label = path === m.constructor.name ? path : `${path} (${m.constructor.name})`;
    // Before the layer runs: is it exportable, with one input some earlier call produced?
    handles.push(
      m.registerForwardPreHook((_m, inputs) => {
        converterFor(m, path);
        if (inputs.length !== 1)
          throw typeError(OP, `${label} was called with ${inputs.length} inputs; exported layers take one`);
        nameOf(inputs[0], label);
      }),
    );
    // After: its nodes, reading that input's value and naming the output.
    handles.push(
      m.registerForwardHook((_m, inputs, output) => {
        // Every layer with a converter takes one Variable (the pre-hook checked it) and returns one.
        const [x, y] = [inputs[0] as Variable, output as Variable];
        const call: LayerCall = {
          builder,
          module: m,
          path,
          input: nameOf(x, label),
          inputShape: x.shape,
          outputShape: y.shape,
          param,
        };
        values.set(y, converterFor(m, path)(call));
      }),
    );
  }

  const params = model.parameters();
  const x = new Variable(zeros(sampleInputShape, { dtype: params[0]?.dtype === 'float64' ? 'float64' : 'float32' }));
  values.set(x, inputName);
  try {
    model.eval();
    // Grad mode on, so a value computed between layers carries the name of the op that made it.
    const y = enableGrad(() => model.forward(x)) as unknown;
    if (!(y instanceof Variable))
      throw typeError(OP, `the model's forward returned ${describeUntraced(y)}, not a Variable`);
    if (!values.has(y))
      throw typeError(
        OP,
        `the model's output ${describeUntraced(y)} was computed outside any layer; export records only layer calls (move the last computation into a supported layer)`,
      );
    return { output: values.get(y)!, outputShape: y.shape.slice() };
  } finally {
    for (const handle of handles) handle.remove();
    for (const [m, training] of modes) m.training = training;
  }
}

/** `a value [2, 8] made by 'add'`, for messages about values no layer produced. */
function describeUntraced(v: unknown): string {
  if (v instanceof Variable)
    return `a value ${formatShape(v.shape)} ${v.gradFn ? `made by '${v.gradFn.name}'` : 'made without autograd'}`;
  if (v instanceof Tensor) return `a plain Tensor ${formatShape(v.shape)}`;
  return v === null ? 'null' : `a ${typeof v}`;
}

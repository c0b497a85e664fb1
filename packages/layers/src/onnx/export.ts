import { noGrad, traceOps, Variable, type TracedCall } from '@torchlet/autograd';
import {
  checkOptions,
  checkShape,
  describeValue,
  formatShape,
  rangeError,
  Tensor,
  typeError,
  zeros,
} from '@torchlet/tensor';
import type { RemovableHandle } from '../nn/modules/hooks.js';
import { Module } from '../nn/modules/module.js';
import { VERSION } from '../version.js';
import { converterOf } from './converters.js';
import { GraphBuilder, type OnnxAttribute } from './graph-builder.js';
import type { OnnxOpCall } from './op-call.js';
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

const OPTION_KEYS = ['opsetVersion', 'dynamicBatch', 'inputName', 'outputName'];

/** The IR version that goes with an opset (ONNX 1.13: IR 8 / opset 18; 1.15: 9 / 20; 1.16: 10 / 21). */
function irVersionFor(opset: number): number {
  return opset <= 18 ? 8 : opset <= 20 ? 9 : 10;
}

/** An op output ONNX cannot give (max pooling's indices); reading it is an error naming the op. */
const UNAVAILABLE = '';

/**
 * Serialises `model` as an ONNX model (the bytes of a `.onnx` file), in eval mode.
 *
 * How it traces: it runs `model.forward` once, in eval mode and without recording gradients, on
 * zeros of `sampleInputShape`, and records every op the forward calls (every `defineOp` op: convs,
 * pools, `add`, `relu`, `reshape`, ..., however the forward is written: layers, functional calls,
 * residual adds). Each op becomes one ONNX node or a small subgraph; the modules the op ran in name
 * its nodes (`layer1.0.conv1.conv`). Parameters and buffers become initializers under their
 * state-dict names; other tensors the forward reads (constants it made) become initializers too,
 * with the values they had for the sample. Values computed from the input without Torchlet ops
 * (on `.data`, in plain JS) are invisible to the trace and would be frozen as constants: keep the
 * forward in ops. A user op made with `defineOp` exports once a converter is registered for its name
 * (`registerOnnxConverter`). Train/eval flags are restored after. Models over 2 GB (ONNX's external
 * data files) are out of scope.
 *
 * @param model any Module whose forward takes one tensor and returns one
 * @param sampleInputShape the input's shape with its batch axis, e.g. `[1, 1, 28, 28]`; fixes
 *   every size but the batch (see `dynamicBatch`)
 * @returns the serialised `ModelProto`; its graph reads `input` and writes `output` (float32)
 * @throws TypeError for an op with no converter (named, with how to register one) or a value the
 *   trace cannot name; ShapeError for a shape ONNX cannot take (an unbatched conv input, adaptive
 *   pool sizes that do not divide); RangeError for an opset out of range or an op option the opset lacks
 * @example writeFileSync('lenet.onnx', toOnnxBytes(new LeNet5(), [1, 1, 28, 28]))
 */
export function toOnnxBytes(
  model: Module,
  sampleInputShape: readonly number[],
  options: OnnxExportOptions = {},
): Uint8Array {
  if (!(model instanceof Module)) throw typeError(OP, `model must be a Module, got ${describeValue(model)}`);
  checkShape(OP, sampleInputShape as number[], 'sampleInputShape');
  checkOptions(OP, options, OPTION_KEYS);
  const opset = options.opsetVersion ?? 17;
  if (!Number.isInteger(opset) || opset < 13 || opset > 21)
    throw rangeError(OP, `opsetVersion must be an integer from 13 to 21, got opsetVersion=${String(opset)}`);
  const dynamicBatch = options.dynamicBatch ?? true;
  if (typeof dynamicBatch !== 'boolean')
    throw typeError(OP, `dynamicBatch must be a boolean, got ${describeValue(dynamicBatch)}`);
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
  const { output, outputShape } = trace(model, sampleInputShape, builder, inputName, dynamicBatch);

  // The last node writes the graph output; a model that returns its input needs a node for that.
  builder.renameValue(output === inputName ? builder.node('Identity', 'identity', [inputName]) : output, outputName);
  const batch = sampleInputShape[0];
  const symbolic = (shape: readonly number[]) =>
    shape.map((d, i) => (dynamicBatch && i === 0 && d === batch ? 'N' : d));
  const type = model.constructor.name;
  const modelObject = builder.toModelObject({
    input: { name: inputName, dims: symbolic(sampleInputShape) },
    output: { name: outputName, dims: symbolic(outputShape) },
    irVersion: irVersionFor(opset),
    graphName: type,
    producerVersion: VERSION,
    docString: `${type} exported by Torchlet ${VERSION} (opset ${opset})`,
    metadata: { framework: 'torchlet', torchlet_version: VERSION, model_class: type },
  });
  const ModelProto = onnxModelType();
  // Under Node protobufjs hands back a Buffer (maybe a slice of its pool): copy to a plain array.
  return new Uint8Array(ModelProto.encode(ModelProto.fromObject(modelObject)).finish());
}

/**
 * Runs the forward under `traceOps`, with hooks on every module (removed afterwards) keeping the
 * path of the module running now, and emits each op call's nodes into `builder`.
 * @returns the name of the value the model returned, and its shape
 */
function trace(
  model: Module,
  sampleInputShape: readonly number[],
  builder: GraphBuilder,
  inputName: string,
  dynamicBatch: boolean,
): { output: string; outputShape: number[] } {
  // State-dict names of parameters and buffers, by their tensor.
  const stateNames = new Map<Tensor, string>();
  for (const [name, p] of model.namedParameters()) if (!stateNames.has(p.data)) stateNames.set(p.data, name);
  for (const [name, b] of model.namedBuffers()) if (!stateNames.has(b)) stateNames.set(b, name);

  const values = new Map<Variable, string>();
  // Values computed from the graph input: their axis 0 is the batch.
  const fromInput = new Set<string>([inputName]);
  const unavailable = new Map<Variable, string>();
  const constants = new Map<Tensor, string>();
  let place = '';
  const valueOf = (v: Variable | Tensor, reader: string): string => {
    if (v instanceof Variable) {
      const name = values.get(v);
      if (name !== undefined) return name;
      const why = unavailable.get(v);
      if (why !== undefined) throw typeError(OP, `${reader} reads ${why}`);
      if (v.gradFn !== null && !stateNames.has(v.data)) {
        throw typeError(
          OP,
          `${reader} reads a value ${formatShape(v.shape)} made by '${v.gradFn.name}' before the traced forward ran; compute it inside forward`,
        );
      }
    }
    const t = v instanceof Variable ? v.data : v;
    let name = constants.get(t);
    if (name === undefined) {
      const base = stateNames.get(t) ?? `${reader}.const`;
      name = builder.floatInitializer(base, t.toTypedArray(), t.shape);
      constants.set(t, name);
    }
    return name;
  };

  const onCall = (call: TracedCall): void => {
    const name = place === '' ? call.op : `${place}.${call.op}`;
    const convert = converterOf(call.op, name);
    const tensorAt = (i: number): Variable | Tensor => {
      const a = call.args[i];
      if (a instanceof Variable || a instanceof Tensor) return a;
      throw typeError(OP, `${name}: argument ${i} is ${describeValue(a)}, not a tensor`);
    };
    const opCall: OnnxOpCall = {
      op: call.op,
      name,
      args: call.args,
      outputShapes: call.outputs.map((o) => o.shape),
      opset: builder.opset,
      dynamicBatch,
      input: (i) => valueOf(tensorAt(i), name),
      inputShape: (i) => tensorAt(i).shape,
      batched: (i) => fromInput.has(valueOf(tensorAt(i), name)),
      value: (t) => valueOf(t, name),
      node: (opType, inputs, attributes = {}, domain = '') =>
        builder.nodeWithOutputs(opType, name, inputs.slice(), checkAttributes(name, attributes), 1, domain)[0]!,
      nodeWithOutputs: (opType, inputs, attributes, count) =>
        builder.nodeWithOutputs(opType, name, inputs.slice(), checkAttributes(name, attributes), count),
      floats: (data, dims) => builder.floatInitializer(`${name}.const`, data, dims),
      int64s: (data, dims = [data.length]) => builder.int64Initializer(`${name}.const`, data, dims),
    };
    const got = convert(opCall);
    const names = typeof got === 'string' ? [got] : got;
    if (!Array.isArray(names) || names.length !== call.outputs.length) {
      throw typeError(
        OP,
        `the ONNX converter of '${call.op}' returned ${describeValue(got)}; it must return one value name per output of the op (${call.outputs.length})`,
      );
    }
    const batched = call.args.some((a) => a instanceof Variable && fromInput.has(values.get(a) ?? ''));
    call.outputs.forEach((v, i) => {
      const n = (names as readonly (string | null)[])[i];
      if (batched && typeof n === 'string') fromInput.add(n);
      if (typeof n === 'string' && n !== UNAVAILABLE) values.set(v, n);
      else unavailable.set(v, `output ${i} of '${call.op}' (${name}), which ONNX cannot compute`);
    });
  };

  // Module paths by module (a module shared under two names takes its first).
  const paths = new Map<Module, string>();
  for (const [path, m] of model.namedModules()) if (!paths.has(m)) paths.set(m, path);
  const modes = model.modules().map((m) => [m, m.training] as const);
  const handles: RemovableHandle[] = [];
  const stack: string[] = [];
  for (const [m, path] of paths) {
    handles.push(
      m.registerForwardPreHook(() => {
        stack.push(place);
        place = path;
      }),
    );
    handles.push(
      m.registerForwardHook(() => {
        place = stack.pop() ?? '';
      }),
    );
  }

  const params = model.parameters();
  const x = new Variable(zeros(sampleInputShape, { dtype: params[0]?.dtype === 'float64' ? 'float64' : 'float32' }));
  values.set(x, inputName);
  try {
    model.eval();
    const y = noGrad(() => traceOps(onCall, () => model.forward(x))) as unknown;
    if (!(y instanceof Variable))
      throw typeError(OP, `the model's forward returned ${describeValue(y)}, not a Variable`);
    return { output: valueOf(y, 'the graph output'), outputShape: y.shape.slice() };
  } finally {
    for (const handle of handles) handle.remove();
    for (const [m, training] of modes) m.training = training;
  }
}

/** A user converter's attributes must say their kind (`{ int: 1 }`); anything else is a TypeError naming the node. */
function checkAttributes(node: string, attributes: Record<string, OnnxAttribute>): Record<string, OnnxAttribute> {
  if (attributes === null || typeof attributes !== 'object')
    throw typeError(OP, `${node}: attributes must be an object, got ${describeValue(attributes)}`);
  for (const [key, a] of Object.entries(attributes)) {
    const kinds = a !== null && typeof a === 'object' ? Object.keys(a) : [];
    const kind = kinds[0];
    const value = kind === undefined ? undefined : (a as Record<string, unknown>)[kind];
    const ok =
      kinds.length === 1 &&
      (((kind === 'int' || kind === 'float') && typeof value === 'number') ||
        ((kind === 'ints' || kind === 'floats') && Array.isArray(value) && value.every((e) => typeof e === 'number')) ||
        (kind === 'string' && typeof value === 'string'));
    if (!ok || ((kind === 'int' || kind === 'ints') && [value].flat().some((e) => !Number.isInteger(e)))) {
      throw typeError(
        OP,
        `${node}: attribute '${key}' must be one of { int }, { float }, { ints }, { floats }, { string }, got ${JSON.stringify(a)}`,
      );
    }
  }
  return attributes;
}

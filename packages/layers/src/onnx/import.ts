import { Variable } from '@torchlet/autograd';
import { describeValue, formatShape, shapeError, Tensor, typeError } from '@torchlet/tensor';
import { Module } from '../nn/modules/module.js';
import { Parameter } from '../nn/modules/parameter.js';
import { decodeModel, decodeTensor, type NodeMessage } from './decode.js';
import { IMPORTERS, type NodeValue, type OnnxNodeRun } from './import-ops.js';

const OP = 'importOnnx';

/** Holds the parameters and buffers under one dotted prefix (`layer1.conv1`); it computes nothing itself. */
class OnnxScope extends Module {
  forward(): Variable {
    throw typeError('OnnxScope', 'holds parameters of an imported ONNX model; run the model itself');
  }

  addBuffer(name: string, value: Tensor): void {
    this.registerBuffer(name, value);
  }
}

/** A graph node ready to run: its op type, name, inputs and outputs, attributes by name. */
interface GraphNode {
  node: NodeMessage;
  where: string;
}

/**
 * A Torchlet Module running an ONNX graph, made by `importOnnx`: its parameters are the graph's
 * float initializers (under their names, so `conv1.weight` is `model.conv1.weight` and in the state
 * dict as such), batch norm's running statistics are buffers, and `forward` runs the nodes in order
 * with Torchlet ops, so the model trains (batch norm and dropout follow `train()`/`eval()` as the
 * layers do) and exports again with `toOnnxBytes`.
 */
export class OnnxModel extends Module {
  private readonly _nodes: GraphNode[];
  private readonly _values = new Map<string, NodeValue>();
  private readonly _inputName: string;
  private readonly _inputDims: (number | string)[];
  private readonly _outputName: string;
  private readonly _opset: number;

  /** @internal built by `importOnnx` */
  constructor(bytes: Uint8Array) {
    super();
    const model = decodeModel(bytes);
    const graph = model.graph;
    if (!graph) throw typeError(OP, 'the model has no graph');
    this._opset =
      (model.opset_import ?? []).find((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx')?.version ?? 0;
    if (this._opset < 7)
      throw typeError(OP, `the model uses ONNX opset ${this._opset}; importOnnx reads opset 7 and later`);
    const nodes = graph.node ?? [];
    const initializers = graph.initializer ?? [];
    const initialized = new Set(initializers.map((t) => t.name ?? ''));
    const inputs = (graph.input ?? []).filter((v) => !initialized.has(v.name));
    if (inputs.length !== 1)
      throw typeError(
        OP,
        `the graph has ${inputs.length} inputs (${inputs.map((v) => v.name).join(', ')}); importOnnx runs graphs with one`,
      );
    if ((graph.output ?? []).length !== 1)
      throw typeError(OP, `the graph has ${(graph.output ?? []).length} outputs; importOnnx runs graphs with one`);
    this._inputName = inputs[0]!.name;
    this._inputDims = (inputs[0]!.type?.tensor_type?.shape?.dim ?? []).map((d) => d.dim_param ?? d.dim_value ?? '?');
    this._outputName = graph.output![0]!.name;
    this._nodes = nodes.map((node, i) => ({
      node,
      where: `node ${i} '${node.name || node.output?.[0] || '?'}' (${node.op_type})`,
    }));

    for (const { node, where } of this._nodes) {
      if ((node.domain ?? '') !== '' && node.domain !== 'ai.onnx')
        throw typeError(OP, `${where} is from operator set '${node.domain}'; importOnnx runs ONNX's own operators`);
      if (!Object.hasOwn(IMPORTERS, node.op_type)) {
        throw typeError(
          OP,
          `${where}: op type '${node.op_type}' is not supported; importOnnx runs ${Object.keys(IMPORTERS).sort().join(', ')}`,
        );
      }
    }

    // Running statistics (inputs 3 and 4 of BatchNormalization) are buffers; other float initializers train.
    const statistics = new Set<string>();
    for (const { node } of this._nodes)
      if (node.op_type === 'BatchNormalization') for (const k of [3, 4]) statistics.add(node.input?.[k] ?? '');
    for (const t of initializers) {
      const name = t.name ?? '';
      const value = decodeTensor(t, `initializer '${name}'`);
      if (value instanceof Tensor) {
        const state = statistics.has(name) ? value : new Parameter(value);
        this._values.set(name, state);
        this.place(name, state);
      } else {
        this._values.set(name, value);
      }
    }
  }

  /** Registers a parameter or buffer under its dotted name, making the scopes on the way. */
  private place(name: string, value: Parameter | Tensor): void {
    const parts = name.split('.').map((p) => p.replace(/[^A-Za-z0-9_$]/g, '_').replace(/^_+/, '') || 'p');
    let scope: Module = this;
    for (const part of parts.slice(0, -1)) {
      const next = (scope as unknown as Record<string, unknown>)[part];
      if (next === undefined) {
        const made = new OnnxScope();
        (scope as unknown as Record<string, unknown>)[part] = made;
        scope = made;
      } else if (next instanceof OnnxScope) {
        scope = next;
      } else {
        return this.place(name.replace(/\./g, '_'), value);
      }
    }
    const leaf = parts[parts.length - 1]!;
    if ((scope as unknown as Record<string, unknown>)[leaf] !== undefined || (scope === this && leaf in this)) {
      if (name.includes('.')) return this.place(name.replace(/\./g, '_'), value);
      return this.place(`${name}_`, value);
    }
    if (value instanceof Parameter) (scope as unknown as Record<string, unknown>)[leaf] = value;
    else if (scope instanceof OnnxScope) scope.addBuffer(leaf, value);
    else this.registerBuffer(leaf, value);
  }

  /** The ONNX operator set the graph was written for. */
  get opsetVersion(): number {
    return this._opset;
  }

  /**
   * Runs the graph on `input`.
   * @param input the graph input, e.g. `[N, 1, 28, 28]`; its fixed sizes must match the graph's
   * @returns the graph output
   */
  forward(input: Tensor | Variable): Variable {
    if (!(input instanceof Tensor) && !(input instanceof Variable))
      throw typeError('OnnxModel', `input must be a Tensor or Variable, got ${describeValue(input)}`);
    const dims = this._inputDims;
    if (
      dims.length > 0 &&
      (dims.length !== input.ndim || dims.some((d, i) => typeof d === 'number' && d !== input.shape[i]))
    ) {
      throw shapeError(
        'OnnxModel',
        `input '${this._inputName}' must be [${dims.join(', ')}], got ${formatShape(input.shape)}`,
      );
    }
    const env = new Map<string, NodeValue>(this._values);
    env.set(this._inputName, input instanceof Variable ? input : new Variable(input));
    for (const { node, where } of this._nodes) {
      const inputs = (node.input ?? []).map((name) => {
        if (name === '') return undefined;
        const v = env.get(name);
        if (v === undefined)
          throw typeError(OP, `${where} reads '${name}', which no earlier node or initializer gives`);
        return v;
      });
      const run: OnnxNodeRun = {
        where,
        inputs,
        attributes: new Map((node.attribute ?? []).map((a) => [a.name, a])),
        opset: this._opset,
        training: this.training,
      };
      const got = IMPORTERS[node.op_type]!(run);
      const outs = Array.isArray(got) ? got : [got];
      (node.output ?? []).forEach((name, k) => {
        if (name !== '' && outs[k] !== undefined) env.set(name, outs[k]!);
      });
    }
    const y = env.get(this._outputName);
    if (y instanceof Variable) return y;
    if (y instanceof Tensor) return new Variable(y);
    throw typeError(
      OP,
      `the graph output '${this._outputName}' is ${y === undefined ? 'never computed' : 'an integer tensor'}`,
    );
  }
}

/**
 * Reads an ONNX model (the bytes of a `.onnx` file, e.g. from PyTorch's `torch.onnx.export`) as a
 * trainable Torchlet Module (see `OnnxModel`). Supported node types are those `IMPORTERS` lists
 * (convolutions, pools, Gemm/MatMul, batch norm, elementwise arithmetic, activations, softmax,
 * reshapes and the shape arithmetic exporters write around them); any other node is a TypeError
 * naming the node and its op type. Models over 2 GB (external data) are out of scope.
 * @example const model = importOnnx(readFileSync('lenet.onnx')); model.forward(x) // fine-tune as any Module
 */
export function importOnnx(bytes: Uint8Array): OnnxModel {
  return new OnnxModel(bytes);
}

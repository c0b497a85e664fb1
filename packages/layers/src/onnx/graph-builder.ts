import { AttributeType, DataType } from './schema.js';

/**
 * A node attribute, its ONNX kind spelled out as the key (a JS number cannot tell `1` from `1.0`):
 * `{ int: 1 }`, `{ float: 0.2 }`, `{ ints: [1, 1] }`, `{ floats: [0.5] }`, `{ string: 'reflect' }`.
 */
export type OnnxAttribute =
  | { int: number }
  | { float: number }
  | { ints: readonly number[] }
  | { floats: readonly number[] }
  | { string: string };

export const int = (value: number): OnnxAttribute => ({ int: value });
export const float = (value: number): OnnxAttribute => ({ float: value });
export const ints = (value: readonly number[]): OnnxAttribute => ({ ints: value });
export const str = (value: string): OnnxAttribute => ({ string: value });

export interface NodeSpec {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  /** The operator set the op type comes from; '' is ONNX's own. */
  domain: string;
  attributes: Record<string, OnnxAttribute>;
}

export interface InitializerSpec {
  name: string;
  dims: number[];
  dataType: number;
  /** Little-endian element bytes, as ONNX's `raw_data` requires. */
  raw: Uint8Array;
}

/** A graph input or output: name, element type and dims (a string dim is symbolic, e.g. `'N'`). */
export interface ValueSpec {
  name: string;
  dims: (number | string)[];
}

/**
 * Collects an ONNX graph: nodes in topological order (the order layers ran), initializers and
 * unique value names. It speaks in plain objects; `toModelObject` shapes them as the protobuf
 * messages of `schema.ts` for protobufjs to encode.
 */
export class GraphBuilder {
  readonly nodes: NodeSpec[] = [];
  readonly initializers: InitializerSpec[] = [];
  private readonly names = new Set<string>();

  constructor(readonly opset: number) {}

  /** `base`, or `base_1`, `base_2`, ... if taken; reserves the name. */
  uniqueName(base: string): string {
    let name = base;
    for (let k = 1; this.names.has(name); k++) name = `${base}_${k}`;
    this.names.add(name);
    return name;
  }

  /** Reserves a name that must stay as it is (the graph input); false if it was taken. */
  reserve(name: string): boolean {
    if (this.names.has(name)) return false;
    this.names.add(name);
    return true;
  }

  /** A float32 initializer named `base` (made unique), from any numbers (float64 values round). */
  floatInitializer(base: string, values: ArrayLike<number>, dims: readonly number[]): string {
    const raw = new Uint8Array(values.length * 4);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
    return this.addInitializer(base, dims, DataType.FLOAT, raw);
  }

  /** An int64 initializer (shapes and pads for Reshape and Pad). */
  int64Initializer(base: string, values: readonly number[], dims: readonly number[]): string {
    const raw = new Uint8Array(values.length * 8);
    const view = new DataView(raw.buffer);
    values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
    return this.addInitializer(base, dims, DataType.INT64, raw);
  }

  /** A float scalar constant (dims `[]`), broadcast by the elementwise ops that read it. */
  scalar(base: string, value: number): string {
    return this.floatInitializer(base, [value], []);
  }

  private addInitializer(base: string, dims: readonly number[], dataType: number, raw: Uint8Array): string {
    const name = this.uniqueName(base);
    this.initializers.push({ name, dims: dims.slice(), dataType, raw });
    return name;
  }

  /**
   * Appends a node computing one output, named after `name` (made unique), and returns it.
   * @param inputs value names; `''` stands for an omitted optional input, as in ONNX
   */
  node(opType: string, name: string, inputs: string[], attributes: Record<string, OnnxAttribute> = {}): string {
    return this.nodeWithOutputs(opType, name, inputs, attributes, 1)[0]!;
  }

  /** As `node`, for an operator with `count` outputs (`name`, `name_1`, ...); returns their names. */
  nodeWithOutputs(
    opType: string,
    name: string,
    inputs: string[],
    attributes: Record<string, OnnxAttribute>,
    count: number,
    domain = '',
  ): string[] {
    const nodeName = this.uniqueName(name);
    const outputs = [nodeName];
    for (let k = 1; k < count; k++) outputs.push(this.uniqueName(`${nodeName}_${k}`));
    this.nodes.push({ opType, name: nodeName, inputs, outputs, attributes, domain });
    return outputs;
  }

  /** Renames the value `from` to `to` wherever a node reads or writes it (the graph output's name). */
  renameValue(from: string, to: string): void {
    for (const n of this.nodes) {
      n.inputs = n.inputs.map((v) => (v === from ? to : v));
      n.outputs = n.outputs.map((v) => (v === from ? to : v));
    }
  }

  /** The ModelProto as a plain object for `onnx.ModelProto.fromObject`. */
  toModelObject(options: {
    input: ValueSpec;
    output: ValueSpec;
    irVersion: number;
    graphName: string;
    producerVersion: string;
    docString: string;
    metadata: Record<string, string>;
  }): object {
    // Each custom domain a user's converter wrote into gets version 1, as custom operators usually are.
    const domains = [...new Set(this.nodes.map((n) => n.domain).filter((d) => d !== ''))];
    return {
      ir_version: options.irVersion,
      opset_import: [{ domain: '', version: this.opset }, ...domains.map((domain) => ({ domain, version: 1 }))],
      producer_name: 'torchlet',
      producer_version: options.producerVersion,
      doc_string: options.docString,
      graph: {
        name: options.graphName,
        node: this.nodes.map((n) => ({
          input: n.inputs,
          output: n.outputs,
          name: n.name,
          op_type: n.opType,
          domain: n.domain,
          attribute: Object.entries(n.attributes).map(([key, a]) => attributeObject(key, a)),
        })),
        initializer: this.initializers.map((t) => ({
          name: t.name,
          dims: t.dims,
          data_type: t.dataType,
          raw_data: t.raw,
        })),
        input: [valueInfo(options.input)],
        output: [valueInfo(options.output)],
      },
      metadata_props: Object.entries(options.metadata).map(([key, value]) => ({ key, value })),
    };
  }
}

function attributeObject(name: string, a: OnnxAttribute): object {
  if ('int' in a) return { name, type: AttributeType.INT, i: a.int };
  if ('float' in a) return { name, type: AttributeType.FLOAT, f: a.float };
  if ('ints' in a) return { name, type: AttributeType.INTS, ints: a.ints.slice() };
  if ('floats' in a) return { name, type: AttributeType.FLOATS, floats: a.floats.slice() };
  return { name, type: AttributeType.STRING, s: new TextEncoder().encode(a.string) };
}
function valueInfo(v: ValueSpec): object {
  return {
    name: v.name,
    type: {
      tensor_type: {
        elem_type: DataType.FLOAT,
        shape: { dim: v.dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

import { AttributeType, DataType } from './schema.js';

/** A node attribute with its ONNX kind spelled out (a JS number cannot tell `1` from `1.0`). */
export type Attribute =
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'ints'; value: readonly number[] }
  | { type: 'floats'; value: readonly number[] }
  | { type: 'string'; value: string };

export const int = (value: number): Attribute => ({ type: 'int', value });
export const float = (value: number): Attribute => ({ type: 'float', value });
export const ints = (value: readonly number[]): Attribute => ({ type: 'ints', value });
export const str = (value: string): Attribute => ({ type: 'string', value });

export interface NodeSpec {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, Attribute>;
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
  node(opType: string, name: string, inputs: string[], attributes: Record<string, Attribute> = {}): string {
    const nodeName = this.uniqueName(name);
    this.nodes.push({ opType, name: nodeName, inputs, outputs: [nodeName], attributes });
    return nodeName;
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
  }): object {
    return {
      ir_version: options.irVersion,
      opset_import: [{ domain: '', version: this.opset }],
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
    };
  }
}

function attributeObject(name: string, a: Attribute): object {
  switch (a.type) {
    case 'int':
      return { name, type: AttributeType.INT, i: a.value };
    case 'float':
      return { name, type: AttributeType.FLOAT, f: a.value };
    case 'ints':
      return { name, type: AttributeType.INTS, ints: a.value.slice() };
    case 'floats':
      return { name, type: AttributeType.FLOATS, floats: a.value.slice() };
    case 'string':
      return { name, type: AttributeType.STRING, s: new TextEncoder().encode(a.value) };
  }
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

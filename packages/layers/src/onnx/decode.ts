import { Tensor, typeError } from '@torchlet/tensor';
import { onnxModelType } from './schema.js';

const OP = 'importOnnx';

/** A TensorProto as protobufjs decodes it (fields absent when empty). */
export interface TensorMessage {
  name?: string;
  dims?: number[];
  data_type?: number;
  raw_data?: Uint8Array;
  float_data?: number[];
  double_data?: number[];
  int32_data?: number[];
  int64_data?: number[];
  data_location?: number;
  external_data?: { key: string; value: string }[];
}

export interface AttributeMessage {
  name: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorMessage;
  floats?: number[];
  ints?: number[];
}

export interface NodeMessage {
  name?: string;
  op_type: string;
  domain?: string;
  input?: string[];
  output?: string[];
  attribute?: AttributeMessage[];
}

interface ValueInfoMessage {
  name: string;
  type?: { tensor_type?: { elem_type?: number; shape?: { dim?: { dim_value?: number; dim_param?: string }[] } } };
}

export interface ModelMessage {
  ir_version?: number;
  opset_import?: { domain?: string; version?: number }[];
  producer_name?: string;
  producer_version?: string;
  graph?: {
    name?: string;
    node?: NodeMessage[];
    initializer?: TensorMessage[];
    input?: ValueInfoMessage[];
    output?: ValueInfoMessage[];
  };
}

/** The ModelProto in `bytes`, as plain objects; a TypeError naming importOnnx for bytes that are not one. */
export function decodeModel(bytes: Uint8Array): ModelMessage {
  if (!(bytes instanceof Uint8Array)) throw typeError(OP, 'bytes must be a Uint8Array (the contents of a .onnx file)');
  const ModelProto = onnxModelType();
  try {
    return ModelProto.toObject(ModelProto.decode(bytes), { longs: Number }) as ModelMessage;
  } catch (e) {
    throw typeError(OP, `the bytes are not an ONNX model (${(e as Error).message})`);
  }
}

/** An int64 (or int32) tensor's values: shapes, axes, pads, indices. */
export interface IntValues {
  readonly ints: number[];
  readonly dims: number[];
}

/** TensorProto.DataType: FLOAT 1, INT32 6, INT64 7, BOOL 9, DOUBLE 11. */
const FLOAT = 1;
const INT32 = 6;
const INT64 = 7;
const BOOL = 9;
const DOUBLE = 11;

/**
 * A decoded tensor: float data as a float32 Tensor, integer data as plain numbers.
 * @throws TypeError for external data (models over 2 GB, out of scope) and element types other than
 *   float, double, int32, int64 and bool
 */
export function decodeTensor(t: TensorMessage, what: string): Tensor | IntValues {
  if (t.data_location === 1 || (t.external_data?.length ?? 0) > 0) {
    throw typeError(
      OP,
      `${what} keeps its data in an external file (ONNX's format for models over 2 GB), which importOnnx does not read`,
    );
  }
  const dims = (t.dims ?? []).map(Number);
  const size = dims.reduce((a, b) => a * b, 1);
  const raw = t.raw_data && t.raw_data.length > 0 ? t.raw_data : null;
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : null;
  const type = t.data_type ?? 0;
  if (type === FLOAT || type === DOUBLE) {
    const out = new Float32Array(size);
    const width = type === FLOAT ? 4 : 8;
    if (view) {
      checkLength(raw!.byteLength, size * width, what);
      for (let i = 0; i < size; i++)
        out[i] = type === FLOAT ? view.getFloat32(i * 4, true) : view.getFloat64(i * 8, true);
    } else {
      const list = (type === FLOAT ? t.float_data : t.double_data) ?? [];
      checkLength(list.length, size, what);
      out.set(list);
    }
    return new Tensor(out, dims);
  }
  if (type === INT64 || type === INT32 || type === BOOL) {
    const ints: number[] = [];
    if (view) {
      const width = type === INT64 ? 8 : type === INT32 ? 4 : 1;
      checkLength(raw!.byteLength, size * width, what);
      for (let i = 0; i < size; i++)
        ints.push(
          type === INT64
            ? Number(view.getBigInt64(i * 8, true))
            : type === INT32
              ? view.getInt32(i * 4, true)
              : view.getUint8(i),
        );
    } else {
      const list = (type === INT64 ? t.int64_data : t.int32_data) ?? [];
      checkLength(list.length, size, what);
      ints.push(...list.map(Number));
    }
    return { ints, dims };
  }
  throw typeError(
    OP,
    `${what} has element type ${type}; importOnnx reads float, double, int32, int64 and bool tensors`,
  );
}

function checkLength(got: number, want: number, what: string): void {
  if (got !== want) throw typeError(OP, `${what} holds ${got} values (or bytes) where its dims need ${want}`);
}

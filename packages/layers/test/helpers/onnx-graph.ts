import { noGrad } from '@torchlet/autograd';
import type { Module } from '@torchlet/layers';
import { randn, type Generator } from '@torchlet/tensor';
import { onnxModelType } from '../../src/onnx/schema.js';

/** The parts of a decoded ModelProto the tests read. */
export interface DecodedModel {
  producer_version: string;
  doc_string: string;
  metadata_props?: { key: string; value: string }[];
  opset_import: { version: number }[];
  graph: {
    node: { op_type: string; name: string }[];
    initializer?: { name: string }[];
    input: { type: { tensor_type: { shape: { dim: { dim_param?: string; dim_value?: number }[] } } } }[];
  };
}

/** The model in `bytes` as plain objects (int64 fields as numbers). */
export function decodeOnnx(bytes: Uint8Array): DecodedModel {
  return onnxModelType().toObject(onnxModelType().decode(bytes), { longs: Number }) as DecodedModel;
}

/** Runs a few training-mode batches so batch norm's running statistics are far from 0 and 1. */
export function warmUp(model: Module, shape: number[], g: Generator): void {
  model.train();
  noGrad(() => {
    for (let i = 0; i < 3; i++) model.forward(randn(shape, { generator: g }));
  });
  model.eval();
}

import type { Variable } from '@torchlet/autograd';
import type { Tensor } from '@torchlet/tensor';
import type { OnnxAttribute } from './graph-builder.js';

/**
 * One traced op call, as an ONNX converter sees it: what the op was called with, and the means to
 * write the ONNX nodes that compute the same thing. Tensor arguments are read as ONNX value names
 * through `input(i)` / `value(t)`: a value an earlier op made, the graph input, or an initializer
 * (a parameter or buffer under its state-dict name, or a constant the forward made).
 */
export interface OnnxOpCall {
  /** The op's name, as given to `defineOp` (`'conv'`, `'add'`, a user op's name). */
  readonly op: string;
  /** The node name to use: the path of the module the op ran in, and the op (`layer1.0.conv`). */
  readonly name: string;
  /** The op's arguments as the forward passed them: Variables, Tensors, numbers, option objects. */
  readonly args: readonly unknown[];
  /** The shape of each output the op returned, for the sample input. */
  readonly outputShapes: readonly (readonly number[])[];
  /** The ONNX operator set being written (13–21). */
  readonly opset: number;
  /**
   * Whether axis 0 of the graph input is a symbolic batch size: a shape written into the graph
   * (Reshape, Expand) must then copy that axis rather than fix the sample's batch.
   */
  readonly dynamicBatch: boolean;
  /** The ONNX value of tensor argument `i` (a TypeError if that argument is not a tensor). */
  input(i: number): string;
  /** The shape of tensor argument `i`. */
  inputShape(i: number): readonly number[];
  /**
   * Whether tensor argument `i` was computed from the graph input, so that under `dynamicBatch` its
   * axis 0 is the batch, whatever size the sample had (constants and parameters are not).
   */
  batched(i: number): boolean;
  /** The ONNX value holding `tensor` (an argument, or a tensor an argument holds, like running statistics). */
  value(tensor: Variable | Tensor): string;
  /**
   * Appends a node with one output and returns the output's name.
   * @param inputs value names; `''` for an omitted optional input, as in ONNX
   * @param attributes `{ alpha: { float: 0.2 }, perm: { ints: [0, 2, 1] } }`
   * @param domain the operator set of a custom op type (default ONNX's own, `''`)
   */
  node(opType: string, inputs: readonly string[], attributes?: Record<string, OnnxAttribute>, domain?: string): string;
  /** As `node`, for an operator with `count` outputs; returns their names. */
  nodeWithOutputs(
    opType: string,
    inputs: readonly string[],
    attributes: Record<string, OnnxAttribute>,
    count: number,
  ): string[];
  /** A float32 initializer (a constant), e.g. a scale; `dims` `[]` for a scalar. */
  floats(values: ArrayLike<number>, dims: readonly number[]): string;
  /** An int64 initializer: shapes, axes, pads, indices. */
  int64s(values: readonly number[], dims?: readonly number[]): string;
}

/**
 * Writes the ONNX nodes of one op call and returns the value name of each output the op returned
 * (one name for an op with one output). `null` marks an output ONNX cannot give (max pooling's
 * indices): exporting a forward that reads it is an error.
 */
export type OnnxConverter = (call: OnnxOpCall) => string | readonly (string | null)[];

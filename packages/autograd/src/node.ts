import type { Tensor } from '@torchlet/tensor';
import type { AnomalyContext } from './anomaly.js';
import type { Context } from './function.js';
import type { Variable } from './variable.js';

/**
 * One recorded op in the graph. It keeps the inputs it must send gradients to (`inputs[i]` is null
 * for arguments that were not differentiable values) and the context its backward reads.
 */
export interface Node {
  readonly name: string;
  /** Emptied when a backward without retainGraph frees the node, so a kept output pins no activations. */
  inputs: ReadonlyArray<Variable | null>;
  readonly ctx: Context;
  /**
   * Shapes and dtypes of the outputs, to materialise zero gradients for unused outputs; `differentiable`
   * is false for outputs the op marked non-differentiable (they never receive a gradient).
   */
  readonly outputs: ReadonlyArray<{ shape: readonly number[]; dtype: Tensor['dtype']; differentiable?: boolean }>;
  /** Maps the outputs' gradients to one gradient per input (null where none is needed). */
  readonly backward: (ctx: Context, gradOutputs: Tensor[]) => ReadonlyArray<Tensor | null | undefined>;
  /** Set when a backward without retainGraph has run through this node and freed its buffers. */
  released: boolean;
  /** Where the op was created, recorded only while anomaly detection is on (for backward errors). */
  readonly anomaly?: AnomalyContext | null;
}

import type { Tensor } from '@torchlet/tensor';
import type { AnomalyContext } from './anomaly.js';
import type { OpContext } from './function.js';
import type { Variable } from './variable.js';

/**
 * One recorded op in the graph. It keeps the inputs it must send gradients to (`inputs[i]` is null
 * for arguments that were not differentiable values) and the context its backward reads.
 */
export interface Node {
  readonly name: string;
  /** Emptied when a backward without retainGraph frees the node, so a kept output pins no activations. */
  inputs: ReadonlyArray<Variable | null>;
  /** The op call's context; the engine `release()`s it once backward has run (unless retainGraph). */
  readonly ctx: OpContext<unknown>;
  /**
   * Shapes and dtypes of the outputs, to materialise zero gradients for unused outputs; `differentiable`
   * is false for outputs the op marked non-differentiable (they never receive a gradient).
   */
  readonly outputs: ReadonlyArray<{ shape: readonly number[]; dtype: Tensor['dtype']; differentiable?: boolean }>;
  /** Maps the outputs' gradients to one gradient per input (null where none is needed). */
  readonly backward: (gradOutputs: Tensor[]) => ReadonlyArray<Tensor | null | undefined>;
  /**
   * The same map written in differentiable ops, run by a backward with `createGraph` so the
   * gradients join a graph of their own (an op without a differentiable backward returns gradients
   * whose further differentiation raises a TypeError naming it).
   */
  readonly backwardGraph: (gradOutputs: Variable[]) => ReadonlyArray<Variable | null | undefined>;
  /** Set when a backward without retainGraph has run through this node and freed its buffers. */
  released: boolean;
  /** Where the op was created, recorded only while anomaly detection is on (for backward errors). */
  readonly anomaly?: AnomalyContext | null;
}

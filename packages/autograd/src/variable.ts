import {
  checkOptions,
  copy_ as copyInto,
  describeValue,
  formatShape,
  printWithToString,
  shapeError,
  typeError,
  type DType,
  type NestedArray,
  Tensor,
} from '@torchlet/tensor';
import type { Node } from './node.js';
import { runBackward } from './engine.js';

export interface VariableOptions {
  /** Record ops on this value so `backward()` reaches it. Default false. */
  requiresGrad?: boolean;
}

export interface BackwardOptions {
  /** Keep the saved buffers so backward can run through this graph again. Default: `createGraph`. */
  retainGraph?: boolean;
  /**
   * Record the backward pass too, so the gradients can be differentiated again (Hessian-vector
   * products): each leaf's `gradVariable` is its gradient as a Variable in that graph. Default false.
   */
  createGraph?: boolean;
}

/**
 * A differentiable value: a `Tensor` (`data`) plus its place in the graph.
 *
 * Why a wrapper and not a flag on Tensor: `@torchlet/tensor` knows nothing of gradients, so its
 * kernels stay plain functions over arrays, and the graph lives here in one small class. A leaf
 * made with `requiresGrad: true` collects `grad` after `backward()`; a value an op produced holds
 * `gradFn`, the node that knows how to send gradients to the op's inputs.
 */
export class Variable {
  data: Tensor;
  /** Accumulated gradient (same shape as `data`), or null before any backward reached it. */
  grad: Tensor | null = null;
  /**
   * The same gradient as a Variable whose graph was recorded, set by `backward(g, { createGraph: true })`
   * (summed over such calls) and cleared by a backward without it. Differs from PyTorch: `.grad`
   * stays a plain Tensor, so optimizers never see a graph.
   */
  gradVariable: Variable | null = null;
  requiresGrad: boolean;
  /** The node that produced this value; null for leaves (created by the user, or under noGrad). */
  readonly gradFn: Node | null;
  /** Which output of `gradFn` this is (ops may return several). */
  readonly outputIndex: number;

  constructor(data: Tensor, options: VariableOptions = {}, gradFn: Node | null = null, outputIndex = 0) {
    if (!(data instanceof Tensor))
      throw typeError('Variable', `data must be a Tensor, got ${data === null ? 'null' : typeof data}`);
    const requiresGrad = checkOptions('Variable', options, ['requiresGrad']).requiresGrad ?? false;
    if (typeof requiresGrad !== 'boolean')
      throw typeError('Variable', `requiresGrad must be a boolean, got ${describeValue(requiresGrad)}`);
    if (requiresGrad && data.dtype === 'int32') {
      throw typeError(
        'Variable',
        `only floating-point values can require gradients; data is int32 ${formatShape(data.shape)}`,
      );
    }
    this.data = data;
    this.requiresGrad = requiresGrad || gradFn !== null;
    this.gradFn = gradFn;
    this.outputIndex = outputIndex;
  }

  get shape(): readonly number[] {
    return this.data.shape;
  }
  get dtype(): DType {
    return this.data.dtype;
  }
  get ndim(): number {
    return this.data.ndim;
  }
  get size(): number {
    return this.data.size;
  }
  /** A leaf is a value no recorded op produced; only leaves accumulate `grad`. */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /**
   * Back-propagates from this value: adds d(this)/d(leaf) · gradient into every leaf's `grad`.
   * @param gradient same shape as this value; may be omitted only for a one-element value (taken as 1)
   * @throws ShapeError for a non-scalar without `gradient`, or a gradient of another shape
   */
  backward(gradient?: Tensor | Variable, options: BackwardOptions = {}): void {
    if (!this.requiresGrad) {
      throw typeError(
        'backward',
        'this value does not require grad and has no gradFn: no input was created with requiresGrad: true (or it was computed under noGrad)',
      );
    }
    let seed: Tensor | Variable;
    if (gradient === undefined) {
      if (this.size !== 1) {
        throw shapeError(
          'backward',
          `gradient can be implied only for a one-element output; this output is ${formatShape(this.shape)}, pass a gradient of that shape`,
        );
      }
      seed = new Tensor(arrayLike(this.data, 1), this.shape);
    } else {
      if (!(gradient instanceof Tensor) && !(gradient instanceof Variable))
        throw typeError('backward', `gradient must be a Tensor or Variable, got ${describeValue(gradient)}`);
      if (gradient.shape.length !== this.shape.length || gradient.shape.some((d, i) => d !== this.shape[i])) {
        throw shapeError(
          'backward',
          `gradient is ${formatShape(gradient.shape)} but the output is ${formatShape(this.shape)}`,
        );
      }
      seed = gradient;
    }
    const { createGraph = false, retainGraph = createGraph } = checkOptions('backward', options, [
      'retainGraph',
      'createGraph',
    ]);
    if (typeof retainGraph !== 'boolean')
      throw typeError('backward', `retainGraph must be a boolean, got ${describeValue(retainGraph)}`);
    if (typeof createGraph !== 'boolean')
      throw typeError('backward', `createGraph must be a boolean, got ${describeValue(createGraph)}`);
    if (createGraph) seed = seed instanceof Variable ? seed : new Variable(seed);
    else if (seed instanceof Variable) seed = seed.data;
    runBackward([this], [seed], { retainGraph, createGraph, capture: null });
  }

  /** The same data cut off from the graph (shares storage, does not require grad). */
  detach(): Variable {
    return new Variable(this.data);
  }

  /** Sets `requiresGrad` on a leaf in place and returns it (like `tensor.requires_grad_()`). */
  requiresGrad_(requiresGrad = true): this {
    if (!this.isLeaf)
      throw typeError('requiresGrad_', 'only leaves can change requiresGrad; use detach() to make a new leaf');
    if (requiresGrad && this.dtype === 'int32')
      throw typeError('requiresGrad_', 'only floating-point values can require gradients');
    this.requiresGrad = requiresGrad;
    return this;
  }

  /**
   * Writes `src` into this value's storage in place (broadcast to its shape; a number fills), as
   * `torch.Tensor.copy_` under `no_grad`: nothing is recorded, and the storage's version is bumped,
   * so a graph that saved this value for backward refuses to use the overwritten values.
   * @throws TypeError for a value an op produced (its graph would not see the write; `detach()` first);
   *   ShapeError if `src` does not broadcast to this value's shape
   */
  copy_(src: Variable | Tensor | number): this {
    if (this.gradFn !== null) {
      throw typeError(
        'copy_',
        `cannot write in place into a value computed by ${this.gradFn.name} (the graph would not see it); write into a leaf, or detach() first`,
      );
    }
    copyInto(this.data, src instanceof Variable ? src.data : src);
    return this;
  }

  item(): number {
    return this.data.item();
  }

  toArray(): NestedArray {
    return this.data.toArray();
  }

  toString(): string {
    const body = this.data.toString();
    const tail = this.gradFn ? `, gradFn=<${this.gradFn.name}>` : this.requiresGrad ? ', requiresGrad=true' : '';
    return tail ? `${body.slice(0, -1)}${tail})` : body;
  }
}
printWithToString(Variable);

function arrayLike(t: Tensor, value: number) {
  const a = t.dtype === 'float64' ? new Float64Array(t.size) : new Float32Array(t.size);
  a.fill(value);
  return a;
}

/** Wraps a tensor as a Variable (or returns a Variable unchanged). */
export function variable(data: Tensor | Variable, options: VariableOptions = {}): Variable {
  if (data instanceof Variable) return data;
  return new Variable(data, options);
}

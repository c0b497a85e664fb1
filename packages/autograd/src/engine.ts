import * as T from '@torchlet/tensor';
import { formatShape, shapeError, Tensor, typeError } from '@torchlet/tensor';
import { withGradMode } from './grad-mode.js';
import type { Node } from './node.js';
import { add } from './ops/arithmetic.js';
import { Variable } from './variable.js';

/** A gradient on its way: a plain Tensor, or with `createGraph` a Variable whose own graph is recorded. */
type Grad = Tensor | Variable;

export interface BackwardRun {
  /** Keep the saved buffers so backward can run through this graph again. */
  retainGraph: boolean;
  /** Record the backward pass itself (each op's differentiable backward), for gradients of gradients. */
  createGraph: boolean;
  /**
   * For `grad()`: collect the gradients that reach these values, run only the part of the graph that
   * leads to them, and leave every leaf's `.grad` alone. Null for `backward()`, which accumulates
   * into the leaves.
   */
  capture: ReadonlySet<Variable> | null;
}

/**
 * The reverse pass from `roots` seeded with `seeds` (same shapes). Nodes run in reverse topological
 * order (found iteratively, so deep graphs do not overflow the stack); each node's output gradients
 * are summed before it runs, since a value used by several consumers receives a gradient from each.
 * Leaves accumulate into `.grad` (or, with `capture`, the captured values' gradients are returned).
 * Unless `retainGraph`, every node that ran has its saved buffers freed.
 */
export function runBackward(roots: readonly Variable[], seeds: readonly Grad[], run: BackwardRun): Map<Variable, Grad> {
  const { retainGraph, createGraph, capture } = run;
  const captured = new Map<Variable, Grad>();
  const sum = (a: Grad | undefined, b: Grad): Grad =>
    a === undefined ? b : createGraph ? add(a as Variable, b as Variable) : T.add(a as Tensor, b as Tensor);
  const pending = new Map<Node, (Grad | null)[]>();
  const send = (v: Variable, g: Grad): void => {
    if (capture !== null) {
      if (capture.has(v)) captured.set(v, sum(captured.get(v), g));
      if (v.gradFn !== null && needed!.has(v.gradFn)) addAt(pending, v.gradFn, v.outputIndex, g, sum);
    } else if (v.gradFn === null) accumulate(v, g);
    else addAt(pending, v.gradFn, v.outputIndex, g, sum);
  };
  const order = topologicalOrder(roots.map((r) => r.gradFn).filter((n): n is Node => n !== null));
  // With capture, only the nodes a captured value can be reached from need to run.
  const needed = capture === null ? null : neededNodes(order, capture);
  roots.forEach((root, i) => send(root, seeds[i]!));
  for (const node of order) {
    const grads = pending.get(node);
    pending.delete(node);
    if (!grads) continue;
    if (node.released) {
      throw typeError(
        'backward',
        `the graph through ${node.name} was freed by an earlier backward(); pass { retainGraph: true } to the first backward() to run backward twice`,
      );
    }
    let gradInputs: ReadonlyArray<Grad | null | undefined>;
    if (createGraph) {
      const gradOutputs = node.outputs.map((o, i) => (grads[i] as Variable | null) ?? new Variable(zeroGradient(o)));
      gradInputs = withGradMode(true, () => node.backwardGraph(gradOutputs));
    } else {
      gradInputs = node.backward(node.outputs.map((o, i) => (grads[i] as Tensor | null) ?? zeroGradient(o)));
    }
    node.inputs.forEach((input, i) => {
      const g = gradInputs[i];
      if (input !== null && g != null) send(input, g);
    });
    if (!retainGraph) {
      node.ctx.release();
      node.released = true;
      // The edges go too: the input Variables hold their forward values, and a loss kept for
      // logging would otherwise pin every activation of its step.
      node.inputs = [];
    }
  }
  return captured;
}

/**
 * The gradient of an output nothing used: zeros. A non-differentiable output (max-pool indices) gets
 * one zero seen through all-zero strides, since its op never reads it: no buffer of its size is
 * allocated and cleared per step (LeNet-5's pooling indices: 0.4 MB a step).
 */
function zeroGradient(o: Node['outputs'][number]): Tensor {
  if (o.differentiable !== false) return T.full(o.shape, 0, { dtype: o.dtype });
  return new Tensor(
    T.full([], 0, { dtype: o.dtype }).data,
    o.shape,
    o.shape.map(() => 0),
  );
}

function addAt(
  pending: Map<Node, (Grad | null)[]>,
  node: Node,
  index: number,
  g: Grad,
  sum: (a: Grad | undefined, b: Grad) => Grad,
): void {
  let grads = pending.get(node);
  if (!grads) pending.set(node, (grads = []));
  while (grads.length < node.outputs.length) grads.push(null);
  grads[index] = sum(grads[index] ?? undefined, g);
}

function accumulate(leaf: Variable, g: Grad): void {
  if (!leaf.requiresGrad) return;
  const value = g instanceof Variable ? g.data : g;
  if (value.shape.length !== leaf.shape.length || value.shape.some((d, i) => d !== leaf.shape[i])) {
    throw shapeError(
      'backward',
      `gradient of shape ${formatShape(value.shape)} does not fit the leaf of shape ${formatShape(leaf.shape)}`,
    );
  }
  // Gradients are never written in place, so keeping `g` itself (it may alias another buffer) is
  // safe; but a movement op's backward may hand over a strided view, and `.grad` is packed.
  leaf.grad = leaf.grad === null ? T.contiguous(value) : T.add(leaf.grad, value);
  if (g instanceof Variable) leaf.gradVariable = leaf.gradVariable === null ? g : add(leaf.gradVariable, g);
  else leaf.gradVariable = null;
}

/** The nodes from which a value in `capture` can be reached (whose backward leads to it). */
function neededNodes(order: readonly Node[], capture: ReadonlySet<Variable>): Set<Node> {
  const needed = new Set<Node>();
  // `order` lists consumers before producers; walk it backwards so a node's producers are decided first.
  for (let k = order.length - 1; k >= 0; k--) {
    const node = order[k]!;
    if (node.inputs.some((v) => v !== null && (capture.has(v) || (v.gradFn !== null && needed.has(v.gradFn)))))
      needed.add(node);
  }
  return needed;
}

/** Nodes reachable from `roots`, each after every node that consumes its outputs. */
function topologicalOrder(roots: readonly Node[]): Node[] {
  const visited = new Set<Node>();
  const postOrder: Node[] = [];
  for (const root of roots) {
    if (visited.has(root)) continue;
    visited.add(root);
    const stack: { node: Node; next: number }[] = [{ node: root, next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const inputs = top.node.inputs;
      let pushed = false;
      while (top.next < inputs.length) {
        const parent = inputs[top.next++]?.gradFn;
        if (parent && !visited.has(parent)) {
          visited.add(parent);
          stack.push({ node: parent, next: 0 });
          pushed = true;
          break;
        }
      }
      if (!pushed && top.next >= inputs.length) {
        postOrder.push(top.node);
        stack.pop();
      }
    }
  }
  return postOrder.reverse();
}

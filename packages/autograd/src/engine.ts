import { add, contiguous, formatShape, full, shapeError, Tensor, typeError } from '@torchlet/tensor';
import type { Node } from './node.js';
import type { Variable } from './variable.js';

/**
 * The reverse pass. Nodes run in reverse topological order (found iteratively, so deep graphs do
 * not overflow the stack); each node's output gradients are summed before it runs, since a value
 * used by several consumers receives a gradient from each. Leaves accumulate into `.grad`. Unless
 * `retainGraph`, every node's saved buffers are freed once it has run.
 */
export function runBackward(root: Variable, seed: Tensor, retainGraph: boolean): void {
  if (root.gradFn === null) {
    accumulate(root, seed);
    return;
  }
  const order = topologicalOrder(root.gradFn);
  const pending = new Map<Node, (Tensor | null)[]>();
  pending.set(root.gradFn, addAt([], root.outputIndex, seed, root.gradFn.outputs.length));
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
    const gradOutputs = node.outputs.map((o, i) => grads[i] ?? zeroGradient(o));
    const gradInputs = node.backward(gradOutputs);
    node.inputs.forEach((input, i) => {
      const g = gradInputs[i];
      if (input === null || g == null) return;
      if (input.gradFn === null) accumulate(input, g);
      else {
        const parent = input.gradFn;
        pending.set(parent, addAt(pending.get(parent) ?? [], input.outputIndex, g, parent.outputs.length));
      }
    });
    if (!retainGraph) {
      node.ctx.release();
      node.released = true;
      // The edges go too: the input Variables hold their forward values, and a loss kept for
      // logging would otherwise pin every activation of its step.
      node.inputs = [];
    }
  }
}

/**
 * The gradient of an output nothing used: zeros. A non-differentiable output (max-pool indices) gets
 * one zero seen through all-zero strides, since its op never reads it: no buffer of its size is
 * allocated and cleared per step (LeNet-5's pooling indices: 0.4 MB a step).
 */
function zeroGradient(o: Node['outputs'][number]): Tensor {
  if (o.differentiable !== false) return full(o.shape, 0, { dtype: o.dtype });
  return new Tensor(
    full([], 0, { dtype: o.dtype }).data,
    o.shape,
    o.shape.map(() => 0),
  );
}

function addAt(grads: (Tensor | null)[], index: number, g: Tensor, length: number): (Tensor | null)[] {
  while (grads.length < length) grads.push(null);
  const prev = grads[index];
  grads[index] = prev ? add(prev, g) : g;
  return grads;
}

function accumulate(leaf: Variable, g: Tensor): void {
  if (!leaf.requiresGrad) return;
  if (g.shape.length !== leaf.shape.length || g.shape.some((d, i) => d !== leaf.shape[i])) {
    throw shapeError(
      'backward',
      `gradient of shape ${formatShape(g.shape)} does not fit the leaf of shape ${formatShape(leaf.shape)}`,
    );
  }
  // Gradients are never written in place, so keeping `g` itself (it may alias another buffer) is
  // safe; but a movement op's backward may hand over a strided view, and `.grad` is packed.
  leaf.grad = leaf.grad === null ? contiguous(g) : add(leaf.grad, g);
}

/** Nodes reachable from `root`, each after every node that consumes its outputs. */
function topologicalOrder(root: Node): Node[] {
  const visited = new Set<Node>();
  const postOrder: Node[] = [];
  const stack: { node: Node; next: number }[] = [{ node: root, next: 0 }];
  visited.add(root);
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
  return postOrder.reverse();
}

import { checkOptions, optionKeys, describeValue, formatShape, shapeError, Tensor, typeError } from '@torchlet/tensor';
import * as T from '@torchlet/tensor';
import { runBackward } from './engine.js';
import { Variable } from './variable.js';

export interface GradOptions {
  /**
   * d(loss)/d(output) for each output (a Tensor or Variable of its shape); may be omitted for
   * one-element outputs (taken as 1). One per output, or a single one for a single output.
   */
  gradOutputs?: Tensor | Variable | readonly (Tensor | Variable | null | undefined)[] | null;
  /** Keep the graph's saved buffers for another backward. Default: `createGraph`. */
  retainGraph?: boolean;
  /** Record the backward too, so the returned gradients can be differentiated again. Default false. */
  createGraph?: boolean;
  /** Return null for an input the outputs do not depend on, instead of throwing. Default false. */
  allowUnused?: boolean;
}

const GRAD_OPTIONS = optionKeys<GradOptions>({
  gradOutputs: true,
  retainGraph: true,
  createGraph: true,
  allowUnused: true,
});

/**
 * The gradients of `outputs` with respect to `inputs`, as `torch.autograd.grad`: returned, not
 * accumulated into `.grad` (no leaf's `.grad` changes). `inputs` may be leaves or intermediate values.
 * With `createGraph` the backward pass is recorded, so the gradients are Variables that can be
 * differentiated again (gradient penalties, Hessian-vector products).
 *
 * @param outputs one Variable or several (their gradients are summed)
 * @param inputs  one Variable or several, each a value the outputs were computed from
 * @returns one gradient per input, shaped like it (null only for unused inputs with `allowUnused`)
 * @throws TypeError for an output that does not require grad, or an unused input without `allowUnused`
 * @throws ShapeError for a gradOutput of the wrong shape, or a missing one for a non-scalar output
 * @example
 * const [gx] = grad(sum(mul(x, x)), [x], { createGraph: true }); // 2x, in the graph
 * const [hx] = grad(sum(gx), [x]);                                // [2, 2, ...]
 */
export function grad(
  outputs: Variable | readonly Variable[],
  inputs: Variable | readonly Variable[],
  options: GradOptions = {},
): (Variable | null)[] {
  const op = 'grad';
  const outs = Array.isArray(outputs) ? (outputs as readonly Variable[]) : [outputs as Variable];
  const ins = Array.isArray(inputs) ? (inputs as readonly Variable[]) : [inputs as Variable];
  const {
    gradOutputs = null,
    createGraph = false,
    retainGraph = createGraph,
    allowUnused = false,
  } = checkOptions(op, options, GRAD_OPTIONS);
  for (const [key, value] of [
    ['createGraph', createGraph],
    ['retainGraph', retainGraph],
    ['allowUnused', allowUnused],
  ] as const) {
    if (typeof value !== 'boolean') throw typeError(op, `${key} must be a boolean, got ${describeValue(value)}`);
  }
  outs.forEach((o, i) => {
    if (!(o instanceof Variable)) throw typeError(op, `outputs[${i}] must be a Variable, got ${describeValue(o)}`);
    if (!o.requiresGrad)
      throw typeError(op, `outputs[${i}] does not require grad: no input of it was created with requiresGrad: true`);
  });
  ins.forEach((v, i) => {
    if (!(v instanceof Variable)) throw typeError(op, `inputs[${i}] must be a Variable, got ${describeValue(v)}`);
    if (!v.requiresGrad) throw typeError(op, `inputs[${i}] ${formatShape(v.shape)} does not require grad`);
  });
  const given =
    gradOutputs === null ? [] : Array.isArray(gradOutputs) ? gradOutputs : [gradOutputs as Tensor | Variable];
  if (given.length > 0 && given.length !== outs.length)
    throw typeError(op, `gradOutputs has ${given.length} entries for ${outs.length} outputs`);
  const seeds = outs.map((o, i) => {
    const g = given[i] ?? null;
    if (g === null) {
      if (o.size !== 1) {
        throw shapeError(
          op,
          `outputs[${i}] is ${formatShape(o.shape)}: a gradient can be implied only for a one-element output; pass gradOutputs`,
        );
      }
      return T.full(o.shape, 1, { dtype: o.dtype });
    }
    if (!(g instanceof Tensor) && !(g instanceof Variable))
      throw typeError(op, `gradOutputs[${i}] must be a Tensor or Variable, got ${describeValue(g)}`);
    if (!T.sameShape(g.shape, o.shape))
      throw shapeError(op, `gradOutputs[${i}] is ${formatShape(g.shape)} but outputs[${i}] is ${formatShape(o.shape)}`);
    return g;
  });
  const graphSeeds = seeds.map((s) =>
    createGraph ? (s instanceof Variable ? s : new Variable(s)) : s instanceof Variable ? s.data : s,
  );
  const captured = runBackward(outs, graphSeeds, { retainGraph, createGraph, capture: new Set(ins) });
  return ins.map((v, i) => {
    const g = captured.get(v);
    if (g === undefined) {
      if (allowUnused) return null;
      throw typeError(
        op,
        `inputs[${i}] ${formatShape(v.shape)} was not used to compute the outputs; pass allowUnused: true to get null for it`,
      );
    }
    return g instanceof Variable ? g : new Variable(g);
  });
}

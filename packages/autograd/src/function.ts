import {
  cast,
  describeValue,
  formatShape,
  shapeError,
  storageVersion,
  Tensor,
  typeError,
  type TypedArray,
} from '@torchlet/tensor';
import { captureAnomalyContext, checkBackwardGradients, checkForwardOutputs, isAnomalyEnabled } from './anomaly.js';
import { isGradEnabled } from './grad-mode.js';
import { isTracing, traceCall } from './trace.js';
import type { Node } from './node.js';
import { Variable } from './variable.js';

/**
 * What an op's forward sees: which inputs want a gradient (so it can skip saving what nobody will
 * use), and `save`, which hands one typed record to backward. Declaring the record's type on the
 * forward's `ctx` (`ctx: ForwardContext<{ x: Tensor }>`) types `ctx.saved` in backward.
 */
export interface ForwardContext<Saved = undefined> {
  /** `needsInputGrad[i]`: whether argument i is a Variable that requires a gradient (and grad mode is on). */
  readonly needsInputGrad: readonly boolean[];
  /**
   * Keeps `saved` for backward (call once). It is dropped after backward unless `retainGraph`, so
   * the activations it holds are freed as soon as their gradients are computed.
   */
  save(saved: Saved): void;
  /** Marks forward outputs (e.g. max-pool indices) that carry no gradient. */
  markNonDifferentiable(...outputs: Tensor[]): void;
  /**
   * Runs `fn` when the saved record is dropped: after the backward that used it, or, for a graph no
   * backward ever runs through (kept with `retainGraph`, or dropped unused, say an evaluation forward
   * outside `noGrad`), once the garbage collector has collected the graph. An op that saved a scratch
   * buffer from a pool returns it here, so the next forward reuses warm memory instead of allocating.
   */
  onRelease(fn: () => void): void;
}

/** What an op's backward sees: the record its forward saved, and which inputs want a gradient. */
export interface BackwardContext<Saved = undefined> {
  readonly needsInputGrad: readonly boolean[];
  /** The record passed to `save` in forward. */
  readonly saved: Saved;
}

/**
 * A tensor saved for backward was written in place (an optimizer step, an `init` function, `copy_`)
 * between the forward that saved it and the backward that needs it, so the gradient would be
 * computed from the wrong values. PyTorch raises the same ("modified by an inplace operation").
 */
export class InplaceModificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InplaceModificationError';
  }
}

/** One saved storage and the version it had when saved. */
interface SavedVersion {
  field: string;
  storage: TypedArray;
  shape: readonly number[] | null;
  version: number;
}

const NOTHING_SAVED: unique symbol = Symbol('nothing saved');

// Runs the onRelease hooks of contexts collected without a release (a graph no backward freed). The
// held value is the hooks array alone, never the context, so it cannot keep the graph alive.
const collected = new FinalizationRegistry<(() => void)[]>((hooks) => {
  for (const fn of hooks) fn();
});
const FREED: unique symbol = Symbol('freed');

/** The arguments a differentiable backward reads, dropped when the context is released. */
interface GraphArgs {
  args: unknown[] | null;
}

// Made out here, not inline in the op's call: a closure shares its scope with every other closure of
// that call, and the registry holds release hooks strongly, so an inline hook would keep the context
// (its own registry target) alive and its graph would never be collected.
function dropArgs(holder: GraphArgs): () => void {
  return () => {
    holder.args = null;
  };
}

/** One op call's context: both faces above, plus the explicit `release` the engine calls. */
export class OpContext<Saved> implements ForwardContext<Saved>, BackwardContext<Saved> {
  readonly needsInputGrad: readonly boolean[];
  private record: Saved | typeof NOTHING_SAVED | typeof FREED = NOTHING_SAVED;
  private nonDifferentiable: Set<Tensor> | null = null;
  private releaseHooks: (() => void)[] | null = null;
  private versions: SavedVersion[] | null = null;

  constructor(
    readonly opName: string,
    needsInputGrad: readonly boolean[],
    private readonly recording: boolean,
  ) {
    this.needsInputGrad = needsInputGrad;
  }

  save(saved: Saved): void {
    if (this.record === FREED) throw typeError(this.opName, 'cannot save after the graph was freed');
    if (this.record !== NOTHING_SAVED) throw typeError(this.opName, 'forward called ctx.save twice; save one record');
    this.record = saved;
    if (this.recording) this.versions = savedVersions(saved);
  }

  /**
   * Throws if a tensor of the saved record (a Tensor or typed array, the record itself or one of its
   * fields) was written in place since it was saved. `inputs` are the op's recorded inputs, to say
   * which one it was.
   */
  checkVersions(inputs: ReadonlyArray<Variable | null>): void {
    const versions = this.versions;
    if (versions === null) return;
    for (const saved of versions) {
      const now = storageVersion(saved.storage);
      if (now === saved.version) continue;
      const input = inputs.findIndex((v) => v !== null && v.data.data === saved.storage);
      const what =
        `${saved.field === '' ? 'its saved tensor' : `its saved '${saved.field}'`}` +
        `${saved.shape ? ` ${formatShape(saved.shape)}` : ''}${input >= 0 ? ` (input ${input})` : ''}`;
      throw new InplaceModificationError(
        `${this.opName}: one of the variables needed for gradient computation has been modified by an inplace ` +
          `operation: ${what} is at version ${now}; expected version ${saved.version}. It was written in place ` +
          '(an optimizer step, an init function, copy_, loadStateDict) after the forward that saved it: run backward ' +
          'before the update, or give the op a copy (clone) of the tensor',
      );
    }
  }

  get saved(): Saved {
    const record = this.record;
    if (record === FREED) {
      throw typeError(
        'backward',
        `the saved buffers of ${this.opName} were freed by an earlier backward(); pass { retainGraph: true } to the first backward() to run backward twice`,
      );
    }
    if (record === NOTHING_SAVED)
      throw typeError(this.opName, 'backward read ctx.saved, but forward never called ctx.save');
    return record;
  }

  markNonDifferentiable(...outputs: Tensor[]): void {
    this.nonDifferentiable ??= new Set();
    for (const t of outputs) this.nonDifferentiable.add(t);
  }

  isNonDifferentiable(t: Tensor): boolean {
    return this.nonDifferentiable !== null && this.nonDifferentiable.has(t);
  }

  onRelease(fn: () => void): void {
    if (this.releaseHooks === null) {
      this.releaseHooks = [];
      collected.register(this, this.releaseHooks, this);
    }
    this.releaseHooks.push(fn);
  }

  /** Drops the saved record (and with it every tensor it holds), then runs the `onRelease` hooks. */
  release(): void {
    const hooks = this.releaseHooks;
    this.releaseHooks = null;
    if (hooks) collected.unregister(this);
    this.record = FREED;
    this.versions = null;
    if (hooks) for (const fn of hooks) fn();
  }
}

/** The storages a saved record holds (itself, or its fields one level down) and their versions now. */
function savedVersions(saved: unknown): SavedVersion[] | null {
  if (saved === null || typeof saved !== 'object') return null;
  const out: SavedVersion[] = [];
  const add = (field: string, value: unknown): void => {
    if (value instanceof Tensor) {
      out.push({ field, storage: value.data, shape: value.shape, version: storageVersion(value.data) });
    } else if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      const storage = value as TypedArray;
      out.push({ field, storage, shape: null, version: storageVersion(storage) });
    }
  };
  if (saved instanceof Tensor) add('', saved);
  else for (const field of Object.keys(saved)) add(field, (saved as Record<string, unknown>)[field]);
  return out.length > 0 ? out : null;
}

/** A forward's arguments as a differentiable backward sees them: every Tensor is a Variable. */
export type AsVariables<A extends unknown[]> = { [K in keyof A]: AsVariable<A[K]> };
type AsVariable<T> = T extends Tensor ? Variable : T;

/**
 * What an op's differentiable backward sees (see `OpDefinition.differentiableBackward`): the saved
 * record, the op's arguments with every tensor as a Variable in the graph (constants wrapped, not
 * requiring grad), and its outputs as the Variables the op returned.
 */
export interface GraphBackwardContext<A extends unknown[], Saved> extends BackwardContext<Saved> {
  readonly inputs: AsVariables<A>;
  readonly outputs: readonly Variable[];
}

/** A forward's arguments as the user passes them: every Tensor may also be a Variable. */
export type Lifted<T> = T extends Tensor ? Tensor | Variable : T;
type LiftedArgs<A extends unknown[]> = { [K in keyof A]: Lifted<A[K]> };
type OpResult<R> = R extends Tensor[] ? Variable[] : Variable;

export interface OpDefinition<A extends unknown[], R extends Tensor | Tensor[], Saved = undefined> {
  /** Names the op in errors and in `gradFn`. */
  name: string;
  /**
   * Computes the outputs from plain tensors (Variables are unwrapped to their `data`; numbers and
   * option objects pass through). Return one Tensor, or an array for several outputs. What backward
   * needs goes into one record, `ctx.save({ ... })`, whose type is `Saved`.
   */
  forward(ctx: ForwardContext<Saved>, ...args: A): R;
  /**
   * Given d(loss)/d(output) for each output (zeros for outputs nothing used), returns
   * d(loss)/d(input) for each argument position, shaped like that input; null where
   * `ctx.needsInputGrad[i]` is false or the argument is not a tensor.
   */
  backward(ctx: BackwardContext<Saved>, ...gradOutputs: Tensor[]): ReadonlyArray<Tensor | null | undefined> | Tensor;
  /**
   * Optional: the same gradients written with differentiable ops on Variables (`add`, `mul`,
   * `matmul`, `conv2d`, ...), for gradients of gradients. A backward with `createGraph` runs this
   * instead of `backward`, so what it computes is itself recorded; `ctx.inputs` holds the arguments
   * as Variables, `ctx.outputs` the outputs. It must give the values `backward` gives (`gradgradcheck`
   * checks that, and the second derivatives); an op linear in an input can pair with its adjoint, each
   * op the other's backward, to be differentiable to any order. An op without one still gives first
   * gradients under `createGraph`, but differentiating them raises a TypeError naming the op.
   */
  differentiableBackward?(
    ctx: GraphBackwardContext<A, Saved>,
    ...gradOutputs: Variable[]
  ): ReadonlyArray<Variable | null | undefined> | Variable;
}

/**
 * Defines a differentiable op, like `torch.autograd.Function`: forward and backward side by side.
 * The returned function takes Variables (or Tensors, treated as constants) where forward takes
 * Tensors, and returns Variable(s) that join the graph when grad mode is on and any input requires grad.
 *
 * What forward saves is one typed record: annotate forward's `ctx` with `ForwardContext<Saved>`
 * (or pass the type arguments, `defineOp<[x: Tensor], Tensor, { x: Tensor }>`), and backward's
 * `ctx.saved` has that type. The record is dropped as a whole once backward has used it.
 *
 * @example
 * const square = defineOp({
 *   name: 'square',
 *   forward(ctx: ForwardContext<{ x: Tensor }>, x: Tensor): Tensor {
 *     ctx.save({ x });
 *     return T.mul(x, x);
 *   },
 *   backward({ saved: { x } }, gradOutput: Tensor): [Tensor] {
 *     return [T.mul(gradOutput, T.mul(x, 2))];
 *   },
 *   // Optional, for gradients of gradients: the same, in differentiable ops on Variables.
 *   differentiableBackward({ inputs: [x] }, gradOutput: Variable): [Variable] {
 *     return [mul(gradOutput, mul(x, 2))];
 *   },
 * });
 */
export function defineOp<A extends unknown[], R extends Tensor | Tensor[], Saved = undefined>(
  def: OpDefinition<A, R, Saved>,
): (...args: LiftedArgs<A>) => OpResult<R> {
  if (def === null || typeof def !== 'object')
    throw typeError('defineOp', `def must be an object { name, forward, backward }, got ${describeValue(def)}`);
  const { name } = def;
  if (typeof name !== 'string' || name === '')
    throw typeError('defineOp', `name must be a non-empty string, got ${describeValue(name)}`);
  for (const key of ['forward', 'backward'] as const) {
    if (typeof def[key] !== 'function')
      throw typeError('defineOp', `${key} of op '${name}' must be a function, got ${describeValue(def[key])}`);
  }
  const run = (...args: LiftedArgs<A>): OpResult<R> => {
    const inputs: (Variable | null)[] = new Array(args.length);
    const raw: unknown[] = new Array(args.length);
    let anyRequiresGrad = false;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a instanceof Variable) {
        inputs[i] = a;
        raw[i] = a.data;
        if (a.requiresGrad) anyRequiresGrad = true;
      } else {
        inputs[i] = null;
        raw[i] = a;
      }
    }
    const record = anyRequiresGrad && isGradEnabled();
    const ctx = new OpContext<Saved>(
      name,
      inputs.map((v) => record && v !== null && v.requiresGrad),
      record,
    );
    const result = def.forward(ctx, ...(raw as A));
    const outputs: Tensor[] = Array.isArray(result) ? result : [result];
    for (const [i, out] of outputs.entries()) {
      if (!(out instanceof Tensor)) throw typeError(name, `forward must return Tensors; output ${i} is ${typeof out}`);
    }
    const anomaly = isAnomalyEnabled();
    if (anomaly) checkForwardOutputs(name, raw, outputs);
    if (!record) {
      const wrapped = outputs.map((t) => new Variable(t));
      return (Array.isArray(result) ? wrapped : wrapped[0]) as OpResult<R>;
    }
    // A differentiable backward reads the arguments as Variables: the user's, or constants wrapped.
    const graphArgs: GraphArgs = {
      args: def.differentiableBackward ? args.map((a) => (a instanceof Tensor ? new Variable(a) : a)) : null,
    };
    if (graphArgs.args) ctx.onRelease(dropArgs(graphArgs));
    const node: Node = {
      name,
      inputs: inputs.map((v) => (v !== null && v.requiresGrad ? v : null)),
      ctx,
      outputs: outputs.map((t) => ({ shape: t.shape, dtype: t.dtype, differentiable: !ctx.isNonDifferentiable(t) })),
      backward: (grads) => {
        ctx.checkVersions(node.inputs);
        const got = def.backward(ctx, ...grads);
        if (!(got instanceof Tensor) && !Array.isArray(got))
          throw typeError(name, 'backward must return a Tensor or an array of gradients, one per input');
        const list: (Tensor | null | undefined)[] = got instanceof Tensor ? [got] : got.slice();
        if (isAnomalyEnabled()) checkBackwardGradients(name, node.anomaly ?? null, grads, list);
        // Read the node's own edges, not the `inputs` of this call: a closure over those would
        // keep every input Variable (and the graph behind it) alive after backward frees the node.
        for (let i = 0; i < node.inputs.length; i++) {
          const g = list[i];
          const v = node.inputs[i];
          if (!v || !v.requiresGrad || g == null) continue;
          if (!(g instanceof Tensor)) throw typeError(name, `backward returned a non-Tensor gradient for input ${i}`);
          if (g.shape.length !== v.shape.length || g.shape.some((d, k) => d !== v.shape[k])) {
            throw shapeError(
              name,
              `backward returned a gradient of shape ${formatShape(g.shape)} for input ${i} of shape ${formatShape(v.shape)}`,
            );
          }
          // A float32 input mixed with float64 gets a float64 gradient from the math; as in
          // PyTorch, a gradient always has its input's dtype.
          if (g.dtype !== v.dtype) list[i] = cast(g, v.dtype);
        }
        return list;
      },
      backwardGraph: (grads) => {
        if (!def.differentiableBackward || graphArgs.args === null) return notTwiceDifferentiable(node, grads);
        ctx.checkVersions(node.inputs);
        const graphCtx: GraphBackwardContext<A, Saved> = {
          needsInputGrad: ctx.needsInputGrad,
          get saved() {
            return ctx.saved;
          },
          inputs: graphArgs.args as AsVariables<A>,
          outputs: wrapped,
        };
        const got = def.differentiableBackward(graphCtx, ...grads);
        const list = got instanceof Variable ? [got] : got;
        return checkGradients(name, node.inputs, list);
      },
      released: false,
      anomaly: anomaly ? captureAnomalyContext() : null,
    };
    const wrapped = outputs.map((t, i) =>
      ctx.isNonDifferentiable(t) ? new Variable(t) : new Variable(t, {}, node, i),
    );
    return (Array.isArray(result) ? wrapped : wrapped[0]) as OpResult<R>;
  };
  return (...args: LiftedArgs<A>): OpResult<R> =>
    isTracing() ? traceCall(name, args, run as (...a: unknown[]) => OpResult<R>) : run(...args);
}

/** Checks a differentiable backward's gradients as `backward`'s are checked: one per input, its shape. */
function checkGradients(
  name: string,
  inputs: ReadonlyArray<Variable | null>,
  got: ReadonlyArray<Variable | null | undefined>,
): (Variable | null | undefined)[] {
  if (!Array.isArray(got))
    throw typeError(name, 'differentiableBackward must return a Variable or an array of gradients, one per input');
  const list = got.slice();
  for (let i = 0; i < inputs.length; i++) {
    const g = list[i];
    const v = inputs[i];
    if (!v || !v.requiresGrad || g == null) continue;
    if (!(g instanceof Variable))
      throw typeError(name, `differentiableBackward returned a non-Variable gradient for input ${i}`);
    if (g.shape.length !== v.shape.length || g.shape.some((d, k) => d !== v.shape[k])) {
      throw shapeError(
        name,
        `differentiableBackward returned a gradient of shape ${formatShape(g.shape)} for input ${i} of shape ${formatShape(v.shape)}`,
      );
    }
  }
  return list;
}

/**
 * The gradients of an op that has no differentiable backward, under `createGraph`: the plain
 * backward's values, each wrapped as the output of a node that depends on the op's inputs and the
 * incoming gradients, and refuses to be differentiated — so first gradients work, and a second
 * derivative through this op is an error that names it rather than a silent zero.
 */
function notTwiceDifferentiable(node: Node, grads: readonly Variable[]): (Variable | null | undefined)[] {
  const values = node.backward(grads.map((g) => g.data));
  const deps = [...node.inputs.filter((v): v is Variable => v !== null), ...grads.filter((g) => g.requiresGrad)];
  return values.map((g) => (g == null ? g : refuseSecondDerivative(node.name, g, ...deps)));
}

const refuseSecondDerivative = defineOp({
  name: 'notTwiceDifferentiable',
  forward(ctx: ForwardContext<{ op: string }>, op: string, gradient: Tensor, ..._dependencies: Tensor[]): Tensor {
    ctx.save({ op });
    return gradient;
  },
  backward(ctx): never {
    throw typeError(
      ctx.saved.op,
      'cannot differentiate this gradient again: the op has no differentiableBackward (a custom op gets ' +
        'gradients of gradients by defining one with differentiable ops; see defineOp)',
    );
  },
});

import { cast, describeValue, formatShape, shapeError, Tensor, typeError } from '@torchlet/tensor';
import { captureAnomalyContext, checkBackwardGradients, checkForwardOutputs, isAnomalyEnabled } from './anomaly.js';
import { isGradEnabled } from './grad-mode.js';
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

const NOTHING_SAVED: unique symbol = Symbol('nothing saved');

// Runs the onRelease hooks of contexts collected without a release (a graph no backward freed). The
// held value is the hooks array alone, never the context, so it cannot keep the graph alive.
const collected = new FinalizationRegistry<(() => void)[]>((hooks) => {
  for (const fn of hooks) fn();
});
const FREED: unique symbol = Symbol('freed');

/** One op call's context: both faces above, plus the explicit `release` the engine calls. */
export class OpContext<Saved> implements ForwardContext<Saved>, BackwardContext<Saved> {
  readonly needsInputGrad: readonly boolean[];
  private record: Saved | typeof NOTHING_SAVED | typeof FREED = NOTHING_SAVED;
  private nonDifferentiable: Set<Tensor> | null = null;
  private releaseHooks: (() => void)[] | null = null;

  constructor(
    readonly opName: string,
    needsInputGrad: readonly boolean[],
  ) {
    this.needsInputGrad = needsInputGrad;
  }

  save(saved: Saved): void {
    if (this.record === FREED) throw typeError(this.opName, 'cannot save after the graph was freed');
    if (this.record !== NOTHING_SAVED) throw typeError(this.opName, 'forward called ctx.save twice; save one record');
    this.record = saved;
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
    if (hooks) for (const fn of hooks) fn();
  }
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
  return (...args: LiftedArgs<A>): OpResult<R> => {
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
    const node: Node = {
      name,
      inputs: inputs.map((v) => (v !== null && v.requiresGrad ? v : null)),
      ctx,
      outputs: outputs.map((t) => ({ shape: t.shape, dtype: t.dtype, differentiable: !ctx.isNonDifferentiable(t) })),
      backward: (grads) => {
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
      released: false,
      anomaly: anomaly ? captureAnomalyContext() : null,
    };
    const wrapped = outputs.map((t, i) =>
      ctx.isNonDifferentiable(t) ? new Variable(t) : new Variable(t, {}, node, i),
    );
    return (Array.isArray(result) ? wrapped : wrapped[0]) as OpResult<R>;
  };
}

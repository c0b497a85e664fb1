import { isAnomalyEnabled, withScope, type Variable } from '@torchlet/autograd';
import { formatShape, shapeError, Tensor, typeError } from '@torchlet/tensor';
import { Parameter } from './parameter.js';
import { summary, type SummaryOptions } from '../summary.js';

export type StateDict = Record<string, Tensor>;

export interface LoadStateDictOptions {
  /** Require the keys to match exactly (default true); otherwise load what matches and report the rest. */
  strict?: boolean;
}

/** `loadStateDict` with `strict` found keys that do not match; the lists say which. */
export class StateDictError extends Error {
  override name = 'StateDictError';
  constructor(
    message: string,
    readonly missingKeys: string[],
    readonly unexpectedKeys: string[],
  ) {
    super(message);
  }
}

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

type Forward = (this: Module, ...inputs: (Tensor | Variable)[]) => Variable;

const SCOPED = Symbol('torchlet.scopedForward');
/** Modules whose forward is running, innermost last (only tracked while anomaly detection is on). */
const running: Module[] = [];

/**
 * Wraps each `forward` defined along `proto`'s chain (once per class) so that, while anomaly
 * detection is on, the module's dotted name is an autograd scope for the ops its forward creates:
 * an anomaly then says `in features.2 (Log)`. Off, the wrapper is one flag test. The wrap sits on
 * the prototype, not the instance, so own-property hooks (summary's) shadow and restore it cleanly.
 */
function scopeForwards(proto: object): void {
  for (let p = proto; p !== null && p !== Module.prototype; p = Object.getPrototypeOf(p) as object) {
    if (!Object.hasOwn(p, 'forward')) continue;
    const forward = (p as { forward: Forward }).forward;
    if (typeof forward !== 'function' || (forward as unknown as Record<symbol, boolean>)[SCOPED]) continue;
    const scoped = function (this: Module, ...inputs: (Tensor | Variable)[]): Variable {
      return isAnomalyEnabled() ? runScoped(this, forward, inputs) : forward.apply(this, inputs);
    };
    Object.defineProperty(scoped, SCOPED, { value: true });
    Object.defineProperty(p, 'forward', { value: scoped, writable: true, configurable: true, enumerable: false });
  }
}

function runScoped(module: Module, forward: Forward, inputs: (Tensor | Variable)[]): Variable {
  const parent = running[running.length - 1];
  // A subclass's forward calling super.forward is still the same layer.
  if (parent === module) return forward.apply(module, inputs);
  let name = '';
  if (parent) {
    name = `<${module.constructor.name}>`; // called by a module that does not hold it as a child
    for (const [key, child] of parent.namedChildren()) {
      if (child === module) {
        name = key;
        break;
      }
    }
  }
  running.push(module);
  try {
    return withScope({ name, kind: module.constructor.name }, () => forward.apply(module, inputs));
  } finally {
    running.pop();
  }
}

/**
 * Base class of layers and models, as `torch.nn.Module`. Assigning a Parameter or a Module to a
 * field registers it, in assignment order, under the field's name; names are dotted paths
 * (`features.0.weight`). Tensors that are state but not trained (BatchNorm's running statistics)
 * are declared with `registerBuffer`. Fields whose names start with `_` are private and skipped.
 */
export abstract class Module {
  training = true;
  private readonly _bufferNames: string[] = [];

  constructor() {
    scopeForwards(new.target.prototype);
  }

  /** The computation; subclasses document their shapes. Inputs may be Tensors (constants) or Variables. */
  abstract forward(...inputs: (Tensor | Variable)[]): Variable;

  /**
   * Declares `this[name]` a buffer: saved in the state dict, moved with the model, not trained.
   * A null buffer (e.g. BatchNorm without running statistics) is skipped by the state dict.
   */
  protected registerBuffer(name: string, value: Tensor | null): void {
    if (!this._bufferNames.includes(name)) this._bufferNames.push(name);
    (this as unknown as Record<string, Tensor | null>)[name] = value;
  }

  /** Direct submodules with their field names. */
  *namedChildren(): Generator<[string, Module]> {
    for (const [key, value] of Object.entries(this)) {
      if (key.startsWith('_')) continue;
      if (value instanceof Module) yield [key, value];
    }
  }

  children(): Module[] {
    return [...this.namedChildren()].map(([, m]) => m);
  }

  /** This module and every descendant, depth first, with dotted names ('' for this one). */
  *namedModules(prefix = ''): Generator<[string, Module]> {
    yield [prefix, this];
    for (const [name, child] of this.namedChildren()) yield* child.namedModules(prefix ? `${prefix}.${name}` : name);
  }

  modules(): Module[] {
    return [...this.namedModules()].map(([, m]) => m);
  }

  /** Every parameter with its dotted name, in registration order. */
  *namedParameters(prefix = ''): Generator<[string, Parameter]> {
    for (const [key, value] of Object.entries(this)) {
      if (key.startsWith('_')) continue;
      const name = prefix ? `${prefix}.${key}` : key;
      if (value instanceof Parameter) yield [name, value];
      else if (value instanceof Module) yield* value.namedParameters(name);
    }
  }

  parameters(): Parameter[] {
    return [...this.namedParameters()].map(([, p]) => p);
  }

  /** Every buffer with its dotted name. */
  *namedBuffers(prefix = ''): Generator<[string, Tensor]> {
    for (const name of this._bufferNames) {
      const value = (this as unknown as Record<string, Tensor | null>)[name];
      if (value instanceof Tensor) yield [prefix ? `${prefix}.${name}` : name, value];
    }
    for (const [key, child] of this.namedChildren()) yield* child.namedBuffers(prefix ? `${prefix}.${key}` : key);
  }

  /** Sets training mode here and in every descendant (Dropout and BatchNorm read it). */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw typeError('train', `mode must be a boolean, got ${String(mode)}`);
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Same as `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Clears every parameter's gradient (sets it to null, as PyTorch's default set_to_none). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Calls `fn` on every descendant, children first, then on this module (as `Module.apply`). */
  apply(fn: (m: Module) => void): this {
    if (typeof fn !== 'function')
      throw typeError('apply', `fn must be a function, got ${fn === null ? 'null' : typeof fn}`);
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /** Parameters and buffers by dotted name; the tensors are shared, not copied. */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [name, p] of this.namedParameters()) out[name] = p.data;
    for (const [name, b] of this.namedBuffers()) out[name] = b;
    return out;
  }

  /**
   * Copies values from `stateDict` into this module's parameters and buffers (in place, so
   * optimizers holding the parameters keep working).
   * @throws ShapeError naming the key and both shapes on a size mismatch; with `strict` (default),
   *   an Error listing every missing and unexpected key
   */
  loadStateDict(stateDict: StateDict, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = options.strict ?? true;
    if (stateDict === null || typeof stateDict !== 'object')
      throw typeError('loadStateDict', 'stateDict must be an object of tensors');
    const own = this.stateDict();
    const missingKeys = Object.keys(own).filter((k) => !Object.hasOwn(stateDict, k));
    const unexpectedKeys = Object.keys(stateDict).filter((k) => !Object.hasOwn(own, k));
    if (strict && (missingKeys.length || unexpectedKeys.length)) {
      const parts = [];
      if (missingKeys.length) parts.push(`missing keys: ${missingKeys.join(', ')}`);
      if (unexpectedKeys.length) parts.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
      throw new StateDictError(`loadStateDict: ${parts.join('; ')}`, missingKeys, unexpectedKeys);
    }
    for (const [key, target] of Object.entries(own)) {
      if (!Object.hasOwn(stateDict, key)) continue;
      const source = stateDict[key];
      if (!(source instanceof Tensor)) throw typeError('loadStateDict', `${key} must be a Tensor`);
      if (source.shape.length !== target.shape.length || source.shape.some((d, i) => d !== target.shape[i])) {
        throw shapeError(
          'loadStateDict',
          `${key}: checkpoint has shape ${formatShape(source.shape)}, model has ${formatShape(target.shape)}`,
        );
      }
    }
    for (const [key, target] of Object.entries(own)) {
      if (!Object.hasOwn(stateDict, key)) continue;
      const source = stateDict[key]!;
      // Writing into the existing storage keeps every reference (optimizer state, views) valid.
      const values = source.toTypedArray();
      if (target.isContiguous()) target.data.set(values, target.offset);
      else throw typeError('loadStateDict', `${key}: the model's tensor is not contiguous`);
    }
    return { missingKeys, unexpectedKeys };
  }

  /** Number of parameter elements (all of them, or only those that require grad). */
  numParameters(options: { trainableOnly?: boolean } = {}): number {
    let n = 0;
    for (const p of this.parameters()) if (!options.trainableOnly || p.requiresGrad) n += p.size;
    return n;
  }

  /**
   * Runs a forward pass on zeros of `inputShape` (under noGrad, in eval mode, restoring the
   * mode afterwards) and returns a table of every leaf layer's output shape and parameter count,
   * with the totals, like `torchinfo.summary`. Prints nothing: `console.log(model.summary([1, 1, 28, 28]))`.
   */
  summary(inputShape: readonly number[], options: SummaryOptions = {}): string {
    return summary(this, inputShape, options);
  }

  /** Options that differ from the defaults, shown by `toString()`; subclasses override. */
  extraRepr(): string {
    return '';
  }

  /** PyTorch-style tree: `Sequential(\n  (0): Conv2d(1, 6, kernelSize=[5, 5])\n ...)`. */
  toString(): string {
    const children = [...this.namedChildren()];
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (children.length === 0) return `${head})`;
    const lines = children.map(([name, m]) => `  (${name}): ${m.toString().split('\n').join('\n  ')}`);
    return `${head}${this.extraRepr() ? ',' : ''}\n${lines.join('\n')}\n)`;
  }
}

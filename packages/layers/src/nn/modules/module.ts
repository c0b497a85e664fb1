import { isAnomalyEnabled, withScope, type Variable } from '@torchlet/autograd';
import {
  bumpVersion,
  describeValue,
  formatShape,
  printWithToString,
  ShapeError,
  Tensor,
  typeError,
} from '@torchlet/tensor';
import { HookList, type RemovableHandle } from './hooks.js';
import { Parameter } from './parameter.js';
import { summary, type SummaryOptions } from '../summary.js';

export type StateDict = Record<string, Tensor>;

export interface LoadStateDictOptions {
  /** Require the keys to match exactly (default true); otherwise load what matches and report the rest. */
  strict?: boolean;
}

/** A checkpoint entry whose shape differs from the model's. */
export interface StateDictMismatch {
  key: string;
  checkpointShape: number[];
  modelShape: number[];
}

/**
 * `loadStateDict` found entries that do not fit the model: every missing and unexpected key (with
 * `strict`), every size mismatch and every value that is not a Tensor, all in one error as PyTorch
 * lists them. A ShapeError: the checkpoint's keys and shapes disagree with the model's.
 */
export class StateDictError extends ShapeError {
  override name = 'StateDictError';
  constructor(
    message: string,
    readonly missingKeys: string[],
    readonly unexpectedKeys: string[],
    readonly sizeMismatches: StateDictMismatch[] = [],
    readonly notTensors: string[] = [],
  ) {
    super(message);
  }
}

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

type ModuleInput = Tensor | Variable;
type Forward = (this: Module, ...inputs: ModuleInput[]) => Variable;

/**
 * Runs before `module.forward(...inputs)`; may return replacement inputs (as PyTorch's
 * `register_forward_pre_hook`), or nothing to keep them.
 */
export type ForwardPreHook = (module: Module, inputs: ModuleInput[]) => ModuleInput[] | void;
/**
 * Runs after `module.forward(...inputs)` returned `output`; may return a replacement output (as
 * PyTorch's `register_forward_hook`), or nothing to keep it.
 */
export type ForwardHook = (module: Module, inputs: ModuleInput[], output: Variable) => Variable | void;

interface ForwardHooks {
  readonly pre: HookList<ForwardPreHook>;
  readonly post: HookList<ForwardHook>;
}
/** Each module's hooks, made on the first registration. */
const hooksOf = new WeakMap<Module, ForwardHooks>();

const DISPATCHED = Symbol('torchlet.dispatchedForward');
/** Modules whose forward is running, innermost last (tracked while hooks or anomaly detection ask for it). */
const running: Module[] = [];

/*
 * Calling a module. There is no `__call__` in JavaScript, so `m.forward(x)` is the call: Module
 * wraps each `forward` defined along a class's prototype chain, once per class, in a dispatcher
 * that runs the module's forward hooks and, while anomaly detection is on, makes the module's
 * dotted name an autograd scope for the ops its forward creates (an anomaly then says
 * `in features.2 (Log)`). With no hooks and anomaly detection off the dispatcher is one map lookup
 * and one flag test.
 */
function dispatchForwards(proto: object): void {
  for (let p = proto; p !== null && p !== Module.prototype; p = Object.getPrototypeOf(p) as object) {
    if (!Object.hasOwn(p, 'forward')) continue;
    const forward = (p as { forward: Forward }).forward;
    if (typeof forward !== 'function' || (forward as unknown as Record<symbol, boolean>)[DISPATCHED]) continue;
    const dispatched = function (this: Module, ...inputs: ModuleInput[]): Variable {
      return hooksOf.get(this) === undefined && !isAnomalyEnabled()
        ? forward.apply(this, inputs)
        : callModule(this, forward, inputs);
    };
    Object.defineProperty(dispatched, DISPATCHED, { value: true });
    Object.defineProperty(p, 'forward', { value: dispatched, writable: true, configurable: true, enumerable: false });
  }
}

/** Pre-hooks, forward (in the module's scope while anomaly detection is on), then hooks. */
function callModule(module: Module, forward: Forward, inputs: ModuleInput[]): Variable {
  const parent = running[running.length - 1];
  // A subclass's forward calling super.forward is still the same call of the same layer.
  if (parent === module) return forward.apply(module, inputs);
  running.push(module);
  try {
    const hooks = hooksOf.get(module);
    let args = inputs;
    if (hooks) for (const hook of hooks.pre.snapshot()) args = hook(module, args) ?? args;
    let output = isAnomalyEnabled()
      ? withScope({ name: scopeName(module, parent), kind: module.constructor.name }, () => forward.apply(module, args))
      : forward.apply(module, args);
    if (hooks) for (const hook of hooks.post.snapshot()) output = hook(module, args, output) ?? output;
    return output;
  } finally {
    running.pop();
  }
}

/** The module's field name in the module running it ('' for the root). */
function scopeName(module: Module, parent: Module | undefined): string {
  if (!parent) return '';
  for (const [key, child] of parent.namedChildren()) if (child === module) return key;
  return `<${module.constructor.name}>`; // called by a module that does not hold it as a child
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
    dispatchForwards(new.target.prototype);
  }

  /**
   * The computation; subclasses document their shapes. Inputs may be Tensors (constants) or Variables.
   * Calling it runs the module's forward hooks around the subclass's code.
   */
  abstract forward(...inputs: ModuleInput[]): Variable;

  /**
   * Registers `hook` to run before every `forward` of this module, in registration order, as
   * PyTorch's `register_forward_pre_hook`; it may return replacement inputs.
   * @returns a handle whose `remove()` unregisters it
   * @example const h = conv.registerForwardPreHook((m, [x]) => console.log(m.constructor.name, x.shape)); h.remove();
   */
  registerForwardPreHook(hook: ForwardPreHook): RemovableHandle {
    if (typeof hook !== 'function')
      throw typeError('registerForwardPreHook', `hook must be a function, got ${hook === null ? 'null' : typeof hook}`);
    return this.forwardHooks().pre.add(hook);
  }

  /**
   * Registers `hook` to run after every `forward` of this module with its inputs and output, in
   * registration order, as PyTorch's `register_forward_hook`; it may return a replacement output.
   * @returns a handle whose `remove()` unregisters it
   * @example const h = conv.registerForwardHook((m, inputs, y) => shapes.push(y.shape)); model.forward(x); h.remove();
   */
  registerForwardHook(hook: ForwardHook): RemovableHandle {
    if (typeof hook !== 'function')
      throw typeError('registerForwardHook', `hook must be a function, got ${hook === null ? 'null' : typeof hook}`);
    return this.forwardHooks().post.add(hook);
  }

  /** Whether any forward pre-hook or hook is registered on this module (not its children). */
  hasForwardHooks(): boolean {
    const hooks = hooksOf.get(this);
    return hooks !== undefined && hooks.pre.size + hooks.post.size > 0;
  }

  private forwardHooks(): ForwardHooks {
    let hooks = hooksOf.get(this);
    if (hooks === undefined) {
      hooks = { pre: new HookList(), post: new HookList() };
      hooksOf.set(this, hooks);
    }
    return hooks;
  }

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
   * @throws StateDictError (a ShapeError) listing every problem at once, before anything is written:
   *   each size mismatch (key and both shapes), each value that is not a Tensor and, with `strict`
   *   (default), every missing and unexpected key
   */
  loadStateDict(stateDict: StateDict, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = options.strict ?? true;
    if (stateDict === null || typeof stateDict !== 'object')
      throw typeError('loadStateDict', 'stateDict must be an object of tensors');
    const own = this.stateDict();
    const missingKeys = Object.keys(own).filter((k) => !Object.hasOwn(stateDict, k));
    const unexpectedKeys = Object.keys(stateDict).filter((k) => !Object.hasOwn(own, k));
    const sizeMismatches: StateDictMismatch[] = [];
    const notTensors: string[] = [];
    const problems: string[] = [];
    if (strict && missingKeys.length) problems.push(`missing keys: ${missingKeys.join(', ')}`);
    if (strict && unexpectedKeys.length) problems.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
    for (const [key, target] of Object.entries(own)) {
      if (!Object.hasOwn(stateDict, key)) continue;
      const source: unknown = stateDict[key];
      if (!(source instanceof Tensor)) {
        notTensors.push(key);
        problems.push(`${key} must be a Tensor, got ${describeValue(source)}`);
      } else if (source.shape.length !== target.shape.length || source.shape.some((d, i) => d !== target.shape[i])) {
        sizeMismatches.push({ key, checkpointShape: source.shape.slice(), modelShape: target.shape.slice() });
        problems.push(
          `${key}: checkpoint has shape ${formatShape(source.shape)}, model has ${formatShape(target.shape)}`,
        );
      }
    }
    if (problems.length) {
      throw new StateDictError(
        `loadStateDict: ${problems.join('; ')}`,
        missingKeys,
        unexpectedKeys,
        sizeMismatches,
        notTensors,
      );
    }
    for (const [key, target] of Object.entries(own)) {
      if (!Object.hasOwn(stateDict, key)) continue;
      const source = stateDict[key]!;
      // Writing into the existing storage keeps every reference (optimizer state, views) valid.
      const values = source.toTypedArray();
      if (!target.isContiguous()) throw typeError('loadStateDict', `${key}: the model's tensor is not contiguous`);
      target.data.set(values, target.offset);
      bumpVersion(target);
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
   * with the totals, like `torchinfo.summary`. Prints the table with `console.log` and returns it;
   * `model.summary([1, 1, 28, 28], { print: false })` only returns it.
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
printWithToString(Module);

import { isAnomalyEnabled, withScope, type Variable } from '@torchlet/autograd';
import {
  checkOptions,
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
import { summary, type Summarizable, type SummaryOptions } from '../summary.js';

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

/** What a one-tensor layer takes: a Tensor (a constant) or a Variable. */
export type ModuleInput = Tensor | Variable;
/** A module that maps one Tensor or Variable to one Variable: what Sequential chains and trainEpoch trains. */
export type Layer = Module<[ModuleInput], Variable>;
type Forward = (this: Module, ...inputs: unknown[]) => unknown;

/** What `M.forward` takes, as a tuple. */
export type ForwardInputs<M extends Module> = Parameters<M['forward']>;
/** What `M.forward` returns. */
export type ForwardOutput<M extends Module> = ReturnType<M['forward']>;

/**
 * Runs before `module.forward(...inputs)`; may return replacement inputs (as PyTorch's
 * `register_forward_pre_hook`), or nothing to keep them.
 */
export type ForwardPreHook<M extends Module = Module> = (
  module: M,
  inputs: ForwardInputs<M>,
) => ForwardInputs<M> | void;
/**
 * Runs after `module.forward(...inputs)` returned `output`; may return a replacement output (as
 * PyTorch's `register_forward_hook`), or nothing to keep it.
 */
export type ForwardHook<M extends Module = Module> = (
  module: M,
  inputs: ForwardInputs<M>,
  output: ForwardOutput<M>,
) => ForwardOutput<M> | void;

type AnyPreHook = (module: Module, inputs: unknown[]) => unknown[] | void;
type AnyHook = (module: Module, inputs: unknown[], output: unknown) => unknown;

interface ForwardHooks {
  readonly pre: HookList<AnyPreHook>;
  readonly post: HookList<AnyHook>;
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
    const dispatched = function (this: Module, ...inputs: unknown[]): unknown {
      return hooksOf.get(this) === undefined && !isAnomalyEnabled()
        ? forward.apply(this, inputs)
        : callModule(this, forward, inputs);
    };
    Object.defineProperty(dispatched, DISPATCHED, { value: true });
    Object.defineProperty(p, 'forward', { value: dispatched, writable: true, configurable: true, enumerable: false });
  }
}

/** Pre-hooks, forward (in the module's scope while anomaly detection is on), then hooks. */
function callModule(module: Module, forward: Forward, inputs: unknown[]): unknown {
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
 * (`features.0.weight`). Several modules go in a `ModuleList` or `ModuleDict` (`blocks.0.weight`).
 * Modules or Parameters inside a plain array, object, Map or Set field are not registered; rather
 * than skip them silently (as PyTorch does), every traversal (`parameters()`, `stateDict()`,
 * `train()`, ...) throws a TypeError naming the field and the container to use instead.
 * Tensors that are state but not trained (BatchNorm's running statistics) are declared with
 * `registerBuffer`. Fields whose names start with `_` are private and skipped.
 *
 * `In` and `Out` say what `forward` takes and returns. A subclass may declare any forward (extra
 * flags, tuples or objects out); the parameters matter where a container needs a kind of module:
 * `Sequential` chains `Module<[ModuleInput], Variable>`s.
 * @example class AutoEncoder extends Module<[Variable], [Variable, Variable]> { forward(x) { ...; return [recon, z]; } }
 */
export abstract class Module<In extends unknown[] = unknown[], Out = unknown> {
  training = true;
  private readonly _bufferNames: string[] = [];

  constructor() {
    dispatchForwards(new.target.prototype);
  }

  /**
   * The computation; subclasses document their shapes. Inputs may be Tensors (constants),
   * Variables or anything else the subclass declares. Calling it runs the module's forward hooks
   * around the subclass's code.
   */
  abstract forward(...inputs: In): Out;

  /**
   * Registers `hook` to run before every `forward` of this module, in registration order, as
   * PyTorch's `register_forward_pre_hook`; it may return replacement inputs.
   * @returns a handle whose `remove()` unregisters it
   * @example const h = conv.registerForwardPreHook((m, [x]) => console.log(m.constructor.name, x.shape)); h.remove();
   */
  registerForwardPreHook(hook: ForwardPreHook<this>): RemovableHandle {
    if (typeof hook !== 'function')
      throw typeError('registerForwardPreHook', `hook must be a function, got ${hook === null ? 'null' : typeof hook}`);
    return this.forwardHooks().pre.add(hook as unknown as AnyPreHook);
  }

  /**
   * Registers `hook` to run after every `forward` of this module with its inputs and output, in
   * registration order, as PyTorch's `register_forward_hook`; it may return a replacement output.
   * @returns a handle whose `remove()` unregisters it
   * @example const h = conv.registerForwardHook((m, inputs, y) => shapes.push(y.shape)); model.forward(x); h.remove();
   */
  registerForwardHook(hook: ForwardHook<this>): RemovableHandle {
    if (typeof hook !== 'function')
      throw typeError('registerForwardHook', `hook must be a function, got ${hook === null ? 'null' : typeof hook}`);
    return this.forwardHooks().post.add(hook as unknown as AnyHook);
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

  /**
   * This module's own Parameters and submodules with their names, in registration order: every
   * traversal reads this. Containers (`ModuleDict`) override it.
   * @throws TypeError for a field holding modules or parameters in a plain array, object, Map or Set
   */
  protected *namedMembers(): Generator<[string, Parameter | Module]> {
    for (const [key, value] of Object.entries(this)) {
      if (key.startsWith('_')) continue;
      if (value instanceof Parameter || value instanceof Module) yield [key, value];
      else if (value !== null && typeof value === 'object') rejectHiddenMembers(this, key, value);
    }
  }

  /** Direct submodules with their field names. */
  *namedChildren(): Generator<[string, Module]> {
    for (const [key, value] of this.namedMembers()) if (value instanceof Module) yield [key, value];
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
    for (const [key, value] of this.namedMembers()) {
      const name = prefix ? `${prefix}.${key}` : key;
      if (value instanceof Parameter) yield [name, value];
      else yield* value.namedParameters(name);
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
    const strict = checkOptions('loadStateDict', options, ['strict']).strict ?? true;
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
    const trainableOnly = checkOptions('numParameters', options, ['trainableOnly']).trainableOnly ?? false;
    for (const p of this.parameters()) if (!trainableOnly || p.requiresGrad) n += p.size;
    return n;
  }

  /**
   * Runs a forward pass on zeros of `inputShape` (under noGrad, in eval mode, restoring the
   * mode afterwards) and returns a table of every leaf layer's output shape and parameter count,
   * with the totals, like `torchinfo.summary`. Prints the table with `console.log` and returns it;
   * `model.summary([1, 1, 28, 28], { print: false })` only returns it.
   */
  summary(inputShape: readonly number[], options: SummaryOptions = {}): string {
    // summary feeds one tensor; `In` may name other inputs, so the compiler cannot see that `this` fits.
    return summary(this as unknown as Summarizable, inputShape, options);
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

/**
 * A plain array, object, Map or Set field holding a Module or a Parameter (at any depth): PyTorch
 * would skip them without a word, so their weights would neither train nor save. We refuse instead.
 */
function rejectHiddenMembers(owner: Module, field: string, value: object): void {
  const path = findHiddenMember(value, `${field}`, new Set());
  if (path === null) return;
  const [where, what] = path;
  const container = Array.isArray(value) || value instanceof Set ? 'ModuleList' : 'ModuleDict';
  const kind = Array.isArray(value) ? 'array' : value instanceof Map ? 'Map' : value instanceof Set ? 'Set' : 'object';
  const fix =
    what instanceof Parameter
      ? 'give each Parameter its own field'
      : `use a ${container} (new ${container}(${container === 'ModuleList' ? '[...]' : '{...}'})) so they are registered`;
  throw typeError(
    owner.constructor.name,
    `field '${field}' holds a ${what.constructor.name} at ${where} inside a plain ${kind}, ` +
      `which is not registered (its parameters would not train, save or move); ${fix}`,
  );
}

/** The first Module or Parameter inside plain containers, with its path (`blocks[1]`, `heads.cls`). */
function findHiddenMember(value: object, path: string, seen: Set<object>): [string, Module | Parameter] | null {
  if (seen.has(value)) return null;
  seen.add(value);
  const proto = Object.getPrototypeOf(value) as object | null;
  const plain = proto === Object.prototype || proto === null;
  // A class instance (a Tensor, a Generator, a typed array) is not a container.
  if (!Array.isArray(value) && !(value instanceof Map) && !(value instanceof Set) && !plain) return null;
  for (const [key, v] of containerEntries(value)) {
    if (v === null || typeof v !== 'object') continue;
    const where = Array.isArray(value) ? `${path}[${key}]` : value instanceof Set ? path : `${path}.${key}`;
    if (v instanceof Module || v instanceof Parameter) return [where, v];
    const found = findHiddenMember(v, where, seen);
    if (found !== null) return found;
  }
  return null;
}

function* containerEntries(value: object): Generator<[string, unknown]> {
  if (Array.isArray(value)) for (let i = 0; i < value.length; i++) yield [String(i), value[i]];
  else if (value instanceof Map) for (const [k, v] of value) yield [String(k), v];
  else if (value instanceof Set) for (const v of value) yield ['', v];
  else yield* Object.entries(value);
}

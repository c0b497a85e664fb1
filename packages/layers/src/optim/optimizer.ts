import { Variable } from '@torchlet/autograd';
import {
  checkOptions,
  bumpVersion,
  contiguousData,
  formatShape,
  rangeError,
  shapeError,
  Tensor,
  typeError,
  type DType,
  type TypedArray,
} from '@torchlet/tensor';

/** Every optimizer's hyper-parameters include a learning rate. */
export interface BaseOptions {
  lr: number;
}

/** A group of parameters sharing hyper-parameters, as PyTorch's `param_groups` entries. */
export type ParamGroup<O extends BaseOptions> = O & {
  params: Variable[];
  /** The lr a scheduler started from (set by the first scheduler attached, as PyTorch's `initial_lr`). */
  initialLr?: number;
};

/** What the constructor takes per group: parameters plus any hyper-parameters to override. */
export type ParamGroupInput<O extends BaseOptions> = Partial<O> & { params: Iterable<Variable> };

/** Parameters to optimize: a list (e.g. `model.parameters()`) or groups `[{ params, lr }, ...]`. */
export type ParamsInput<O extends BaseOptions> = Iterable<Variable> | readonly ParamGroupInput<O>[];

/** A tensor in JSON-able form: dtype, shape and the elements, row-major (float32 round-trips exactly). */
export interface SerializedTensor {
  dtype: DType;
  shape: number[];
  data: number[];
}

/** Per-parameter state: counters and buffers (momentum, Adam's moments). */
export type ParamState = Record<string, number | Tensor>;

/** A parameter as an update sees it: its values `param[offset …]`, its gradient, and the parameter. */
export interface ParamSlots {
  param: TypedArray;
  offset: number;
  grad: TypedArray;
  variable: Variable;
}

/**
 * An optimizer's state, JSON-able (`JSON.stringify` → `JSON.parse` → `loadStateDict` restores it
 * exactly): per-parameter state keyed by the parameter's index across all groups in order, and
 * each group's hyper-parameters with `params` as those indices. As `optimizer.state_dict()`.
 */
export interface OptimizerStateDict {
  state: Record<string, Record<string, number | SerializedTensor>>;
  paramGroups: (Record<string, unknown> & { params: number[] })[];
}

function serialize(t: Tensor): SerializedTensor {
  return { dtype: t.dtype, shape: t.shape.slice(), data: Array.from(contiguousData(t)) };
}

function arrayOf(dtype: DType, length: number): TypedArray {
  return dtype === 'float64'
    ? new Float64Array(length)
    : dtype === 'int32'
      ? new Int32Array(length)
      : new Float32Array(length);
}

function isPlainGroup(x: unknown): x is { params: Iterable<Variable> } {
  return x !== null && typeof x === 'object' && !(x instanceof Variable) && 'params' in (x as object);
}

/**
 * Base class of optimizers, as `torch.optim.Optimizer`: parameter groups with their own
 * hyper-parameters, `zeroGrad()`, `step()` and a JSON-able `stateDict()`.
 *
 * Subclasses update parameters in place with loops over the typed arrays: no graph, no tensors
 * allocated per step beyond the state buffers made on the first one. Gradients are only read,
 * never written (they may be shared between parameters or with the user).
 */
export abstract class Optimizer<O extends BaseOptions> {
  readonly defaults: O;
  readonly paramGroups: ParamGroup<O>[] = [];
  /** State per parameter, created lazily by `step()`. */
  readonly state = new Map<Variable, ParamState>();
  /** The op name used in error messages (`SGD`, `Adam`, ...). */
  protected readonly name: string;

  constructor(name: string, params: ParamsInput<O>, defaults: O) {
    this.name = name;
    this.defaults = defaults;
    this.checkOptions(defaults);
    if (
      params === null ||
      typeof params !== 'object' ||
      typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function'
    ) {
      throw typeError(
        name,
        'params must be an iterable of parameters (e.g. model.parameters()) or an array of { params, ...options } groups',
      );
    }
    const list = [...(params as Iterable<unknown>)];
    if (list.length === 0) throw rangeError(name, 'got an empty parameter list');
    if (isPlainGroup(list[0])) {
      for (const group of list) this.addParamGroup(group as ParamGroupInput<O>);
    } else {
      this.addParamGroup({ params: list as Variable[] } as unknown as ParamGroupInput<O>);
    }
  }

  /** Validates hyper-parameters; subclasses throw RangeError/TypeError naming the option. */
  protected abstract checkOptions(options: O): void;

  /** Performs one update of every parameter that has a gradient. */
  abstract step(): void;

  /**
   * Adds a group (e.g. to train new layers at another lr); options it omits take the defaults.
   * @throws TypeError for a non-parameter, a non-leaf or a parameter already in another group
   */
  addParamGroup(group: ParamGroupInput<O>): void {
    const op = this.name;
    if (!isPlainGroup(group)) throw typeError(op, 'a parameter group must be an object with a params field');
    // A group takes the optimizer's own options (each defaults to the constructor's) and its params.
    checkOptions(op, group, ['params', ...Object.keys(this.defaults)], `paramGroups[${this.paramGroups.length}]`);
    const params = [...group.params];
    if (params.length === 0) throw rangeError(op, `parameter group ${this.paramGroups.length} is empty`);
    const seen = new Set<Variable>(this.paramGroups.flatMap((g) => g.params));
    for (const [i, p] of params.entries()) {
      if (!(p instanceof Variable))
        throw typeError(op, `params[${i}] must be a Parameter or Variable, got ${p === null ? 'null' : typeof p}`);
      if (!p.isLeaf)
        throw typeError(
          op,
          `params[${i}] is not a leaf (it was computed by ${p.gradFn?.name}); only leaves can be optimized`,
        );
      if (p.dtype === 'int32')
        throw typeError(
          op,
          `params[${i}] is int32 ${formatShape(p.shape)}; only floating-point parameters can be optimized`,
        );
      if (seen.has(p))
        throw typeError(
          op,
          `params[${i}] ${formatShape(p.shape)} appears more than once (in this group or in another group)`,
        );
      seen.add(p);
    }
    const resolved = { ...this.defaults, ...group, params } as ParamGroup<O>;
    this.checkOptions(resolved);
    this.paramGroups.push(resolved);
  }

  /** Clears every parameter's gradient (sets it to null, as PyTorch's default `set_to_none`). */
  zeroGrad(): void {
    for (const group of this.paramGroups) for (const p of group.params) p.grad = null;
  }

  /**
   * The parameter's values and gradient as flat arrays for an in-place update, or null when it has
   * no gradient (skipped, as PyTorch does). Handing out the storage for writing counts as the write:
   * its version is bumped, so a graph that saved the old values refuses to backward through them.
   */
  protected slots(p: Variable): ParamSlots | null {
    if (p.grad === null) return null;
    const data = p.data;
    if (!data.isContiguous())
      throw typeError(
        this.name,
        `parameter ${formatShape(data.shape)} is not contiguous; it cannot be updated in place`,
      );
    if (p.grad.shape.length !== data.shape.length || p.grad.shape.some((d, k) => d !== data.shape[k])) {
      throw shapeError(
        this.name,
        `gradient ${formatShape(p.grad.shape)} does not match its parameter ${formatShape(data.shape)}`,
      );
    }
    bumpVersion(data);
    return { param: data.data, offset: data.offset, grad: contiguousData(p.grad), variable: p };
  }

  /**
   * Runs `update` on each parameter that has a gradient, group by group in order, with its group's
   * options, its storage (see `slots`), its state and its step count, advanced first: like PyTorch,
   * each parameter counts its own steps (one without a gradient does not take one).
   */
  protected eachStep(update: (group: ParamGroup<O>, slots: ParamSlots, state: ParamState, step: number) => void): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const slots = this.slots(p);
        if (!slots) continue;
        const state = this.stateOf(p);
        const step = ((state.step as number | undefined) ?? 0) + 1;
        state.step = step;
        update(group, slots, state, step);
      }
    }
  }

  /** The state buffer `key` of `p` (zeros of the parameter's shape and dtype on first use). */
  protected buffer(state: ParamState, key: string, p: Variable): TypedArray {
    let t = state[key];
    if (!(t instanceof Tensor)) {
      t = new Tensor(arrayOf(p.dtype, p.size), p.shape);
      state[key] = t;
    }
    return t.data;
  }

  protected stateOf(p: Variable): ParamState {
    let s = this.state.get(p);
    if (!s) {
      s = {};
      this.state.set(p, s);
    }
    return s;
  }

  /** See `OptimizerStateDict`. */
  stateDict(): OptimizerStateDict {
    return optimizerLayout(this as Optimizer<BaseOptions>, (v) => (v instanceof Tensor ? serialize(v) : v));
  }

  /**
   * Restores hyper-parameters and per-parameter state saved by `stateDict()` (also after a JSON
   * round trip). Parameters are matched by position, so build the optimizer over the same
   * parameters in the same order.
   * @throws RangeError when the group structure differs; ShapeError when a saved buffer's shape
   *   differs from its parameter's
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const op = `${this.name}.loadStateDict`;
    if (
      stateDict === null ||
      typeof stateDict !== 'object' ||
      !Array.isArray(stateDict.paramGroups) ||
      stateDict.state === null ||
      typeof stateDict.state !== 'object'
    ) {
      throw typeError(op, 'stateDict must be an object with state and paramGroups, as returned by stateDict()');
    }
    const saved = stateDict.paramGroups;
    if (saved.length !== this.paramGroups.length) {
      throw rangeError(
        op,
        `the state dict has ${saved.length} parameter groups but the optimizer has ${this.paramGroups.length}`,
      );
    }
    const byIndex = new Map<number, Variable>();
    saved.forEach((g, i) => {
      const own = this.paramGroups[i]!;
      if (g === null || typeof g !== 'object')
        throw typeError(
          op,
          `parameter group ${i} must be an object with params, got ${g === null ? 'null' : typeof g}`,
        );
      if (!Array.isArray(g.params) || g.params.length !== own.params.length) {
        throw rangeError(
          op,
          `parameter group ${i} has ${Array.isArray(g.params) ? g.params.length : 'no'} parameters in the state dict but ${own.params.length} in the optimizer`,
        );
      }
      g.params.forEach((index, k) => byIndex.set(index, own.params[k]!));
    });
    // Check everything before changing anything, so a bad state dict leaves the optimizer as it was.
    const restored = new Map<Variable, ParamState>();
    for (const [key, entry] of Object.entries(stateDict.state)) {
      const p = byIndex.get(Number(key));
      if (!p) throw rangeError(op, `state for parameter ${key}, which no group lists`);
      const s: ParamState = {};
      for (const [name, value] of Object.entries(entry)) {
        if (typeof value === 'number') {
          s[name] = value;
          continue;
        }
        const t = value instanceof Tensor ? serialize(value) : value;
        if (!t || !Array.isArray(t.shape) || (!Array.isArray(t.data) && !ArrayBuffer.isView(t.data))) {
          throw typeError(op, `state ${key}.${name} must be a number or a serialized tensor { dtype, shape, data }`);
        }
        if (t.shape.length !== p.shape.length || t.shape.some((d, k) => d !== p.shape[k]) || t.data.length !== p.size) {
          throw shapeError(
            op,
            `state ${key}.${name} has shape ${formatShape(t.shape)} but parameter ${key} is ${formatShape(p.shape)}`,
          );
        }
        const data = arrayOf(p.dtype, p.size);
        data.set(t.data);
        s[name] = new Tensor(data, p.shape);
      }
      restored.set(p, s);
    }
    const groups = saved.map((g, i) => {
      const { params: _params, ...options } = g;
      const merged = {
        ...this.paramGroups[i]!,
        ...structuredClone(options),
        params: this.paramGroups[i]!.params,
      } as ParamGroup<O>;
      this.checkOptions(merged);
      return merged;
    });
    groups.forEach((g, i) => (this.paramGroups[i] = g));
    this.state.clear();
    for (const [p, s] of restored) this.state.set(p, s);
  }
}

/** `value` must be a finite number >= `min` (and < `below` when given); names the option. */
export function checkNumber(op: string, name: string, value: unknown, min: number, below?: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw typeError(op, `${name} must be a finite number, got ${String(value)}`);
  if (value < min) throw rangeError(op, `${name} must be >= ${min}, got ${value}`);
  if (below !== undefined && !(value < below)) throw rangeError(op, `${name} must be < ${below}, got ${value}`);
}

export function checkBoolean(op: string, name: string, value: unknown): void {
  if (typeof value !== 'boolean') throw typeError(op, `${name} must be a boolean, got ${String(value)}`);
}

/**
 * A constructor's options over the optimizer's defaults (PyTorch's), after rejecting keys the
 * defaults do not have: what `Optimizer`'s constructor takes as `defaults`.
 */
export function withDefaults<O extends BaseOptions>(op: string, options: Partial<O>, defaults: O): O {
  checkOptions(op, options, Object.keys(defaults));
  return { ...defaults, ...options };
}

/**
 * Checks hyper-parameters in the order of `defaults`' keys, each by the kind of its default: a
 * boolean default takes a boolean, a number default a finite number >= 0.
 */
export function checkLikeDefaults<O extends BaseOptions>(op: string, options: O, defaults: O): void {
  for (const [key, byDefault] of Object.entries(defaults)) {
    const value: unknown = options[key as keyof O];
    if (typeof byDefault === 'boolean') checkBoolean(op, key, value);
    else checkNumber(op, key, value, 0);
  }
}

/**
 * The optimizer's state in `stateDict()`'s layout (parameters numbered across groups in order, each
 * group's options with `params` as those numbers), every state value passed through `convert`.
 */
export function optimizerLayout<V>(
  optimizer: Optimizer<BaseOptions>,
  convert: (value: number | Tensor, index: number, key: string) => V,
): { state: Record<string, Record<string, V>>; paramGroups: OptimizerStateDict['paramGroups'] } {
  const state: Record<string, Record<string, V>> = {};
  const paramGroups: OptimizerStateDict['paramGroups'] = [];
  let index = 0;
  for (const group of optimizer.paramGroups) {
    const { params, ...options } = group;
    const indices: number[] = [];
    for (const p of params) {
      const s = optimizer.state.get(p);
      if (s) {
        const entry: Record<string, V> = {};
        for (const [key, value] of Object.entries(s)) entry[key] = convert(value, index, key);
        state[String(index)] = entry;
      }
      indices.push(index++);
    }
    paramGroups.push({ ...structuredClone(options), params: indices });
  }
  return { state, paramGroups };
}

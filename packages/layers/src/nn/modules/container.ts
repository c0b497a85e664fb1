import { describeValue, rangeError, typeError } from '@torchlet/tensor';
import { Module } from './module.js';
import type { Parameter } from './parameter.js';

/*
 * The containers. A model with several blocks holds them in a ModuleList (`blocks.0.weight`, as
 * PyTorch names them) or a ModuleDict (`heads.cls.weight`); Sequential is a ModuleList that also
 * chains them. A plain array or object of modules is refused by Module (see `namedMembers`).
 */

function checkModule(op: string, argName: string, m: unknown): void {
  if (!(m instanceof Module)) throw typeError(op, `${argName} must be a Module, got ${describeValue(m)}`);
}

/**
 * Modules kept at fields '0', '1', ... (so `list[i]` reads them and parameters are named `0.weight`),
 * with PyTorch's list operations. The base of ModuleList and Sequential.
 */
export abstract class ModuleSequence<M extends Module, In extends unknown[], Out> extends Module<In, Out> {
  /** `list[i]` is the i-th module (as `list.at(i)` without negative indices). */
  readonly [index: number]: M;
  private _length = 0;

  /** Number of modules. */
  get length(): number {
    return this._length;
  }

  /** The module at `index` (negative counts from the end). */
  at(index: number): M {
    return this.slot(index, `${this.constructor.name}.at`)[1];
  }

  /** Replaces the module at `index` (negative counts from the end), as PyTorch's `list[i] = m`. */
  set(index: number, m: M): this {
    const op = `${this.constructor.name}.set`;
    const [i] = this.slot(index, op);
    checkModule(op, 'module', m);
    this.fields()[String(i)] = m;
    return this;
  }

  /** Adds `m` at the end and returns this. */
  append(m: M): this {
    checkModule(`${this.constructor.name}.append`, 'module', m);
    this.fields()[String(this._length++)] = m;
    return this;
  }

  /** Appends every module of `modules` (an array, another list, any iterable), in order. */
  extend(modules: Iterable<M>): this {
    const op = `${this.constructor.name}.extend`;
    if (modules === null || typeof (modules as Partial<Iterable<M>>)[Symbol.iterator] !== 'function')
      throw typeError(op, `modules must be an iterable of Modules, got ${describeValue(modules)}`);
    const added = [...modules];
    added.forEach((m, i) => checkModule(op, `modules[${i}]`, m));
    for (const m of added) this.append(m);
    return this;
  }

  /** Puts `m` before the module at `index` (negative counts from the end; `length` appends), as list.insert. */
  insert(index: number, m: M): this {
    const op = `${this.constructor.name}.insert`;
    const n = this._length;
    if (!Number.isInteger(index) || index < -n || index > n)
      throw rangeError(op, `index ${index} is out of range for inserting into ${n} modules (expected ${-n}..${n})`);
    checkModule(op, 'module', m);
    const at = index < 0 ? index + n : index;
    const fields = this.fields();
    for (let i = n; i > at; i--) fields[String(i)] = fields[String(i - 1)]!;
    fields[String(at)] = m;
    this._length++;
    return this;
  }

  /** Removes and returns the module at `index` (default the last); later modules move down one. */
  pop(index = -1): M {
    const [at, m] = this.slot(index, `${this.constructor.name}.pop`);
    const fields = this.fields();
    for (let i = at; i < this._length - 1; i++) fields[String(i)] = fields[String(i + 1)]!;
    delete fields[String(--this._length)];
    return m;
  }

  *[Symbol.iterator](): Iterator<M> {
    for (let i = 0; i < this._length; i++) yield this[i]!;
  }

  private fields(): Record<string, M> {
    return this as unknown as Record<string, M>;
  }

  private slot(index: number, op: string): [number, M] {
    const n = this._length;
    if (!Number.isInteger(index) || index < -n || index >= n)
      throw rangeError(op, `index ${index} is out of range for ${n} modules`);
    const i = index < 0 ? index + n : index;
    return [i, this[i]!];
  }
}

/**
 * A list of modules, registered as PyTorch's `nn.ModuleList`: parameters read `blocks.0.weight`,
 * and `parameters()`, `stateDict()`, `train()`, `apply`, `summary` and `toString` see every one.
 * `list[i]`, `at(i)`, `set`, `append`, `extend`, `insert`, `pop`, `length` and `for...of` work as
 * on a Python list. It has no forward of its own: iterate it in yours.
 * @example
 * class Net extends Module {
 *   blocks = new ModuleList([new Conv2d(1, 8, 3), new Conv2d(8, 8, 3)]);
 *   forward(x: Variable): Variable { for (const b of this.blocks) x = relu(b.forward(x)); return x; }
 * }
 */
export class ModuleList<M extends Module = Module> extends ModuleSequence<M, [], never> {
  /** @param modules the modules, in order (an array or any iterable) */
  constructor(modules: Iterable<M> = []) {
    super();
    this.extend(modules);
  }

  /** @throws TypeError always: a ModuleList only holds modules; call them from the owner's forward. */
  forward(): never {
    throw typeError(
      'ModuleList',
      'a ModuleList has no forward; iterate over it in the forward of the module holding it',
    );
  }
}

/**
 * Modules by name, registered as PyTorch's `nn.ModuleDict`: parameters read `heads.cls.weight`,
 * in insertion order. `get`, `set`, `has`, `pop`, `clear`, `update`, `keys()`, `values()`,
 * `items()`, `length`, and `for...of` over the keys work as on PyTorch's. Keys are non-empty
 * strings without dots. It has no forward of its own.
 * @example const heads = new ModuleDict({ cls: new Linear(16, 10), box: new Linear(16, 4) }); heads.get('cls').forward(h);
 */
export class ModuleDict<M extends Module = Module> extends Module<[], never> {
  private readonly _modules = new Map<string, M>();

  /**
   * @param modules `[name, module]` pairs, or `{ name: module }` (where JavaScript puts integer-like
   *   keys such as '10' first: use pairs to keep them in place)
   */
  constructor(modules: Iterable<readonly [string, M]> | Record<string, M> = {}) {
    super();
    this.update(modules);
  }

  /** Number of modules. */
  get length(): number {
    return this._modules.size;
  }

  /** The module named `key`. @throws RangeError naming the known keys if there is none */
  get(key: string): M {
    const m = this._modules.get(key);
    if (m === undefined)
      throw rangeError(
        'ModuleDict.get',
        `no module named '${String(key)}' (keys: ${this.keys().join(', ') || 'none'})`,
      );
    return m;
  }

  /** Adds or replaces the module named `key` (a replacement keeps its place, as in a Python dict). */
  set(key: string, m: M): this {
    const op = 'ModuleDict.set';
    if (typeof key !== 'string' || key === '' || key.includes('.'))
      throw typeError(op, `key must be a non-empty string without '.', got ${describeValue(key)}`);
    checkModule(op, `modules['${key}']`, m);
    this._modules.set(key, m);
    return this;
  }

  has(key: string): boolean {
    return this._modules.has(key);
  }

  /** Removes and returns the module named `key`. */
  pop(key: string): M {
    const m = this.get(key);
    this._modules.delete(key);
    return m;
  }

  clear(): void {
    this._modules.clear();
  }

  /** Adds every `[name, module]` of `modules` (an object, pairs, or another ModuleDict), in order. */
  update(modules: Iterable<readonly [string, M]> | Record<string, M> | ModuleDict<M>): this {
    const op = 'ModuleDict.update';
    if (modules === null || typeof modules !== 'object')
      throw typeError(
        op,
        `modules must be an object of Modules or [name, Module] pairs, got ${describeValue(modules)}`,
      );
    const pairs: (readonly [string, M])[] =
      modules instanceof ModuleDict
        ? modules.items()
        : Symbol.iterator in modules
          ? [...(modules as Iterable<readonly [string, M]>)]
          : Object.entries(modules as Record<string, M>);
    for (const pair of pairs) {
      if (!Array.isArray(pair) || pair.length !== 2)
        throw typeError(op, `each item must be a [name, Module] pair, got ${describeValue(pair)}`);
    }
    for (const [key, m] of pairs) this.set(key, m);
    return this;
  }

  keys(): string[] {
    return [...this._modules.keys()];
  }

  values(): M[] {
    return [...this._modules.values()];
  }

  items(): [string, M][] {
    return [...this._modules];
  }

  [Symbol.iterator](): Iterator<string> {
    return this._modules.keys();
  }

  protected override *namedMembers(): Generator<[string, Parameter | Module]> {
    yield* this._modules;
  }

  /** @throws TypeError always: a ModuleDict only holds modules; call them from the owner's forward. */
  forward(): never {
    throw typeError(
      'ModuleDict',
      'a ModuleDict has no forward; call its modules in the forward of the module holding it',
    );
  }
}

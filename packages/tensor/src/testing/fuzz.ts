import fc from 'fast-check';
import { ShapeError } from '../errors.js';

/*
 * The validation fuzz harness (also re-exported by `@torchlet/autograd/testing`): an op's valid arguments (plain data, so a counterexample prints
 * readably) are generated, one argument is replaced by a bad value, and the call must throw a
 * ShapeError, RangeError or TypeError whose message starts with the op's name and names the
 * argument. Anything else is a failure: returning (a silent wrong answer or NaN), a non-typed
 * error, or a raw engine error such as "Cannot read properties of undefined" (which has no
 * `op: ` prefix). Calls are synchronous and sizes small, so a hang shows as a test timeout.
 */

let generated = 0;
let misbehaved = 0;

/** Bad inputs tried so far in this test file. */
export function generatedCount(): number {
  return generated;
}

/** The line a fuzz file prints at the end: how many bad inputs, and whether all were rejected. */
export function summary(what: string): string {
  const verdict =
    misbehaved === 0
      ? 'all rejected with typed errors'
      : `${misbehaved} NOT rejected properly (see the failures above)`;
  return `fuzz: ${generated} invalid inputs to ${what}, ${verdict}`;
}

/** How a value prints in a failure report. */
export function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined || typeof v === 'bigint')
    return String(v);
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  const name = (v as object).constructor?.name;
  if (name && name !== 'Object') return name;
  return `{ ${Object.entries(v as object)
    .map(([k, x]) => `${k}: ${show(x)}`)
    .join(', ')} }`;
}

/**
 * Null when `call` rejected its input properly; otherwise what went wrong.
 * @param op     the prefix the message must start with (`conv2d`), or several accepted spellings
 * @param names  what the message must mention: the argument's name, as a string or a pattern
 */
export function misbehaviour(
  op: string | readonly string[],
  names: string | RegExp,
  call: () => unknown,
  mayReturn = false,
): string | null {
  generated += 1;
  const problem = diagnose(op, names, call, mayReturn);
  if (problem !== null) misbehaved += 1;
  return problem;
}

function diagnose(
  op: string | readonly string[],
  names: string | RegExp,
  call: () => unknown,
  mayReturn: boolean,
): string | null {
  let out: unknown;
  try {
    out = call();
  } catch (e) {
    if (!(e instanceof ShapeError || e instanceof RangeError || e instanceof TypeError)) {
      return `threw ${(e as Error)?.constructor?.name ?? typeof e}, not a typed error: ${(e as Error)?.message}`;
    }
    const ops = typeof op === 'string' ? [op] : op;
    if (!ops.some((o) => e.message.startsWith(`${o}: `)))
      return `threw a ${e.name} without the '${ops.join("' or '")}: ' prefix: ${e.message}`;
    const named = typeof names === 'string' ? e.message.includes(names) : names.test(e.message);
    if (!named) return `the ${e.name} does not name ${String(names)}: ${e.message}`;
    return null;
  }
  return mayReturn ? null : `accepted the bad input and returned ${show(out)}`;
}

/** One way to break an op's call: which argument, the bad values, and how they enter the call. */
export interface Mutation<V> {
  /** What the message must name; default: the mutation's key. */
  names?: string | RegExp;
  bad: fc.Arbitrary<unknown>;
  call: (valid: V, bad: unknown) => unknown;
  /**
   * The value may be valid (a stride of 2^53 over a short input is one window): returning is fine,
   * but a throw must still be a typed error with the op's prefix naming the argument.
   */
  mayReturn?: boolean;
}

export interface OpSpec<V> {
  /** The op name every message must start with (or several accepted spellings). */
  op: string | readonly string[];
  /** Valid arguments as plain data. */
  valid: fc.Arbitrary<V>;
  mutations: Record<string, Mutation<V>>;
}

/**
 * Asserts, with fast-check, that every mutation of `spec` is rejected properly.
 * @returns the number of bad inputs tried
 */
export function fuzzOp<V>(spec: OpSpec<V>, numRuns = 100): number {
  const before = generated;
  const keys = Object.keys(spec.mutations);
  const arb = fc.oneof(...keys.map((k) => fc.tuple(fc.constant(k), spec.valid, spec.mutations[k]!.bad)));
  fc.assert(
    fc.property(arb, ([key, valid, bad]) => {
      const m = spec.mutations[key]!;
      const problem = misbehaviour(spec.op, m.names ?? key, () => m.call(valid, bad), m.mayReturn ?? false);
      if (problem)
        throw new Error(
          `${typeof spec.op === 'string' ? spec.op : spec.op[0]}: bad ${key} = ${show(bad)} with ${show(valid)}: ${problem}`,
        );
    }),
    { numRuns: numRuns * keys.length },
  );
  return generated - before;
}

// ---------------------------------------------------------------------------------------------
// Pools of bad values

/** Not a tensor at all, including a duck-typed impostor with a shape and dtype. */
export const notTensor = fc.constantFrom<unknown>(
  null,
  undefined,
  3,
  'x',
  [1, 2],
  {},
  true,
  { shape: [2, 2], dtype: 'float32' },
  new Float32Array(4),
);

/** Bad sizes for an integer argument that must be >= `min` (never undefined: that may mean a default). */
export function badInt(min: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom<unknown>(Number.NaN, Infinity, -Infinity, 1.5, -0.5, '2', null, true, [], {}, [2]),
    fc.integer({ min: Math.max(-1000, min - 1000), max: min - 1 }),
    fc.double({ min: min + 0.01, max: min + 100, noNaN: true }).filter((d) => !Number.isInteger(d)),
  );
}

/** A shape argument with a bad entry, or not an array of numbers at all. */
export const badShape = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    'abc',
    3,
    {},
    true,
    [Number.NaN],
    [1.5],
    [-1],
    [2, -3],
    [Infinity],
    ['2'],
    [null],
    [2, undefined],
  ),
  fc
    .tuple(
      fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
      fc.constantFrom<unknown>(-2, 0.5, Number.NaN, '1', null, -Infinity),
    )
    .map(([ok, bad]) => [...ok, bad]),
);

/** An axis that is out of range for rank `ndim`, or not an integer. */
export function badAxis(ndim: number): fc.Arbitrary<unknown> {
  const n = Math.max(ndim, 1);
  return fc.oneof(
    fc.constantFrom<unknown>(0.5, Number.NaN, Infinity, '0', null, true, {}),
    fc.integer({ min: n, max: n + 20 }),
    fc.integer({ min: -n - 20, max: -n - 1 }),
  );
}

/** Not one of the dtypes. */
export const badDType = fc.constantFrom<unknown>('float16', 'int64', 'Float32', '', 'bool', 3, null, {});

/** Not a boolean (undefined excluded: it usually means the default). */
export const badBool = fc.constantFrom<unknown>(1, 0, 'true', 'false', null, {}, []);

/** Not a finite number. */
export const badFinite = fc.constantFrom<unknown>(Number.NaN, Infinity, -Infinity, '1', null, {}, true);

// Inside an options object null means "the default" (PyTorch's None), as `??` reads it.
/** Not a boolean, for an options field (null is the default there). */
export const badBoolOption = fc.constantFrom<unknown>(1, 0, 'true', 'false', {}, []);
/** Not a finite number, for an options field (null is the default there). */
export const badFiniteOption = fc.constantFrom<unknown>(Number.NaN, Infinity, -Infinity, '1', {}, true);

/**
 * Bad per-axis sizes (`stride`, `kernelSize`, ...) that must be integers >= `min`: a number, or a tuple
 * of one per spatial axis, so tuples here have a length no op takes (0 or 4) or a bad entry. (null is
 * left out: in options it means the default.)
 */
export function badSpatial(min: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom<unknown>(
      Number.NaN,
      Infinity,
      -Infinity,
      1.5,
      '2',
      true,
      {},
      [],
      [1, 1, 1, 1],
      [Number.NaN],
      ['1', 1],
    ),
    fc.integer({ min: Math.max(-1000, min - 1000), max: min - 1 }),
    fc.integer({ min: Math.max(-1000, min - 1000), max: min - 1 }).map((d) => [d]),
  );
}

/** Not an options object. */
export const badOptions = fc.constantFrom<unknown>(null, 3, 'x', true);

/** A small valid shape. */
export function arbSmallShape(minRank = 1, maxRank = 3, maxDim = 4): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: minRank, maxLength: maxRank });
}

/**
 * Sizes near and past the limits: 2^31 (a tensor holds at most 2^31 − 1 elements, and int32 index
 * arithmetic ends there) and 2^53 (where doubles stop counting exactly). Each is more than a tensor
 * holds, or with any other axis of 2 or more it is.
 */
export const hugeSize = fc.constantFrom<number>(
  2 ** 31 - 1,
  2 ** 31,
  2 ** 31 + 1,
  2 ** 32,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 53 + 2,
  2 ** 64,
);

/** Shapes holding more elements than a tensor can: a size from `hugeSize` beside an axis >= 2, or moderate axes whose product is. */
export const hugeShape: fc.Arbitrary<number[]> = fc.oneof(
  fc.tuple(hugeSize, fc.integer({ min: 2, max: 3 }), fc.boolean()).map(([h, d, first]) => (first ? [h, d] : [d, h])),
  hugeSize.filter((h) => h > 2 ** 31 - 1).map((h) => [h]),
  fc.constantFrom<number[]>([2 ** 16, 2 ** 16], [2 ** 11, 2 ** 11, 2 ** 10], [3, 2 ** 30]),
);

// ---------------------------------------------------------------------------------------------
// Unknown option keys

/** Where a public options object enters: the op's name, every option it takes, and a valid call given them. */
export interface OptionsSpec {
  /** The op name every message must start with (or several accepted spellings). */
  op: string | readonly string[];
  /** Every option the object takes: each must be accepted, anything else refused. */
  known: readonly string[];
  /** A valid call with `options` as the options object under test. */
  call: (options: Record<string, unknown>) => unknown;
}

/**
 * A key an options object does not take, with the known name the error must suggest (null for none):
 * the snake_case spelling of a camelCase option (`weight_decay` → `weightDecay`), a typo with one
 * letter doubled (`paddding` → `padding`), or a stranger (`unexpected7`) that resembles nothing.
 */
export function arbUnknownKey(known: readonly string[]): fc.Arbitrary<[string, string | null]> {
  const snake = known
    .map((k) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), k] as [string, string])
    .filter(([s, k]) => s !== k);
  const typos = known
    .filter((k) => k.length >= 4)
    .map((k) =>
      fc.integer({ min: 1, max: k.length - 2 }).map((i): [string, string] => [k.slice(0, i + 1) + k.slice(i), k]),
    )
    .map((arb) => arb.filter(([typo]) => !known.includes(typo)));
  const stranger = fc.nat({ max: 99 }).map((n): [string, null] => [`unexpected${n}`, null]);
  return fc.oneof(stranger, ...(snake.length ? [fc.constantFrom(...snake)] : []), ...typos);
}

/**
 * Asserts, with fast-check, that `spec.call` refuses every unknown key with a TypeError that names the
 * key, says `did you mean` the near option when there is one (and not otherwise), and that it takes
 * every known key (each set to `undefined`) as known, so a list that forgets an option fails too.
 * @returns the number of bad inputs tried
 */
export function fuzzOptionKeys(spec: OptionsSpec, numRuns = 20): number {
  const before = generated;
  const ops = typeof spec.op === 'string' ? [spec.op] : spec.op;
  const defaults = Object.fromEntries(spec.known.map((k) => [k, undefined]));
  try {
    spec.call(defaults);
  } catch (e) {
    // An option may be required (a learning rate); but none may be unknown.
    if (e instanceof Error && /unknown (option|key)/.test(e.message))
      throw new Error(`${ops[0]}: a known option was refused as unknown: ${e.message}`);
  }
  fc.assert(
    fc.property(arbUnknownKey(spec.known), fc.constantFrom<unknown>(undefined, 1, 'x', true), ([key, hint], value) => {
      let thrown: unknown = null;
      const problem = misbehaviour(spec.op, new RegExp(`unknown (option|key) '${key}'`), () => {
        try {
          return spec.call({ [key]: value });
        } catch (e) {
          thrown = e;
          throw e;
        }
      });
      const message = thrown instanceof Error ? thrown.message : '';
      const wrong =
        problem ??
        (!(thrown instanceof TypeError)
          ? `threw ${show(thrown)}, not a TypeError`
          : hint !== null && !message.includes(`did you mean '${hint}'?`)
            ? `does not suggest '${hint}': ${message}`
            : hint === null && message.includes('did you mean')
              ? `suggests a name for a key that resembles none: ${message}`
              : null);
      if (wrong) throw new Error(`${ops[0]}: unknown option ${key} = ${show(value)}: ${wrong}`);
    }),
    { numRuns },
  );
  return generated - before;
}

import * as T from '@torchlet/tensor';
import type { Tensor } from '@torchlet/tensor';
import { enableGrad, noGrad } from './grad-mode.js';
import { grad } from './grad.js';
import { concat, reshape } from './ops/movement.js';
import { Variable } from './variable.js';

export interface GradcheckOptions {
  /** Finite-difference step. Default 1e-6. */
  eps?: number;
  /** Absolute tolerance. Default 1e-5. */
  atol?: number;
  /** Relative tolerance, against the numerical value. Default 1e-3. */
  rtol?: number;
  /** Seeds the random gradOutput used for outputs too large for a full Jacobian. Default 0. */
  seed?: number;
}

const GRADCHECK_KEYS = T.optionKeys<GradcheckOptions>({ eps: true, atol: true, rtol: true, seed: true });

/** A gradient that disagrees with central differences; fields name where. */
export class GradcheckError extends Error {
  override name = 'GradcheckError';
  constructor(
    message: string,
    /** Position of the offending input in `inputs`. */
    readonly inputIndex: number,
    /** Flat (row-major) index of the offending element of that input. */
    readonly elementIndex: number,
    readonly analytical: number,
    readonly numerical: number,
    /** Flat index of the output element whose row disagrees, or null when checked through a random gradOutput. */
    readonly outputIndex: number | null,
  ) {
    super(message);
  }
}

// Up to this many output elements the whole Jacobian is compared, one backward per row, so an
// error names the output element too. Larger outputs are checked through one random gradOutput v:
// vᵀJ from a single backward against the finite differences of v·f — a wrong entry of J survives
// only if it happens to be orthogonal to v.
const FULL_JACOBIAN_MAX = 16;

/**
 * Checks `fn`'s gradients against central differences, `(f(x + eps) − f(x − eps)) / 2eps`, for
 * every element of every input that requires grad, as `torch.autograd.gradcheck`. An entry
 * passes when `|analytical − numerical| ≤ atol + rtol·|numerical|`.
 *
 * The inputs are copied into fresh leaves first, so `fn` may receive non-leaf values and the
 * caller's `.grad` fields are left untouched.
 *
 * @param fn     maps the inputs to one output Variable (any shape, float64)
 * @param inputs float64 Variables (int32 ones are allowed as constants)
 * @returns true
 * @throws TypeError if a floating-point input or the output is not float64, or no input requires grad
 * @throws GradcheckError naming the input, the element and the analytical vs numerical values
 * @example gradcheck((x) => tanh(x), [randn([3], { dtype: 'float64', requiresGrad: true })])
 */
export function gradcheck(
  fn: (...inputs: Variable[]) => Variable,
  inputs: readonly Variable[],
  options: GradcheckOptions = {},
): true {
  if (typeof fn !== 'function') throw T.typeError('gradcheck', `fn must be a function, got ${T.describeValue(fn)}`);
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, seed = 0 } = T.checkOptions('gradcheck', options, GRADCHECK_KEYS);
  for (const [name, value, min] of [
    ['eps', eps, 0],
    ['atol', atol, 0],
    ['rtol', rtol, 0],
  ] as const) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (name === 'eps' && value === 0)) {
      throw T.rangeError(
        'gradcheck',
        `${name} must be a finite number ${name === 'eps' ? '> 0' : '>= 0'}, got ${T.describeValue(value)}`,
      );
    }
  }
  if (typeof seed !== 'number' || !Number.isFinite(seed))
    throw T.typeError('gradcheck', `seed must be a finite number, got ${T.describeValue(seed)}`);
  if (!Array.isArray(inputs)) throw T.typeError('gradcheck', 'inputs must be an array of Variables');
  inputs.forEach((x, i) => {
    if (!(x instanceof Variable))
      throw T.typeError('gradcheck', `inputs[${i}] must be a Variable, got ${x === null ? 'null' : typeof x}`);
    if (x.dtype === 'float32') {
      throw T.typeError(
        'gradcheck',
        `inputs[${i}] is float32 ${T.formatShape(x.shape)}; finite differences need float64 inputs (float32 keeps only ~7 digits)`,
      );
    }
  });
  if (!inputs.some((x) => x.requiresGrad))
    throw T.typeError('gradcheck', 'no input requires grad; create them with requiresGrad: true');

  // Fresh contiguous leaves: element j of input i is data[j], and perturbing it touches nothing else.
  const leaves = inputs.map((x) => new Variable(T.clone(x.data), { requiresGrad: x.requiresGrad }));
  const output = fn(...leaves);
  if (!(output instanceof Variable)) throw T.typeError('gradcheck', 'fn must return a Variable');
  if (output.dtype !== 'float64')
    throw T.typeError(
      'gradcheck',
      `fn returned ${output.dtype} ${T.formatShape(output.shape)}; gradcheck needs a float64 output`,
    );
  const outSize = output.size;
  const full = outSize <= FULL_JACOBIAN_MAX;

  // Analytical: rows of the Jacobian (full) or one vector-Jacobian product (projected).
  const analytical = (gradOutput: Tensor, retainGraph: boolean): Float64Array[] => {
    for (const leaf of leaves) leaf.grad = null;
    if (output.requiresGrad) output.backward(gradOutput, { retainGraph });
    return leaves.map((leaf) =>
      leaf.grad ? (T.cast(leaf.grad, 'float64').toTypedArray() as Float64Array) : new Float64Array(leaf.size),
    );
  };
  let rows: Float64Array[][] = [];
  let projection: Float64Array | null = null;
  if (full) {
    for (let o = 0; o < outSize; o++) {
      const oneHot = T.zeros(output.shape, { dtype: 'float64' });
      oneHot.data[o] = 1;
      rows.push(analytical(oneHot, true));
    }
  } else {
    const v = T.randn(output.shape, { dtype: 'float64', generator: new T.Generator(seed) });
    projection = v.data as Float64Array;
    rows = [analytical(v, false)];
  }

  // A copy: a view-returning fn (reshape, slice) would otherwise share the storage being perturbed.
  const evaluate = (): Float64Array => {
    const y = noGrad(() => fn(...leaves));
    return T.contiguousData(y.data).slice() as Float64Array;
  };
  leaves.forEach((leaf, i) => {
    if (!leaf.requiresGrad) return;
    const data = leaf.data.data;
    for (let j = 0; j < data.length; j++) {
      const original = data[j]!;
      data[j] = original + eps;
      const plus = evaluate();
      data[j] = original - eps;
      const minus = evaluate();
      data[j] = original;
      const column = new Float64Array(outSize);
      for (let o = 0; o < outSize; o++) column[o] = (plus[o]! - minus[o]!) / (2 * eps);
      if (projection) {
        let numerical = 0;
        for (let o = 0; o < outSize; o++) numerical += projection[o]! * column[o]!;
        check(rows[0]![i]![j]!, numerical, i, j, null);
      } else {
        for (let o = 0; o < outSize; o++) check(rows[o]![i]![j]!, column[o]!, i, j, o);
      }
    }
  });
  return true;

  function check(a: number, n: number, i: number, j: number, o: number | null): void {
    const tolerance = atol + rtol * Math.abs(n);
    if (Math.abs(a - n) <= tolerance) return;
    const where = `input ${i}, element ${j} ${formatIndex(j, inputs[i]!.shape)}`;
    const of =
      o === null
        ? `through a random gradOutput (seed ${seed})`
        : `for output element ${o} ${formatIndex(o, output.shape)}`;
    throw new GradcheckError(
      `gradcheck: ${where}: analytical ${a} vs numerical ${n} ${of}; ` +
        `|difference| ${Math.abs(a - n).toPrecision(3)} exceeds atol + rtol·|numerical| = ${tolerance.toPrecision(3)}`,
      i,
      j,
      a,
      n,
      o,
    );
  }
}

/** Flat row-major index → `[i0, i1, ...]` in `shape`. */
function formatIndex(flat: number, shape: readonly number[]): string {
  const index = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    index[k] = flat % shape[k]!;
    flat = Math.floor(flat / shape[k]!);
  }
  return `[${index.join(', ')}]`;
}

/**
 * Checks second derivatives, as `torch.autograd.gradgradcheck`: the gradients of `fn` taken with
 * `createGraph` (for a random float64 gradOutput that is itself an input) are checked by `gradcheck`
 * against central differences, so every op on the way needs a correct differentiable backward.
 *
 * @param fn     maps the inputs to one output Variable (float64)
 * @param inputs float64 Variables
 * @returns true
 * @throws GradcheckError where a second derivative disagrees (inputIndex counts the gradOutput last)
 * @example gradgradcheck((x) => tanh(x), [randn([3], { dtype: 'float64', requiresGrad: true })])
 */
export function gradgradcheck(
  fn: (...inputs: Variable[]) => Variable,
  inputs: readonly Variable[],
  options: GradcheckOptions = {},
): true {
  if (typeof fn !== 'function') throw T.typeError('gradgradcheck', `fn must be a function, got ${T.describeValue(fn)}`);
  if (!Array.isArray(inputs)) throw T.typeError('gradgradcheck', 'inputs must be an array of Variables');
  T.checkOptions('gradgradcheck', options, GRADCHECK_KEYS);
  const probe = fn(...inputs.map((x) => new Variable(T.clone(x.data), { requiresGrad: x.requiresGrad })));
  if (!(probe instanceof Variable)) throw T.typeError('gradgradcheck', 'fn must return a Variable');
  const gradOutput = new Variable(
    T.randn(probe.shape, { dtype: 'float64', generator: new T.Generator((options.seed ?? 0) + 1) }),
    { requiresGrad: true },
  );
  const differentiable = inputs.map((x) => x.requiresGrad);
  // The first derivatives, flattened into one output so gradcheck sees every one of them.
  // Under gradcheck's noGrad (its finite differences) the first derivatives still need their graph.
  const firstDerivatives = (...all: Variable[]): Variable => enableGrad(() => firstDerivativesOf(all));
  const firstDerivativesOf = (all: Variable[]): Variable => {
    const xs = all.slice(0, -1);
    const v = all[all.length - 1]!;
    const wrt = xs.filter((_, i) => differentiable[i]);
    const grads = grad(fn(...xs), wrt, { gradOutputs: v, createGraph: true, allowUnused: true });
    return concat(grads.map((g, i) => reshape(g ?? new Variable(T.zeros(wrt[i]!.shape, { dtype: 'float64' })), [-1])));
  };
  checkSameFirstDerivatives(fn, inputs, gradOutput, options);
  return gradcheck(firstDerivatives, [...inputs, gradOutput], options);
}

/**
 * The first derivatives under `createGraph` (the differentiable backwards) must equal the plain
 * backward's, which `gradcheck` checks: a differentiable backward that is wrong, but whose own
 * derivative is consistent with it, would otherwise pass the second-derivative check.
 */
function checkSameFirstDerivatives(
  fn: (...inputs: Variable[]) => Variable,
  inputs: readonly Variable[],
  gradOutput: Variable,
  options: GradcheckOptions,
): void {
  const { atol = 1e-5, rtol = 1e-3 } = options;
  const leaves = () => inputs.map((x) => new Variable(T.clone(x.data), { requiresGrad: x.requiresGrad }));
  const firstDerivatives = (createGraph: boolean): (Variable | null)[] =>
    enableGrad(() => {
      const xs = leaves();
      const wrt = xs.filter((x) => x.requiresGrad);
      const gradOutputs = createGraph ? gradOutput : gradOutput.data;
      return grad(fn(...xs), wrt, { gradOutputs, createGraph, allowUnused: true });
    });
  const plain = firstDerivatives(false);
  const graph = firstDerivatives(true);
  const wrtIndex = inputs.map((x, i) => (x.requiresGrad ? i : -1)).filter((i) => i >= 0);
  plain.forEach((p, k) => {
    const a = graph[k] ? T.contiguousData(graph[k]!.data) : null;
    const b = p ? T.contiguousData(p.data) : null;
    const n = (a ?? b)?.length ?? 0;
    for (let j = 0; j < n; j++) {
      const withGraph = a ? a[j]! : 0;
      const without = b ? b[j]! : 0;
      if (Math.abs(withGraph - without) <= atol + rtol * Math.abs(without)) continue;
      const i = wrtIndex[k]!;
      throw new GradcheckError(
        `gradgradcheck: input ${i}, element ${j} ${formatIndex(j, inputs[i]!.shape)}: the first derivative under ` +
          `createGraph is ${withGraph} but the plain backward gives ${without}; an op's differentiableBackward ` +
          'disagrees with its backward',
        i,
        j,
        withGraph,
        without,
        null,
      );
    }
  });
}

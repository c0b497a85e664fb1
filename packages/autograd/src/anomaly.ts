import { contiguousData, formatShape, Tensor, typeError } from '@torchlet/tensor';

/*
 * Anomaly detection, as `torch.autograd.detect_anomaly`: while it is on, every op's forward outputs
 * and every gradient a backward returns are scanned for NaN and ±Infinity, and the first one found
 * throws an AnomalyError naming the op, the phase, the input whose gradient went bad and where in the
 * model the op sits. "Where" is a stack of scopes: layers' Module pushes its dotted name
 * (`features.2`) while its forward runs, and each op recorded in the graph keeps the scope it was
 * created in, so a backward failure points at the same layer as a forward one would.
 */

let enabled = false;

/** One level of the scope stack: a name segment (`'features'`, `'2'`; '' for a root) and what it is. */
export interface ScopeEntry {
  readonly name: string;
  /** e.g. the module's class name, shown after the path. */
  readonly kind?: string;
}

const scopes: ScopeEntry[] = [];

/** Where an op was created: the scope path and (when anomaly mode recorded it) the JS stack. */
export interface AnomalyContext {
  readonly scope: string;
  readonly stack: string;
}

/** Whether NaN/Inf checks run on every op (see `detectAnomaly`). */
export function isAnomalyEnabled(): boolean {
  return enabled;
}

/** Turns anomaly detection on or off for everything that follows (prefer `detectAnomaly(fn)`). */
export function setDetectAnomaly(on: boolean): void {
  if (typeof on !== 'boolean') throw typeError('setDetectAnomaly', `on must be a boolean, got ${String(on)}`);
  enabled = on;
}

/**
 * Runs `fn` with anomaly detection on, then restores the previous setting (also when `fn` throws;
 * for a promise, once it settles). Costs a scan of every op's outputs and gradients: for debugging.
 * @throws AnomalyError from the first op whose forward output or backward gradient is NaN or ±Infinity
 * @example detectAnomaly(() => { const loss = crossEntropy(model.forward(x), y); loss.backward(); })
 */
export function detectAnomaly<T>(fn: () => T): T {
  if (typeof fn !== 'function')
    throw typeError('detectAnomaly', `fn must be a function, got ${fn === null ? 'null' : typeof fn}`);
  const previous = enabled;
  enabled = true;
  let result: T;
  try {
    result = fn();
  } catch (e) {
    enabled = previous;
    throw e;
  }
  if (result instanceof Promise) {
    return result.finally(() => {
      enabled = previous;
    }) as T;
  }
  enabled = previous;
  return result;
}

/**
 * Runs `fn` inside a named scope, so anomalies raised by ops created in it say where they sit.
 * layers' Module does this for every forward while anomaly detection is on; call it yourself to
 * label a block of functional code.
 * @example withScope('encoder', () => relu(linear(x, w, b)))
 */
export function withScope<T>(scope: string | ScopeEntry, fn: () => T): T {
  const entry: ScopeEntry = typeof scope === 'string' ? { name: scope } : scope;
  if (entry === null || typeof entry !== 'object' || typeof entry.name !== 'string') {
    throw typeError(
      'withScope',
      `scope must be a string or { name, kind? }, got ${scope === null ? 'null' : typeof scope}`,
    );
  }
  if (typeof fn !== 'function')
    throw typeError('withScope', `fn must be a function, got ${fn === null ? 'null' : typeof fn}`);
  scopes.push(entry);
  try {
    return fn();
  } finally {
    scopes.pop();
  }
}

/**
 * The current scope as it reads in messages: `features.2 (Log)`; `the root module (Net)` when only
 * a root is open; '' outside any scope.
 */
export function currentScope(): string {
  if (scopes.length === 0) return '';
  const path = scopes
    .map((s) => s.name)
    .filter((n) => n !== '')
    .join('.');
  const kind = scopes[scopes.length - 1]!.kind;
  if (path === '') return kind ? `the root module (${kind})` : 'the root scope';
  return kind ? `${path} (${kind})` : path;
}

/** What an op records at creation in anomaly mode, for a later backward error. */
export function captureAnomalyContext(): AnomalyContext {
  return { scope: currentScope(), stack: new Error().stack ?? '' };
}

/** A NaN/Inf found by anomaly detection; the fields repeat what the message says. */
export class AnomalyError extends Error {
  override name = 'AnomalyError';
  constructor(
    message: string,
    readonly op: string,
    readonly phase: 'forward' | 'backward',
    /** For backward: which input's gradient was bad (null when the incoming gradient already was). */
    readonly inputIndex: number | null,
    /** The value found: 'NaN', 'Infinity' or '-Infinity'. */
    readonly value: string,
    /** Scope path of the op, '' when it ran outside any module. */
    readonly scope: string,
    /** JS stack of the forward call that created the op (backward errors, when recorded). */
    readonly forwardStack: string | null,
  ) {
    super(message);
  }
}

interface Found {
  index: number[];
  value: number;
  count: number;
}

/** The first non-finite element of a float tensor (row-major) and how many there are, or null. */
function findNonFinite(t: Tensor): Found | null {
  if (t.dtype === 'int32' || t.size === 0) return null;
  const data = contiguousData(t);
  let first = -1;
  let count = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    // v − v is 0 for finite v and NaN for NaN and ±Infinity: one compare per element.
    if (v - v !== 0) {
      if (first < 0) first = i;
      count++;
    }
  }
  if (first < 0) return null;
  const index = new Array<number>(t.ndim);
  let rest = first;
  for (let k = t.ndim - 1; k >= 0; k--) {
    const d = t.shape[k]!;
    index[k] = rest % d;
    rest = Math.floor(rest / d);
  }
  return { index, value: data[first]!, count };
}

const valueName = (v: number) => (Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity');

function where(found: Found, t: Tensor): string {
  return `at [${found.index.join(', ')}] of ${formatShape(t.shape)}, ${found.count} of ${t.size} elements non-finite`;
}

const inScope = (scope: string) => (scope ? `; in ${scope}` : '; outside any module scope');

/**
 * Forward check: throws if an output holds NaN/Inf. When an input already held one the op only
 * passed it on, and the message says the value came from outside the recorded ops.
 */
export function checkForwardOutputs(op: string, inputs: readonly unknown[], outputs: readonly Tensor[]): void {
  for (let o = 0; o < outputs.length; o++) {
    const out = outputs[o]!;
    const found = findNonFinite(out);
    if (!found) continue;
    const scope = currentScope();
    const value = valueName(found.value);
    for (let i = 0; i < inputs.length; i++) {
      const x = inputs[i];
      if (!(x instanceof Tensor)) continue;
      const bad = findNonFinite(x);
      if (bad) {
        throw new AnomalyError(
          `${op}: input ${i} already holds ${valueName(bad.value)} (${where(bad, x)}) before this op ran; it came from outside ` +
            `the ops anomaly detection watched (the data, a parameter, or an in-place update)${inScope(scope)}`,
          op,
          'forward',
          i,
          valueName(bad.value),
          scope,
          null,
        );
      }
    }
    const which = outputs.length > 1 ? `output ${o}` : 'its output';
    throw new AnomalyError(
      `${op}: forward produced ${value} in ${which} (${where(found, out)}) from finite inputs${inScope(scope)}`,
      op,
      'forward',
      null,
      value,
      scope,
      null,
    );
  }
}

/**
 * Backward check: throws if a gradient an op returned holds NaN/Inf, naming the input it was for;
 * if the gradient arriving at the op was already bad, says so instead.
 */
export function checkBackwardGradients(
  op: string,
  context: AnomalyContext | null,
  gradOutputs: readonly Tensor[],
  gradInputs: readonly (Tensor | null | undefined)[],
): void {
  const scope = context?.scope ?? '';
  const created = context
    ? scope
      ? `; the op was created in ${scope}`
      : '; the op was created outside any module scope'
    : '';
  for (let i = 0; i < gradInputs.length; i++) {
    const g = gradInputs[i];
    if (!(g instanceof Tensor)) continue;
    const found = findNonFinite(g);
    if (!found) continue;
    for (let o = 0; o < gradOutputs.length; o++) {
      const bad = findNonFinite(gradOutputs[o]!);
      if (bad) {
        throw new AnomalyError(
          `${op}: the gradient arriving at output ${o} already holds ${valueName(bad.value)} (${where(bad, gradOutputs[o]!)}); ` +
            `it came from the seed passed to backward() or from gradients summed into it${created}`,
          op,
          'backward',
          null,
          valueName(bad.value),
          scope,
          context?.stack ?? null,
        );
      }
    }
    const value = valueName(found.value);
    throw new AnomalyError(
      `${op}: backward produced ${value} in the gradient for input ${i} (${where(found, g)}) from a finite incoming gradient${created}`,
      op,
      'backward',
      i,
      value,
      scope,
      context?.stack ?? null,
    );
  }
}

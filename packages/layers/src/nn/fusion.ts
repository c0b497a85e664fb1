import { isAnomalyEnabled, type Variable } from '@torchlet/autograd';
import { conv1dReluMaxPool1d, conv2dReluMaxPool2d } from './functional/conv-relu-pool.js';
import type { TensorInput } from './functional/conv-options.js';
import { ReLU } from './modules/activation.js';
import { Conv1d, Conv2d } from './modules/conv.js';
import type { Module } from './modules/module.js';
import { MaxPool1d, MaxPool2d } from './modules/pool.js';

/*
 * The runs of modules Sequential may execute as one fused op, and every test that decides it. A rule
 * applies only where fusing is invisible: the fused op gives the bits of running the modules one by
 * one, so nothing else may observe or change those calls.
 *
 * Two kinds of test, in two places on purpose:
 * - here, what the modules say (their exact classes, options, hooks, anomaly detection): whether the
 *   fused op computes what the modules would;
 * - in the fused op, what the call's data say (backend, dtype, a batched input, output size, room in
 *   the wasm memory; `fusible` in functional/conv-relu-pool.ts): whether the fused kernel runs or the
 *   op runs its parts one by one. Those give the same bits either way, and the op needs them itself
 *   because it is public on its own.
 */

type ModuleClass = abstract new (...args: never[]) => Module;

export interface FusionRule {
  /** The fused op's name. */
  readonly op: string;
  /** The consecutive modules' classes, exactly: a subclass may change what forward does. */
  readonly pattern: readonly ModuleClass[];
  /** Every further test on the matched modules; the rule applies when all pass. */
  readonly tests: readonly ((modules: readonly Module[]) => boolean)[];
  /** The matched modules as one op on `x`. */
  run(modules: readonly Module[], x: TensorInput): Variable;
}

/** Whether a call of `m` must go through its own forward: it has hooks, or its forward was replaced on the instance. */
const isIntercepted = (m: Module) => m.hasForwardHooks() || m.forward !== (Object.getPrototypeOf(m) as Module).forward;

/** Every rule: no module is intercepted, and anomaly detection (which names each module's ops) is off. */
const everyRule = [(modules: readonly Module[]) => !modules.some(isIntercepted), () => !isAnomalyEnabled()];

const same = (v: unknown, n: number) => v === n || (Array.isArray(v) && v.every((e) => e === n));

/** The pool is the fused op's: window 2, stride 2, no padding or dilation, floor mode. */
function isPlainPool2(pool: MaxPool1d | MaxPool2d): boolean {
  const { stride, padding, dilation, ceilMode } = pool.options;
  return (
    same(pool.kernelSize, 2) &&
    (stride == null || same(stride, 2)) &&
    (padding === undefined || same(padding, 0)) &&
    (dilation === undefined || same(dilation, 1)) &&
    !ceilMode
  );
}

function convReluMaxPoolRule(
  op: string,
  Conv: typeof Conv1d | typeof Conv2d,
  Pool: typeof MaxPool1d | typeof MaxPool2d,
  fused: typeof conv2dReluMaxPool2d,
): FusionRule {
  return {
    op,
    pattern: [Conv, ReLU, Pool],
    tests: [...everyRule, (modules) => isPlainPool2(modules[2] as MaxPool1d | MaxPool2d)],
    run(modules, x) {
      const conv = modules[0] as Conv1d | Conv2d;
      return fused(x, conv.weight, conv.bias, conv.options);
    },
  };
}

/** The rules Sequential consults, in order; the first that matches at a position runs. */
export const fusionRules: readonly FusionRule[] = [
  convReluMaxPoolRule('conv2dReluMaxPool2d', Conv2d, MaxPool2d, conv2dReluMaxPool2d),
  convReluMaxPoolRule('conv1dReluMaxPool1d', Conv1d, MaxPool1d, conv1dReluMaxPool1d),
];

/** The rule that applies to `modules` from index `i`, with the modules it spans, or null. */
export function fusionAt(
  modules: readonly Module[],
  i: number,
): { rule: FusionRule; modules: readonly Module[] } | null {
  for (const rule of fusionRules) {
    const span = modules.slice(i, i + rule.pattern.length);
    if (span.length < rule.pattern.length) continue;
    if (!span.every((m, k) => Object.getPrototypeOf(m) === rule.pattern[k]!.prototype)) continue;
    if (rule.tests.every((test) => test(span))) return { rule, modules: span };
  }
  return null;
}

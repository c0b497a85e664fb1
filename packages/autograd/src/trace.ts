import { typeError } from '@torchlet/tensor';
import { Variable } from './variable.js';

/** One op call as a tracer sees it: the op's name, its arguments as passed, the Variables it returned. */
export interface TracedCall {
  /** The name given to `defineOp` (`'conv'`, `'add'`, a user op's name). */
  readonly op: string;
  /** The arguments as the caller passed them: Variables, Tensors, numbers, option objects. */
  readonly args: readonly unknown[];
  /** The op's outputs, one per output (most ops have one). */
  readonly outputs: readonly Variable[];
}

/** Called once per op call, after the op ran. */
export type OpTracer = (call: TracedCall) => void;

let tracer: OpTracer | null = null;
/** How many op calls are running now: an op a forward calls from inside another op is part of that op. */
let depth = 0;

/** Whether `traceOps` is running (checked by every op call, so it stays one comparison). */
export function isTracing(): boolean {
  return tracer !== null;
}

/**
 * Runs `fn` and reports every op call it makes, outermost calls only, to `onCall`, in the order
 * they ran: the ops a forward is made of, with their arguments, which is what ONNX export needs
 * and what the autograd graph alone cannot give (it records nothing under `noGrad` or for inputs
 * that need no gradient). Grad mode and the ops' results are untouched. Traces do not nest.
 * @example const ops: string[] = []; traceOps((c) => ops.push(c.op), () => model.forward(x)); // ['conv', 'relu', ...]
 */
export function traceOps<T>(onCall: OpTracer, fn: () => T): T {
  if (typeof onCall !== 'function') throw typeError('traceOps', 'onCall must be a function');
  if (tracer !== null) throw typeError('traceOps', 'a trace is already running; traces do not nest');
  tracer = onCall;
  depth = 0;
  try {
    return fn();
  } finally {
    tracer = null;
    depth = 0;
  }
}

/** Runs one op call under a trace, reporting it if it is not inside another op. */
export function traceCall<R>(op: string, args: readonly unknown[], run: (...args: unknown[]) => R): R {
  depth++;
  let result: R;
  try {
    result = run(...args);
  } finally {
    depth--;
  }
  if (depth === 0 && tracer !== null) {
    const outputs = Array.isArray(result) ? (result as Variable[]) : [result as Variable];
    if (outputs.every((v) => v instanceof Variable)) tracer({ op, args, outputs });
  }
  return result;
}

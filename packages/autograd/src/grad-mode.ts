import { describeValue, typeError } from '@torchlet/tensor';

let gradEnabled = true;

/** Whether ops currently record the graph. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` with graph recording switched off (evaluation, optimizer updates), like `torch.no_grad()`. */
export function noGrad<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw typeError('noGrad', `fn must be a function, got ${describeValue(fn)}`);
  return withGradMode(false, fn);
}

/** Runs `fn` with graph recording switched on, even inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw typeError('enableGrad', `fn must be a function, got ${describeValue(fn)}`);
  return withGradMode(true, fn);
}

/** Sets the mode for `fn`, restoring the previous one afterwards (also when `fn` throws). */
export function withGradMode<T>(enabled: boolean, fn: () => T): T {
  if (typeof enabled !== 'boolean')
    throw typeError('withGradMode', `enabled must be a boolean, got ${describeValue(enabled)}`);
  if (typeof fn !== 'function') throw typeError('withGradMode', `fn must be a function, got ${describeValue(fn)}`);
  const previous = gradEnabled;
  gradEnabled = enabled;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

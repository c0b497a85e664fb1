import { gradcheck, sum, type GradcheckOptions, type Variable } from '@torchlet/autograd';
import fc from 'fast-check';
import { expect } from 'vitest';

// Property tests draw zero-size dimensions (an empty batch, an empty output axis) where PyTorch
// allows them. A gradcheck of such a call compares nothing (no output element, or no input element
// to perturb), so these helpers check what PyTorch guarantees there instead.

/** A size (a batch, an output axis) of 1 to `max`, or 0 about one draw in `1 + weight`. */
export const arbSizeOrZero = (max = 2, weight = 6): fc.Arbitrary<number> =>
  fc.oneof({ weight, arbitrary: fc.integer({ min: 1, max }) }, { weight: 1, arbitrary: fc.constant(0) });

/**
 * The backward of `y` as PyTorch runs it: every input that requires a gradient gets one of its own
 * shape (empty for an empty input), and all zeros when `y` is empty (a weight's gradient over an
 * empty batch).
 */
export function expectZeroSizeBackward(y: Variable, inputs: readonly Variable[]): void {
  for (const x of inputs) x.grad = null;
  sum(y).backward();
  inputs.forEach((x, i) => {
    if (!x.requiresGrad) return;
    expect(x.grad?.shape ?? null, `the gradient of input ${i} ${JSON.stringify(x.shape)}`).toEqual(x.shape);
    if (y.size === 0)
      expect(
        Array.from(x.grad!.toTypedArray()).every((v) => v === 0),
        `the gradient of input ${i} through an empty output is all zeros`,
      ).toBe(true);
  });
}

/**
 * gradcheck of `fn` at `inputs`, or, when an input or the output has no elements (where gradcheck
 * compares nothing), `expectZeroSizeBackward`. Returns whether it was a zero-size case.
 */
export function gradcheckOrEmpty(
  fn: (...inputs: Variable[]) => Variable,
  inputs: Variable[],
  options?: GradcheckOptions,
): boolean {
  const y = fn(...inputs);
  if (y.size > 0 && inputs.every((x) => x.size > 0)) {
    gradcheck(fn, inputs, options);
    return false;
  }
  expectZeroSizeBackward(y, inputs);
  return true;
}

/**
 * A loss over no elements, as PyTorch: 'none' gives the empty elementwise loss, 'sum' 0, 'mean' NaN
 * (0 / 0), 'batchmean' the sum over the batch size (NaN for an empty batch, 0 otherwise).
 */
export function expectEmptyLoss(y: Variable, reduction: string, inputShape: readonly number[]): void {
  if (reduction === 'none') return void expect(y.size).toBe(0);
  expect(y.shape).toEqual([]);
  const value = y.data.item();
  if (reduction === 'sum' || (reduction === 'batchmean' && inputShape[0] !== 0)) expect(Math.abs(value)).toBe(0);
  else expect(value).toBeNaN();
}

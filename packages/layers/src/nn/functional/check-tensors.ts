import { typeError } from '@torchlet/tensor';

/**
 * The entry check shared by ops that take `(input, weight, bias?)`: each must be a Tensor or a
 * Variable (anything with a shape and a dtype); `bias` may be null or undefined.
 * @throws TypeError naming the op and the argument
 */
export function checkInputWeightBias(op: string, input: unknown, weight: unknown, bias: unknown): void {
  for (const [name, t] of [
    ['input', input],
    ['weight', weight],
    ['bias', bias],
  ] as const) {
    if (name === 'bias' && (t === null || t === undefined)) continue;
    if (t === null || typeof t !== 'object' || !('shape' in t) || !('dtype' in t)) {
      throw typeError(op, `${name} must be a Tensor or Variable, got ${t === null ? 'null' : typeof t}`);
    }
  }
}

import { defineOp, Variable, type ForwardContext } from '@torchlet/autograd';
import {
  contiguousData,
  defaultGenerator,
  formatShape,
  Generator,
  rangeError,
  Tensor,
  typeError,
} from '@torchlet/tensor';

type TensorInput = Tensor | Variable;

export interface DropoutOptions {
  /** Probability of zeroing an element, in [0, 1]. Default 0.5. */
  p?: number;
  /** Apply dropout (true, default) or pass the input through (evaluation). */
  training?: boolean;
  /** Where the mask comes from. Default: the global generator (`manualSeed`). */
  generator?: Generator;
}

/** Multiplies by a 0 / (1 / (1 − p)) mask drawn in forward; backward multiplies by the same mask. */
const dropoutOp = defineOp({
  name: 'dropout',
  forward(ctx: ForwardContext<{ mask: Tensor }>, input: Tensor, p: number, generator: Generator): Tensor {
    const x = contiguousData(input);
    const n = x.length;
    const out = x instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
    const mask = x instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
    // p = 1 drops everything; the scale 1/(1 − p) would be infinite, and 0·∞ is NaN.
    const keep = p === 1 ? 0 : 1 / (1 - p);
    for (let i = 0; i < n; i++) {
      const m = generator.next() < p ? 0 : keep;
      mask[i] = m;
      out[i] = x[i]! * m;
    }
    ctx.save({ mask: new Tensor(mask, input.shape) });
    return new Tensor(out, input.shape);
  },
  backward(ctx, gradOutput: Tensor): [Tensor] {
    const { mask } = ctx.saved;
    const m = mask.data;
    const g = contiguousData(gradOutput);
    const out = m instanceof Float64Array ? new Float64Array(m.length) : new Float32Array(m.length);
    for (let i = 0; i < m.length; i++) out[i] = g[i]! * m[i]!;
    return [new Tensor(out, mask.shape)];
  },
});

/**
 * Inverted dropout, as `torch.nn.functional.dropout`: while training, each element is zeroed with
 * probability `p` and the survivors are scaled by `1 / (1 − p)`, so the expected value is
 * unchanged and evaluation needs no rescaling. With `training: false` (or p = 0) the input is
 * returned as it is. The mask is drawn from `generator`, one draw per element in row-major order.
 *
 * @param input any shape, float
 * @returns same shape
 * @throws RangeError if `p` is outside [0, 1]; TypeError for int32 input
 */
export function dropout(input: TensorInput, options: DropoutOptions = {}): Variable {
  const op = 'dropout';
  if (options === null || typeof options !== 'object') throw typeError(op, 'options must be an object');
  const p = options.p ?? 0.5;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw rangeError(op, `p must be in [0, 1], got p=${String(p)}`);
  const training = options.training ?? true;
  if (typeof training !== 'boolean') throw typeError(op, `training must be a boolean, got ${String(training)}`);
  if (!(input instanceof Tensor) && !(input instanceof Variable))
    throw typeError(op, `input must be a Tensor or Variable, got ${input === null ? 'null' : typeof input}`);
  if (input.dtype === 'int32')
    throw typeError(op, `input must be float32 or float64, got int32 ${formatShape(input.shape)}`);
  const generator = options.generator ?? defaultGenerator();
  if (!(generator instanceof Generator)) throw typeError(op, 'generator must be a Generator');
  if (!training || p === 0) return input instanceof Variable ? input : new Variable(input);
  return dropoutOp(input, p, generator);
}

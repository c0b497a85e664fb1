import { defineOp, mul, Variable, type ForwardContext } from '@torchlet/autograd';
import {
  checkOptions,
  optionKeys,
  contiguousData,
  defaultGenerator,
  formatShape,
  Generator,
  rangeError,
  shapeError,
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

/**
 * Multiplies by a 0 / (1 / (1 − p)) mask drawn in forward; backward multiplies by the same mask.
 * One draw per `run` consecutive elements: 1 for elementwise dropout, a channel's plane for the
 * channel dropouts (so the draws, and the mask for a seed, do not depend on which one is used).
 */
const dropoutOp = defineOp({
  name: 'dropout',
  forward(ctx: ForwardContext<{ mask: Tensor }>, input: Tensor, p: number, generator: Generator, run: number): Tensor {
    const x = contiguousData(input);
    const n = x.length;
    const out = x instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
    const mask = x instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
    // p = 1 drops everything; the scale 1/(1 − p) would be infinite, and 0·∞ is NaN.
    const keep = p === 1 ? 0 : 1 / (1 - p);
    for (let start = 0; start < n; start += run) {
      const m = generator.next() < p ? 0 : keep;
      for (let i = start; i < start + run; i++) {
        mask[i] = m;
        out[i] = x[i]! * m;
      }
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
  differentiableBackward(ctx, gradOutput): [Variable] {
    return [mul(gradOutput, ctx.saved.mask)];
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
  const { p, training, generator } = resolveDropout('dropout', input, options);
  if (!training || p === 0) return input instanceof Variable ? input : new Variable(input);
  return dropoutOp(input, p, generator, 1);
}

/** The checks every dropout shares: options, then a float Tensor or Variable. */
function resolveDropout(
  op: string,
  input: TensorInput,
  options: DropoutOptions,
): { p: number; training: boolean; generator: Generator } {
  checkOptions(op, options, optionKeys<DropoutOptions>({ p: true, training: true, generator: true }));
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
  return { p, training, generator };
}

/**
 * Channel dropout, shared by dropout1d/2d/3d: `input` is `[N, C, ...spatial]` or, unbatched,
 * `[C, ...spatial]`, with `dims` spatial axes; each channel is zeroed whole with probability p.
 */
function channelDropout(op: string, dims: number, input: TensorInput, options: DropoutOptions): Variable {
  if (!(input instanceof Tensor) && !(input instanceof Variable))
    throw typeError(op, `input must be a Tensor or Variable, got ${input === null ? 'null' : typeof input}`);
  if (input.ndim !== dims + 1 && input.ndim !== dims + 2) {
    const layout = ['L', 'H, W', 'D, H, W'][dims - 1]!;
    throw shapeError(op, `input must be [N, C, ${layout}] or [C, ${layout}], got ${formatShape(input.shape)}`);
  }
  const { p, training, generator } = resolveDropout(op, input, options);
  if (!training || p === 0) return input instanceof Variable ? input : new Variable(input);
  let run = 1;
  for (let k = input.ndim - dims; k < input.ndim; k++) run *= input.shape[k]!;
  return run === 0 ? (input instanceof Variable ? input : new Variable(input)) : dropoutOp(input, p, generator, run);
}

/**
 * Channel dropout over `[N, C, L]` or `[C, L]`, as `torch.nn.functional.dropout1d`: each channel is
 * zeroed whole with probability `p`, the rest scaled by 1/(1 − p). One draw per channel, in order.
 * @returns the input's shape
 * @throws ShapeError for another rank; RangeError if `p` is outside [0, 1]
 */
export function dropout1d(input: TensorInput, options: DropoutOptions = {}): Variable {
  return channelDropout('dropout1d', 1, input, options);
}

/** As `dropout1d`, over `[N, C, H, W]` or `[C, H, W]` (`torch.nn.functional.dropout2d`). */
export function dropout2d(input: TensorInput, options: DropoutOptions = {}): Variable {
  return channelDropout('dropout2d', 2, input, options);
}

/** As `dropout1d`, over `[N, C, D, H, W]` or `[C, D, H, W]` (`torch.nn.functional.dropout3d`). */
export function dropout3d(input: TensorInput, options: DropoutOptions = {}): Variable {
  return channelDropout('dropout3d', 3, input, options);
}

import type { Variable } from '@torchlet/autograd';
import { checkOptions, typeError, type Tensor } from '@torchlet/tensor';
import { INTERPOLATE_KEYS, interpolate, type InterpolateOptions } from '../functional/interpolate.js';
import { Module } from './module.js';

/**
 * Resizes the spatial axes, as `torch.nn.Upsample`: `interpolate` with fixed options (`size` or
 * `scaleFactor`, `mode` default 'nearest', `alignCorners` for the linear modes).
 * @example new Upsample({ scaleFactor: 2, mode: 'bilinear' }).forward(x) // [N, C, 8, 8] → [N, C, 16, 16]
 */
export class Upsample extends Module {
  readonly options: Readonly<InterpolateOptions>;

  constructor(options: InterpolateOptions) {
    super();
    const o = checkOptions('Upsample', options, INTERPOLATE_KEYS);
    if ((o.size === undefined) === (o.scaleFactor === undefined))
      throw typeError('Upsample', 'give exactly one of size and scaleFactor');
    this.options = { ...o };
  }

  /** `input [N, C, ...spatial]` → `[N, C, ...size]` */
  forward(input: Tensor | Variable): Variable {
    return interpolate(input, this.options);
  }

  override extraRepr(): string {
    const { size, scaleFactor, mode = 'nearest', alignCorners } = this.options;
    const parts = [
      size !== undefined ? `size=${String(size)}` : `scaleFactor=${String(scaleFactor)}`,
      `mode='${mode}'`,
    ];
    if (alignCorners !== undefined) parts.push(`alignCorners=${alignCorners}`);
    return parts.join(', ');
  }
}

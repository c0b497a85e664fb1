import { checkLikeDefaults, Optimizer, withDefaults, type ParamsInput } from './optimizer.js';

export interface RMSpropOptions {
  /** Learning rate. Default 1e-2. */
  lr?: number;
  /** Smoothing constant of the squared-gradient average. Default 0.99. */
  alpha?: number;
  /** Added to the root (outside the square root). Default 1e-8. */
  eps?: number;
  /** L2 penalty added to the gradient. Default 0. */
  weightDecay?: number;
  /** Momentum factor. Default 0. */
  momentum?: number;
  /** Normalise by the variance of the gradient (its average subtracted) instead of its raw second moment. Default false. */
  centered?: boolean;
  /** Ascend instead of descend. Default false. */
  maximize?: boolean;
}

type Resolved = Required<RMSpropOptions>;

const DEFAULTS: Resolved = {
  lr: 1e-2,
  alpha: 0.99,
  eps: 1e-8,
  weightDecay: 0,
  momentum: 0,
  centered: false,
  maximize: false,
};

/**
 * RMSprop (Hinton), exactly as PyTorch 1.13's `torch.optim.RMSprop`:
 * ```
 * g = ±grad + weightDecay·p
 * v = α·v + (1 − α)·g²
 * centered: ḡ = α·ḡ + (1 − α)·g;  avg = √(v − ḡ²) + eps      else avg = √v + eps
 * momentum > 0: b = momentum·b + g / avg;  p = p − lr·b        else p = p − lr·g / avg
 * ```
 * @example const opt = new RMSprop(model.parameters(), { lr: 1e-3, momentum: 0.9 });
 */
export class RMSprop extends Optimizer<Resolved> {
  constructor(params: ParamsInput<Resolved>, options: RMSpropOptions = {}) {
    super('RMSprop', params, withDefaults('RMSprop', options, DEFAULTS));
  }

  protected checkOptions(o: Resolved): void {
    checkLikeDefaults('RMSprop', o, DEFAULTS);
  }

  step(): void {
    this.eachStep((group, { param, offset, grad, variable }, state) => {
      const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = group;
      const sign = maximize ? -1 : 1;
      const squareAvg = this.buffer(state, 'squareAvg', variable);
      const gradAvg = centered ? this.buffer(state, 'gradAvg', variable) : null;
      const buf = momentum > 0 ? this.buffer(state, 'momentumBuffer', variable) : null;
      for (let i = 0; i < grad.length; i++) {
        const w = param[offset + i]!;
        const g = sign * grad[i]! + weightDecay * w;
        squareAvg[i] = alpha * squareAvg[i]! + (1 - alpha) * g * g;
        let avg: number;
        if (gradAvg !== null) {
          gradAvg[i] = alpha * gradAvg[i]! + (1 - alpha) * g;
          avg = Math.sqrt(squareAvg[i]! - gradAvg[i]! * gradAvg[i]!) + eps;
        } else {
          avg = Math.sqrt(squareAvg[i]!) + eps;
        }
        if (buf !== null) {
          buf[i] = momentum * buf[i]! + g / avg;
          param[offset + i] = w - lr * buf[i]!;
        } else {
          param[offset + i] = w - lr * (g / avg);
        }
      }
    });
  }
}

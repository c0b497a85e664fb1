import { checkLikeDefaults, Optimizer, withDefaults, type ParamsInput } from './optimizer.js';

export interface AdagradOptions {
  /** Learning rate. Default 1e-2. */
  lr?: number;
  /** The rate at a parameter's step t is `lr / (1 + (t − 1)·lrDecay)`. Default 0. */
  lrDecay?: number;
  /** L2 penalty added to the gradient. Default 0. */
  weightDecay?: number;
  /** Starting value of the sum of squared gradients. Default 0. */
  initialAccumulatorValue?: number;
  /** Added to the root (outside the square root). Default 1e-10. */
  eps?: number;
  /** Ascend instead of descend. Default false. */
  maximize?: boolean;
}

type Resolved = Required<AdagradOptions>;

const DEFAULTS: Resolved = {
  lr: 1e-2,
  lrDecay: 0,
  weightDecay: 0,
  initialAccumulatorValue: 0,
  eps: 1e-10,
  maximize: false,
};

/**
 * Adagrad (Duchi et al.), exactly as PyTorch 1.13's `torch.optim.Adagrad`:
 * ```
 * t += 1 (each parameter counts its own steps); g = ±grad + weightDecay·p
 * s = s + g²;  p = p − lr / (1 + (t − 1)·lrDecay) · g / (√s + eps)
 * ```
 * @example const opt = new Adagrad(model.parameters(), { lr: 0.01 });
 */
export class Adagrad extends Optimizer<Resolved> {
  constructor(params: ParamsInput<Resolved>, options: AdagradOptions = {}) {
    super('Adagrad', params, withDefaults('Adagrad', options, DEFAULTS));
  }

  protected checkOptions(o: Resolved): void {
    checkLikeDefaults('Adagrad', o, DEFAULTS);
  }

  step(): void {
    this.eachStep((group, { param, offset, grad, variable }, state, step) => {
      const { lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize } = group;
      const sign = maximize ? -1 : 1;
      const first = !('sum' in state);
      const sum = this.buffer(state, 'sum', variable);
      if (first) sum.fill(initialAccumulatorValue);
      const clr = lr / (1 + (step - 1) * lrDecay);
      for (let i = 0; i < grad.length; i++) {
        const w = param[offset + i]!;
        const g = sign * grad[i]! + weightDecay * w;
        sum[i] = sum[i]! + g * g;
        param[offset + i] = w - clr * (g / (Math.sqrt(sum[i]!) + eps));
      }
    });
  }
}

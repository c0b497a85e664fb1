import { rangeError } from '@torchlet/tensor';
import { checkBoolean, checkNumber, Optimizer, withDefaults, type ParamsInput } from './optimizer.js';

export interface AdadeltaOptions {
  /** Scales the update. Default 1.0. */
  lr?: number;
  /** Decay of both running averages. Default 0.9. */
  rho?: number;
  /** Added inside both square roots. Default 1e-6. */
  eps?: number;
  /** L2 penalty added to the gradient. Default 0. */
  weightDecay?: number;
  /** Ascend instead of descend. Default false. */
  maximize?: boolean;
}

type Resolved = Required<AdadeltaOptions>;

const DEFAULTS: Resolved = { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false };

/**
 * Adadelta (Zeiler), exactly as PyTorch 1.13's `torch.optim.Adadelta`:
 * ```
 * g = ±grad + weightDecay·p
 * v = ρ·v + (1 − ρ)·g²
 * Δ = √(u + eps) / √(v + eps) · g
 * u = ρ·u + (1 − ρ)·Δ²
 * p = p − lr·Δ
 * ```
 * @example const opt = new Adadelta(model.parameters(), { lr: 1.0 }); // pytorch/examples mnist
 */
export class Adadelta extends Optimizer<Resolved> {
  constructor(params: ParamsInput<Resolved>, options: AdadeltaOptions = {}) {
    super('Adadelta', params, withDefaults('Adadelta', options, DEFAULTS));
  }

  protected checkOptions(o: Resolved): void {
    checkNumber('Adadelta', 'lr', o.lr, 0);
    checkNumber('Adadelta', 'rho', o.rho, 0);
    if (o.rho > 1) throw rangeError('Adadelta', `rho must be in [0, 1], got ${o.rho}`);
    checkNumber('Adadelta', 'eps', o.eps, 0);
    checkNumber('Adadelta', 'weightDecay', o.weightDecay, 0);
    checkBoolean('Adadelta', 'maximize', o.maximize);
  }

  step(): void {
    this.eachStep((group, { param, offset, grad, variable }, state) => {
      const { lr, rho, eps, weightDecay, maximize } = group;
      const sign = maximize ? -1 : 1;
      const squareAvg = this.buffer(state, 'squareAvg', variable);
      const accDelta = this.buffer(state, 'accDelta', variable);
      for (let i = 0; i < grad.length; i++) {
        const w = param[offset + i]!;
        const g = sign * grad[i]! + weightDecay * w;
        squareAvg[i] = rho * squareAvg[i]! + (1 - rho) * g * g;
        // In PyTorch's order: √(u + eps) / √(v + eps), then · g.
        const delta = (Math.sqrt(accDelta[i]! + eps) / Math.sqrt(squareAvg[i]! + eps)) * g;
        accDelta[i] = rho * accDelta[i]! + (1 - rho) * delta * delta;
        param[offset + i] = w - lr * delta;
      }
    });
  }
}

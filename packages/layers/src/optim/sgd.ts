import { optionKeys, checkOptions, rangeError } from '@torchlet/tensor';
import { checkBoolean, checkNumber, Optimizer, type ParamsInput } from './optimizer.js';

export interface SGDOptions {
  /** Learning rate (required, as in PyTorch). */
  lr: number;
  /** Momentum factor. Default 0. */
  momentum?: number;
  /** Dampening for momentum. Default 0. */
  dampening?: number;
  /** L2 penalty added to the gradient. Default 0. */
  weightDecay?: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). Default false. */
  nesterov?: boolean;
  /** Ascend instead of descend. Default false. */
  maximize?: boolean;
}

type Resolved = Required<SGDOptions>;

/**
 * Stochastic gradient descent with momentum, exactly as PyTorch 1.13's `torch.optim.SGD`:
 * ```
 * g = ±grad + weightDecay·p
 * b = g (first step) | momentum·b + (1 − dampening)·g
 * g = nesterov ? g + momentum·b : b      (when momentum ≠ 0)
 * p = p − lr·g
 * ```
 * @example const opt = new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
 */
export class SGD extends Optimizer<Resolved> {
  constructor(params: ParamsInput<Resolved>, options: SGDOptions) {
    checkOptions(
      'SGD',
      options,
      optionKeys<SGDOptions>({
        lr: true,
        momentum: true,
        dampening: true,
        weightDecay: true,
        nesterov: true,
        maximize: true,
      }),
    );
    const defaults: Resolved = {
      momentum: 0,
      dampening: 0,
      weightDecay: 0,
      nesterov: false,
      maximize: false,
      ...options,
    };
    super('SGD', params, defaults);
  }

  protected checkOptions(o: Resolved): void {
    checkNumber('SGD', 'lr', o.lr, 0);
    checkNumber('SGD', 'momentum', o.momentum, 0);
    checkNumber('SGD', 'dampening', o.dampening, -Infinity);
    checkNumber('SGD', 'weightDecay', o.weightDecay, 0);
    checkBoolean('SGD', 'nesterov', o.nesterov);
    checkBoolean('SGD', 'maximize', o.maximize);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw rangeError(
        'SGD',
        `nesterov momentum needs momentum > 0 and dampening = 0, got momentum=${o.momentum}, dampening=${o.dampening}`,
      );
    }
  }

  step(): void {
    for (const group of this.paramGroups) {
      const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
      const sign = maximize ? -1 : 1;
      for (const p of group.params) {
        const slots = this.slots(p);
        if (!slots) continue;
        const { param, offset, grad } = slots;
        const n = grad.length;
        if (momentum === 0) {
          for (let i = 0; i < n; i++) {
            const w = param[offset + i]!;
            param[offset + i] = w - lr * (sign * grad[i]! + weightDecay * w);
          }
          continue;
        }
        const state = this.stateOf(p);
        // The buffer starts as a copy of the first gradient, not as zeros.
        const first = !('momentumBuffer' in state);
        const buf = this.buffer(state, 'momentumBuffer', p);
        for (let i = 0; i < n; i++) {
          const w = param[offset + i]!;
          const g = sign * grad[i]! + weightDecay * w;
          const b = first ? g : momentum * buf[i]! + (1 - dampening) * g;
          buf[i] = b;
          // Nesterov reads the buffer as stored (rounded to the parameter's dtype), as PyTorch does.
          param[offset + i] = w - lr * (nesterov ? g + momentum * buf[i]! : buf[i]!);
        }
      }
    }
  }
}

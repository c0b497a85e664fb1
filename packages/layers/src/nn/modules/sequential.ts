import { Variable } from '@torchlet/autograd';
import { rangeError, typeError, type Tensor } from '@torchlet/tensor';
import { fusionAt } from '../fusion.js';
import { Module } from './module.js';

type TensorInput = Tensor | Variable;

/**
 * Runs its modules in order, each on the previous one's output, as `torch.nn.Sequential`.
 * Children are named '0', '1', ... (so parameters read `0.weight`, `features.3.bias`);
 * `seq[i]`, `at(i)` (negative counts from the end), `length` and iteration give the modules back.
 * @example new Sequential(new Flatten(), new Linear(784, 10)).forward(x) // [N, 1, 28, 28] → [N, 10]
 */
export class Sequential extends Module {
  /** `seq[i]` is the i-th module (as `seq.at(i)` without negative indices). */
  readonly [index: number]: Module;

  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => this.append(m, i));
  }

  private append(m: Module, i: number): void {
    if (!(m instanceof Module))
      throw typeError('Sequential', `modules[${i}] must be a Module, got ${m === null ? 'null' : typeof m}`);
    (this as unknown as Record<string, Module>)[String(i)] = m;
  }

  /** Number of modules. */
  get length(): number {
    return this.children().length;
  }

  /** The module at `index` (negative counts from the end). */
  at(index: number): Module {
    const n = this.length;
    if (!Number.isInteger(index) || index < -n || index >= n)
      throw rangeError('Sequential.at', `index ${index} is out of range for ${n} modules`);
    return (this as unknown as Record<string, Module>)[String(index < 0 ? index + n : index)]!;
  }

  /** Adds a module at the end and returns this. */
  push(m: Module): this {
    this.append(m, this.length);
    return this;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.children()[Symbol.iterator]();
  }

  /**
   * input → modules[0] → modules[1] → ... → output. A run that a fusion rule matches (Conv2d → ReLU →
   * MaxPool2d(2) goes through `conv2dReluMaxPool2d`; see nn/fusion.ts) runs as one op: the same bits, faster.
   */
  forward(input: TensorInput): Variable {
    let x: TensorInput = input;
    const modules = this.children();
    for (let i = 0; i < modules.length; i++) {
      const fused = fusionAt(modules, i);
      if (fused !== null) {
        x = fused.rule.run(fused.modules, x);
        i += fused.modules.length - 1;
      } else {
        x = modules[i]!.forward(x);
      }
    }
    // An empty Sequential is the identity; forward still returns a Variable.
    return x instanceof Variable ? x : new Variable(x);
  }
}

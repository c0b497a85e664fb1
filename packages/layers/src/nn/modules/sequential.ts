import { Variable } from '@torchlet/autograd';
import { describeValue, typeError, type Tensor } from '@torchlet/tensor';
import { ModuleSequence } from './container.js';
import { fusionAt } from '../fusion.js';
import { Module, type Layer } from './module.js';

type TensorInput = Tensor | Variable;

/**
 * Runs its modules in order, each on the previous one's output, as `torch.nn.Sequential`.
 * Children are named '0', '1', ... (so parameters read `0.weight`, `features.3.bias`);
 * `seq[i]`, `at(i)` (negative counts from the end), `set`, `append`, `extend`, `insert`, `pop`,
 * `length` and iteration work as on a ModuleList. Each module must take one Tensor or Variable and
 * return a Variable (a `Layer`); a module with a flag or a tuple output does not type-check here.
 * @example new Sequential(new Flatten(), new Linear(784, 10)).forward(x) // [N, 1, 28, 28] → [N, 10]
 */
export class Sequential extends ModuleSequence<Layer, [TensorInput], Variable> {
  constructor(...modules: Layer[]) {
    super();
    modules.forEach((m, i) => {
      if (!(m instanceof Module))
        throw typeError('Sequential', `modules[${i}] must be a Module, got ${describeValue(m)}`);
    });
    this.extend(modules);
  }

  /**
   * input → modules[0] → modules[1] → ... → output. A run that a fusion rule matches (Conv2d → ReLU →
   * MaxPool2d(2) goes through `conv2dReluMaxPool2d`; see nn/fusion.ts) runs as one op: the same bits, faster.
   */
  forward(input: TensorInput): Variable {
    let x: TensorInput = input;
    const modules = [...this];
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

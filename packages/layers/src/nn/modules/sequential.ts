import { isAnomalyEnabled, Variable } from '@torchlet/autograd';
import { rangeError, typeError, type Tensor } from '@torchlet/tensor';
import { conv1dReluMaxPool1d, conv2dReluMaxPool2d } from '../functional/conv-relu-pool.js';
import { Module } from './module.js';
import { ReLU } from './activation.js';
import { Conv1d, Conv2d } from './conv.js';
import { MaxPool1d, MaxPool2d } from './pool.js';

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
   * input → modules[0] → modules[1] → ... → output. A Conv2d → ReLU → MaxPool2d(2) run goes through
   * `conv2dReluMaxPool2d` as one op (Conv1d → ReLU → MaxPool1d(2): `conv1dReluMaxPool1d`): the same
   * bits, faster (see `fusedConvBlock`).
   */
  forward(input: TensorInput): Variable {
    let x: TensorInput = input;
    const modules = this.children();
    for (let i = 0; i < modules.length; i++) {
      const block = fusedConvBlock(modules, i);
      if (block !== null) {
        x = block.run(x, block.conv.weight, block.conv.bias, block.conv.options);
        i += 2;
      } else {
        x = modules[i]!.forward(x);
      }
    }
    // An empty Sequential is the identity; forward still returns a Variable.
    return x instanceof Variable ? x : new Variable(x);
  }
}

const same = (v: unknown, n: number) => v === n || (Array.isArray(v) && v.every((e) => e === n));

/**
 * When modules i, i+1, i+2 are a Conv2d, a ReLU and a MaxPool2d (or Conv1d, ReLU, MaxPool1d) whose
 * window is 2 with stride 2, no padding or dilation, floor mode: the fused op that runs the three as
 * one, with the conv. Only for instances of exactly those classes whose forward is the class's own
 * (summary's and the ONNX tracer's per-instance hooks, or a subclass, must see every call), and not
 * while anomaly detection names each module's ops.
 */
function fusedConvBlock(modules: readonly Module[], i: number): FusedBlock | null {
  if (i + 2 >= modules.length || isAnomalyEnabled()) return null;
  const [conv, act, pool] = [modules[i]!, modules[i + 1]!, modules[i + 2]!];
  if (Object.getPrototypeOf(act) !== ReLU.prototype || [conv, act, pool].some((m) => Object.hasOwn(m, 'forward')))
    return null;
  let run: FusedBlock['run'];
  if (Object.getPrototypeOf(conv) === Conv2d.prototype && Object.getPrototypeOf(pool) === MaxPool2d.prototype)
    run = conv2dReluMaxPool2d;
  else if (Object.getPrototypeOf(conv) === Conv1d.prototype && Object.getPrototypeOf(pool) === MaxPool1d.prototype)
    run = conv1dReluMaxPool1d;
  else return null;
  const { kernelSize, options } = pool as MaxPool1d | MaxPool2d;
  const { stride, padding, dilation, ceilMode } = options;
  const fits =
    same(kernelSize, 2) &&
    (stride == null || same(stride, 2)) &&
    (padding === undefined || same(padding, 0)) &&
    (dilation === undefined || same(dilation, 1)) &&
    !ceilMode;
  return fits ? { conv: conv as Conv1d | Conv2d, run } : null;
}

interface FusedBlock {
  conv: Conv1d | Conv2d;
  run: typeof conv2dReluMaxPool2d;
}

import type { Variable } from '@torchlet/autograd';
import { Conv1d, Flatten, Linear, MaxPool1d, Module, ReLU, Sequential } from '@torchlet/layers';
import type { Generator, Tensor } from '@torchlet/tensor';

/** A small 1-D CNN: `x: [N, 1, L]` (L divisible by 4) → logits `[N, 4]`. */
export class SignalNet extends Module {
  net: Sequential;

  constructor(length: number, generator: Generator) {
    super();
    this.net = new Sequential(
      new Conv1d(1, 8, 7, { padding: 3, generator }), // [N, 8, L]
      new ReLU(),
      new MaxPool1d(2), // [N, 8, L/2]
      new Conv1d(8, 16, 5, { padding: 2, generator }), // [N, 16, L/2]
      new ReLU(),
      new MaxPool1d(2), // [N, 16, L/4]
      new Flatten(),
      new Linear(16 * (length / 4), 4, { generator }),
    );
  }

  forward(x: Variable | Tensor): Variable {
    return this.net.forward(x);
  }
}

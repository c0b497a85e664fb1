import { BatchNorm2d, Conv2d, Dropout, Flatten, Linear, MaxPool2d, Module, ReLU, Sequential } from '@torchlet/layers';
import type { Variable } from '@torchlet/autograd';
import type { Generator, Tensor } from '@torchlet/tensor';

/**
 * LeNet-5 (LeCun et al., 1998) with ReLU and max pooling, the modern reading. Parameter names
 * match the PyTorch model of the same structure (`features.0.weight`, `classifier.1.weight`, ...).
 * `x: [N, 1, 28, 28]` → logits `[N, 10]`; 61,706 parameters.
 */
export class LeNet5 extends Module {
  features: Sequential;
  classifier: Sequential;

  constructor(generator?: Generator) {
    super();
    const g = generator ? { generator } : {};
    this.features = new Sequential(
      new Conv2d(1, 6, 5, { padding: 2, ...g }), // [N, 6, 28, 28]
      new ReLU(),
      new MaxPool2d(2), // [N, 6, 14, 14]
      new Conv2d(6, 16, 5, g), // [N, 16, 10, 10]
      new ReLU(),
      new MaxPool2d(2), // [N, 16, 5, 5]
    );
    this.classifier = new Sequential(
      new Flatten(), // [N, 400]
      new Linear(400, 120, g),
      new ReLU(),
      new Linear(120, 84, g),
      new ReLU(),
      new Linear(84, 10, g),
    );
  }

  forward(x: Variable | Tensor): Variable {
    return this.classifier.forward(this.features.forward(x));
  }
}

/**
 * A slightly wider CNN with batch normalisation and dropout: 16 and 32 channels of 5×5 filters.
 * `x: [N, 1, 28, 28]` → logits `[N, 10]`.
 */
export class WideCnn extends Module {
  features: Sequential;
  classifier: Sequential;

  constructor(generator?: Generator) {
    super();
    const g = generator ? { generator } : {};
    this.features = new Sequential(
      new Conv2d(1, 16, 5, { padding: 2, bias: false, ...g }), // [N, 16, 28, 28]
      new BatchNorm2d(16),
      new ReLU(),
      new MaxPool2d(2), // [N, 16, 14, 14]
      new Conv2d(16, 32, 5, { padding: 2, bias: false, ...g }), // [N, 32, 14, 14]
      new BatchNorm2d(32),
      new ReLU(),
      new MaxPool2d(2), // [N, 32, 7, 7]
    );
    this.classifier = new Sequential(
      new Flatten(), // [N, 1568]
      new Linear(32 * 7 * 7, 128, g),
      new ReLU(),
      new Dropout(0.25, generator ? { generator } : {}),
      new Linear(128, 10, g),
    );
  }

  forward(x: Variable | Tensor): Variable {
    return this.classifier.forward(this.features.forward(x));
  }
}

export type ModelName = 'lenet' | 'wide';

export function createModel(name: ModelName, generator?: Generator): LeNet5 | WideCnn {
  return name === 'lenet' ? new LeNet5(generator) : new WideCnn(generator);
}

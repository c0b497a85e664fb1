/**
 * The networks the demo can train, all `[N, 1, 28, 28]` → logits `[N, 10]`. Kept in one list so the
 * page's model menu, the worker and the tests agree on the names.
 */
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '@torchlet/layers';
import type { Generator } from '@torchlet/tensor';

export type ModelName = 'tiny' | 'small' | 'lenet5';

export interface ModelChoice {
  name: ModelName;
  /** What the menu and the progress card show. */
  label: string;
  create(generator: Generator): Sequential;
}

export const MODELS: readonly ModelChoice[] = [
  {
    name: 'tiny',
    label: 'Conv(4)-Pool-Linear',
    // [N, 1, 28, 28] → [N, 4, 28, 28] → [N, 4, 14, 14] → [N, 784] → [N, 10]
    create: (generator) =>
      new Sequential(
        new Conv2d(1, 4, 5, { padding: 2, generator }),
        new ReLU(),
        new MaxPool2d(2),
        new Flatten(),
        new Linear(4 * 14 * 14, 10, { generator }),
      ),
  },
  {
    name: 'small',
    label: 'Conv(8)-Pool-Conv(16)-Pool-Linear',
    // → [N, 8, 28, 28] → [N, 8, 14, 14] → [N, 16, 10, 10] → [N, 16, 5, 5] → [N, 400] → [N, 10]
    create: (generator) =>
      new Sequential(
        new Conv2d(1, 8, 5, { padding: 2, generator }),
        new ReLU(),
        new MaxPool2d(2),
        new Conv2d(8, 16, 5, { generator }),
        new ReLU(),
        new MaxPool2d(2),
        new Flatten(),
        new Linear(16 * 5 * 5, 10, { generator }),
      ),
  },
  {
    name: 'lenet5',
    label: 'LeNet-5: Conv(6)-Pool-Conv(16)-Pool-120-84-10',
    // → [N, 6, 28, 28] → [N, 6, 14, 14] → [N, 16, 10, 10] → [N, 16, 5, 5] → 120 → 84 → [N, 10]
    create: (generator) =>
      new Sequential(
        new Conv2d(1, 6, 5, { padding: 2, generator }),
        new ReLU(),
        new MaxPool2d(2),
        new Conv2d(6, 16, 5, { generator }),
        new ReLU(),
        new MaxPool2d(2),
        new Flatten(),
        new Linear(16 * 5 * 5, 120, { generator }),
        new ReLU(),
        new Linear(120, 84, { generator }),
        new ReLU(),
        new Linear(84, 10, { generator }),
      ),
  },
];

/** The choice called `name`; unknown names are an error, not a silent fallback. */
export function modelChoice(name: string): ModelChoice {
  const found = MODELS.find((m) => m.name === name);
  if (found === undefined)
    throw new RangeError(`model must be one of ${MODELS.map((m) => `'${m.name}'`).join(', ')}, got '${name}'`);
  return found;
}

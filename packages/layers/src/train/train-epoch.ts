import type { Variable } from '@torchlet/autograd';
import { checkInt, checkOptions, typeError, type Tensor } from '@torchlet/tensor';
import type { Module, ModuleInput } from '../nn/modules/module.js';
import type { BaseOptions, Optimizer } from '../optim/optimizer.js';
import { ProgressBar, type ProgressStream } from './progress.js';

export interface TrainEpochOptions {
  /** Shown before the bar (`epoch 3/14`). Default `'train'`. */
  label?: string;
  /** `false` for no bar; a stream to draw it elsewhere. Default: a bar on stdout. */
  progress?: boolean | ProgressStream;
  /** Called after every step with the batch index (from 0) and its loss, e.g. to log every 10th. */
  onBatch?: (batch: number, loss: number) => void;
  /** Called after every optimizer step, e.g. a OneCycleLR's `step()`. */
  afterStep?: () => void;
}

export interface EpochStats {
  /** Mean loss per sample over the epoch (each batch's mean loss weighted by its size). */
  loss: number;
  batches: number;
  images: number;
  seconds: number;
  imagesPerSecond: number;
}

const KEYS = ['label', 'progress', 'onBatch', 'afterStep'] as const;

/**
 * One training epoch, PyTorch's inner loop: for each `[input, target]` batch, `zeroGrad`, forward,
 * `loss(output, target)`, backward, `optimizer.step()`; the model is put in train mode first and a
 * progress bar (images/s, running loss, ETA) follows along. The loop is all there is: write your own
 * when you need more.
 * @param loader batches `[input [B, ...], target [B, ...]]` with a `length` (a DataLoader)
 * @param loss e.g. `(out, y) => F.nllLoss(out, y)`; receives whatever `model.forward` returns (a Variable, a tuple...) and returns a one-element Variable
 * @example
 * for (let epoch = 1; epoch <= 14; epoch++) {
 *   trainEpoch(model, optimizer, loader, F.nllLoss, { label: `epoch ${epoch}` });
 *   scheduler.step();
 * }
 */
export function trainEpoch<Out = Variable>(
  model: Module<[ModuleInput], Out>,
  optimizer: Optimizer<BaseOptions>,
  loader: Iterable<readonly Tensor[]> & { readonly length: number },
  loss: (output: Out, target: Tensor) => Variable,
  options: TrainEpochOptions = {},
): EpochStats {
  const op = 'trainEpoch';
  const o = checkOptions(op, options, KEYS);
  if (typeof loss !== 'function') throw typeError(op, `loss must be a function (output, target) => Variable`);
  const batches = checkInt(op, loader?.length, 'loader.length', 1);
  const bar =
    o.progress === false
      ? null
      : new ProgressBar(
          o.label ?? 'train',
          batches,
          o.progress === true || o.progress === undefined ? {} : { stream: o.progress },
        );
  model.train();
  const start = performance.now();
  let images = 0;
  let total = 0;
  let batch = 0;
  for (const [input, target] of loader) {
    if (input === undefined || target === undefined)
      throw typeError(op, `each batch must be [input, target], got ${input === undefined ? 'nothing' : 'one tensor'}`);
    optimizer.zeroGrad();
    const value = loss(model.forward(input), target);
    if (value.size !== 1) throw typeError(op, `loss must return one value, got shape [${value.shape.join(', ')}]`);
    value.backward();
    optimizer.step();
    o.afterStep?.();
    const item = value.item();
    const size = input.shape[0] ?? 1;
    images += size;
    total += item * size;
    bar?.update(size, item);
    o.onBatch?.(batch, item);
    batch += 1;
  }
  const seconds = (performance.now() - start) / 1000;
  return { loss: total / images, batches: batch, images, seconds, imagesPerSecond: images / seconds };
}

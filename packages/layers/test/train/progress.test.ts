import { Variable } from '@torchlet/autograd';
import { argmax, argmin, Generator, randn, tensor } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { DataLoader } from '../../src/data/data-loader.js';
import { TensorDataset } from '../../src/data/dataset.js';
import { mseLoss } from '../../src/nn/functional/regression-loss.js';
import { Linear } from '../../src/nn/modules/linear.js';
import { SGD } from '../../src/optim/sgd.js';
import { formatSeconds, ProgressBar } from '../../src/train/progress.js';
import { trainEpoch } from '../../src/train/train-epoch.js';

function sink(isTTY: boolean) {
  const out: string[] = [];
  return { out, stream: { isTTY, write: (s: string) => out.push(s) } };
}

describe('ProgressBar', () => {
  it('off a terminal prints plain lines at most every logEverySeconds, and always the last', () => {
    const { out, stream } = sink(false);
    let ms = 0;
    const bar = new ProgressBar('epoch 1', 4, { stream, logEverySeconds: 5, now: () => ms });
    ms = 1000;
    bar.update(10, 2); // 1 s: not due
    ms = 6000;
    bar.update(10, 1); // 6 s: due
    ms = 7000;
    bar.update(10, 1); // 1 s later: not due
    ms = 8000;
    bar.update(10, 1); // the last: always
    expect(out).toEqual([
      'epoch 1 ████████████░░░░░░░░░░░░ 2/4 | 3 img/s | loss 1.9500 | ETA 0:06\n',
      'epoch 1 ████████████████████████ 4/4 | 5 img/s | loss 1.8574 | 0:08 total\n',
    ]);
  });
  it('on a terminal redraws one line in place and ends it', () => {
    const { out, stream } = sink(true);
    let ms = 0;
    const bar = new ProgressBar('train', 2, { stream, now: () => ms });
    ms = 500;
    bar.update(4, 1);
    ms = 1000;
    bar.update(4, 3);
    expect(out.length).toBe(2);
    expect(out[0]).toMatch(/^\rtrain ████████████░░░░░░░░░░░░ 1\/2 \| 8 img\/s \| loss 1\.0000 \| ETA 0:00\x1b\[K$/);
    expect(out[1]).toMatch(/2\/2 \| 8 img\/s \| loss 1\.1000 \| 0:01 total\x1b\[K\n$/);
    expect(bar.runningLoss).toBeCloseTo(1.1, 12);
  });
  it('formatSeconds', () => {
    expect(formatSeconds(75.9)).toBe('1:15');
    expect(formatSeconds(NaN)).toBe('--:--');
  });
  it('errors', () => {
    expect(() => new ProgressBar('x', 0)).toThrow(/ProgressBar: totalBatches must be >= 1, got 0/);
    expect(() => new ProgressBar('x', 3, { smoothing: 0 })).toThrow(/smoothing must be in \(0, 1\], got 0/);
    expect(() => new ProgressBar('x', 3, { log_every_seconds: 1 } as never)).toThrow(
      /unknown option 'log_every_seconds'; did you mean 'logEverySeconds'/,
    );
  });
});

describe('trainEpoch', () => {
  it('runs the loop: zeroGrad, forward, loss, backward, step; returns the mean loss per sample', () => {
    const g = new Generator(3);
    const x = randn([10, 3], { dtype: 'float64', generator: g });
    const y = randn([10, 2], { dtype: 'float64', generator: g });
    const model = new Linear(3, 2, { dtype: 'float64', generator: g });
    const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 4 });
    const optimizer = new SGD(model.parameters(), { lr: 0.1 });
    const losses: number[] = [];
    const { out, stream } = sink(false);
    const stats = trainEpoch(model, optimizer, loader, (o, t) => mseLoss(o, t), {
      progress: stream,
      onBatch: (_, loss) => losses.push(loss),
    });
    expect(stats.batches).toBe(3);
    expect(stats.images).toBe(10);
    expect(stats.loss).toBeCloseTo((losses[0]! * 4 + losses[1]! * 4 + losses[2]! * 2) / 10, 12);
    expect(out.at(-1)).toMatch(/^train █+ 3\/3 \|/);
    // A second epoch starts from the weights the first one left: its first loss is lower.
    const again: number[] = [];
    trainEpoch(model, optimizer, loader, (o, t) => mseLoss(o, t), {
      progress: false,
      onBatch: (_, l) => again.push(l),
    });
    expect(again[0]!).toBeLessThan(losses[0]!);
  });
  it('errors', () => {
    const model = new Linear(1, 1);
    const optimizer = new SGD(model.parameters(), { lr: 0.1 });
    expect(() => trainEpoch(model, optimizer, [] as never, (o) => o)).toThrow(/trainEpoch: loader.length must be >= 1/);
    expect(() => trainEpoch(model, optimizer, [[tensor([[1]]), tensor([[1]])]] as never, 3 as never)).toThrow(
      /loss must be a function/,
    );
    expect(() =>
      trainEpoch(model, optimizer, [[tensor([[1], [2]]), tensor([1])]] as never, (o) => o, { progress: false }),
    ).toThrow(/trainEpoch: loss must return one value, got shape \[2, 1\]/);
  });
});

describe('argmax and argmin take a Variable', () => {
  it('read its data; the result carries no gradient', () => {
    const v = new Variable(
      tensor([
        [1, 5, 2],
        [7, 0, 3],
      ]),
      { requiresGrad: true },
    );
    expect(argmax(v, 1).toArray()).toEqual([1, 0]);
    expect(argmin(v, 1).toArray()).toEqual([0, 1]);
    expect(argmax(v).item()).toBe(3);
    expect(() => argmax([1, 2] as never)).toThrow(/argmax: x must be a Tensor or Variable, got an array/);
  });
});

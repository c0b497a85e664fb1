import { describe, expect, it } from 'vitest';
import { InplaceModificationError, mean, mul, neg, sum, Variable } from '@torchlet/autograd';
import { copy_, Generator, randn, tensor, type Tensor } from '@torchlet/tensor';
import {
  Adam,
  Conv2d,
  Flatten,
  functional as F,
  init,
  Linear,
  MaxPool2d,
  Parameter,
  ReLU,
  Sequential,
  SGD,
} from '@torchlet/layers';
import { wasmKernelsForFile } from '../helpers/wasm-kernels.js';

const { wasm1 } = wasmKernelsForFile();

const g = new Generator(7);
const param = (shape: number[], dtype: 'float32' | 'float64' = 'float64') =>
  new Parameter(randn(shape, { dtype, generator: g }));
const input = (shape: number[], dtype: 'float32' | 'float64' = 'float64') =>
  new Variable(randn(shape, { dtype, generator: g }), { requiresGrad: true });

/** The error backward throws, or null. */
function backwardError(loss: Variable): unknown {
  try {
    loss.backward();
    return null;
  } catch (e) {
    return e;
  }
}

function expectRefused(loss: Variable, op: string, field: string): void {
  const error = backwardError(loss);
  expect(error).toBeInstanceOf(InplaceModificationError);
  expect((error as Error).message).toMatch(
    new RegExp(
      `^${op}: one of the variables needed for gradient computation has been modified by an inplace operation: its saved '${field}' \\[`,
    ),
  );
}

/**
 * Every layers op that saves an input: `run` makes the op's output from an input x and a parameter
 * w and returns the tensor to overwrite (the saved one).
 */
const cases: { op: string; field: string; run: () => { out: Variable; write: Tensor } }[] = [
  {
    op: 'linear',
    field: 'weight',
    run: () => ((w) => ({ out: F.linear(input([2, 3]), w), write: w.data }))(param([4, 3])),
  },
  {
    op: 'linear',
    field: 'input',
    run: () => ((x) => ({ out: F.linear(x, param([4, 3])), write: x.data }))(input([2, 3])),
  },
  ...[1, 2, 3].map((dims) => ({
    op: 'conv',
    field: 'weight',
    run: () =>
      ((w) => ({
        out: F[`conv${dims as 1 | 2 | 3}d`](input([1, 2, ...Array(dims).fill(4)]), w, null, { padding: 1 }),
        write: w.data,
      }))(param([3, 2, ...Array(dims).fill(3)])),
  })),
  {
    op: 'conv',
    field: 'input',
    run: () => ((x) => ({ out: F.conv2d(x, param([3, 2, 3, 3])), write: x.data }))(input([1, 2, 5, 5])),
  },
  {
    op: 'convTranspose',
    field: 'weight',
    run: () =>
      ((w) => ({ out: F.convTranspose2d(input([1, 2, 3, 3]), w, null, { stride: 2 }), write: w.data }))(
        param([2, 3, 3, 3]),
      ),
  },
  {
    op: 'convReluMaxPool',
    field: 'weight',
    run: () =>
      ((w) => ({ out: F.conv2dReluMaxPool2d(input([2, 2, 6, 6], 'float32'), w, null, { padding: 1 }), write: w.data }))(
        param([3, 2, 3, 3], 'float32'),
      ),
  },
  {
    op: 'batchNorm',
    field: 'weight',
    run: () =>
      ((w) => ({ out: F.batchNorm(input([4, 3, 2]), null, null, { weight: w, training: true }), write: w.data }))(
        param([3]),
      ),
  },
  {
    op: 'batchNorm',
    field: 'input',
    run: () => ((x) => ({ out: F.batchNorm(x, null, null, { training: true }), write: x.data }))(input([4, 3, 2])),
  },
  {
    op: 'crossEntropy',
    field: 'input',
    run: () => ((x) => ({ out: F.crossEntropy(x, [0, 2]), write: x.data }))(input([2, 3])),
  },
  {
    op: 'binaryCrossEntropyWithLogits',
    field: 'input',
    run: () =>
      ((x) => ({ out: F.binaryCrossEntropyWithLogits(x, tensor([0, 1, 1], { dtype: 'float64' })), write: x.data }))(
        input([3]),
      ),
  },
  {
    op: 'signalConvolve',
    field: 'x',
    run: () => ((x) => ({ out: F.convolve(x, param([3])), write: x.data }))(input([6])),
  },
  { op: 'elu', field: 'x', run: () => ((x) => ({ out: F.elu(x), write: x.data }))(input([5])) },
  {
    op: 'prelu',
    field: 'weight',
    run: () => ((w) => ({ out: F.prelu(input([2, 3, 4]), w), write: w.data }))(param([3])),
  },
];

describe('in-place writes to tensors saved for backward (layers)', () => {
  it("the issue's example: init.constant_ on a weight between forward and backward is refused", () => {
    const x = new Variable(tensor([1, 2, 3], { dtype: 'float64' }), { requiresGrad: true });
    const w = new Parameter(tensor([4, 5, 6], { dtype: 'float64' }));
    const y = sum(mul(x, w));
    init.constant_(w, 100);
    expectRefused(y, 'mul', 'b');
  });

  for (const c of cases) {
    it(`${c.op}: overwriting its saved '${c.field}' is refused; untouched, backward runs`, () => {
      const written = c.run();
      copy_(written.write, 0.5);
      expectRefused(sum(written.out), c.op, c.field);
      expect(backwardError(sum(c.run().out))).toBeNull();
    });
  }

  it('every optimizer step bumps: SGD and Adam (the WebAssembly path too) between a conv forward and its backward', () => {
    for (const make of [
      (ps: Parameter[]) => new SGD(ps, { lr: 0.1 }),
      (ps: Parameter[]) => new Adam(ps, { lr: 0.1 }),
    ]) {
      for (const dtype of ['float32', 'float64'] as const) {
        const w = param([3, 2, 3, 3], dtype);
        const loss = mean(F.conv2d(input([1, 2, 5, 5], dtype), w, null));
        w.grad = randn(w.shape, { dtype, generator: g });
        make([w]).step();
        expectRefused(loss, 'conv', 'weight');
      }
    }
    expect(wasm1).toBeDefined();
  });

  it('GAN-style: the discriminator steps between the two backwards through its output; the generator backward is refused', () => {
    const generator = new Sequential(new Linear(4, 16), new ReLU(), new Linear(16, 2 * 6 * 6));
    const discriminator = new Sequential(
      new Conv2d(2, 4, 3, { padding: 1 }),
      new ReLU(),
      new MaxPool2d(2),
      new Flatten(),
      new Linear(36, 1),
    );
    const optD = new Adam(discriminator.parameters(), { lr: 1e-3 });
    const z = randn([3, 4], { generator: g });
    const fake = generator.forward(z).view([3, 2, 6, 6]);
    const score = discriminator.forward(fake);
    mean(score).backward(undefined, { retainGraph: true });
    optD.step();
    const error = backwardError(neg(mean(score)));
    expect(error).toBeInstanceOf(InplaceModificationError);
    expect((error as Error).message).toMatch(/^(linear|conv|convReluMaxPool): .* its saved '(weight|input)'/);
    // The right order: the generator's loss through a fresh discriminator forward.
    for (const p of generator.parameters()) p.grad = null;
    neg(mean(discriminator.forward(generator.forward(z).view([3, 2, 6, 6])))).backward();
    expect(generator.parameters().every((p) => p.grad !== null)).toBe(true);
  });

  it('loadStateDict between forward and backward is refused', () => {
    const model = new Linear(3, 2);
    const loss = mean(model.forward(input([4, 3], 'float32')));
    model.loadStateDict(new Linear(3, 2).stateDict());
    expectRefused(loss, 'linear', 'weight');
  });
});

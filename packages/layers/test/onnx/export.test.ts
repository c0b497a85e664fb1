import { defineOp, type Variable } from '@torchlet/autograd';
import {
  AdaptiveAvgPool2d,
  AdaptiveMaxPool2d,
  AvgPool1d,
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Conv1d,
  Conv2d,
  Conv3d,
  ConvTranspose1d,
  ConvTranspose2d,
  Dropout,
  Flatten,
  GELU,
  Identity,
  LeakyReLU,
  Linear,
  LogSoftmax,
  MaxPool1d,
  MaxPool2d,
  Module,
  ReLU,
  Sequential,
  Sigmoid,
  Softmax,
  Tanh,
  toOnnxBytes,
} from '@torchlet/layers';
import { Generator, randn, ShapeError, type Tensor } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { expectOnnxMatches } from '../helpers/onnx-runtime.js';
import { decodeOnnx, warmUp } from '../helpers/onnx-graph.js';

/** The decoded graph: op types in order and initializer names. */
function graphOf(bytes: Uint8Array): { ops: string[]; initializers: string[]; opset: number } {
  const model = decodeOnnx(bytes);
  return {
    ops: model.graph.node.map((n) => n.op_type),
    initializers: (model.graph.initializer ?? []).map((t) => t.name),
    opset: model.opset_import[0]!.version,
  };
}

class LeNet5 extends Module {
  features: Sequential;
  classifier: Sequential;
  constructor(g: Generator) {
    super();
    this.features = new Sequential(
      new Conv2d(1, 6, 5, { padding: 2, generator: g }),
      new ReLU(),
      new MaxPool2d(2),
      new Conv2d(6, 16, 5, { generator: g }),
      new ReLU(),
      new MaxPool2d(2),
    );
    this.classifier = new Sequential(
      new Flatten(),
      new Linear(400, 120, { generator: g }),
      new ReLU(),
      new Linear(120, 84, { generator: g }),
      new ReLU(),
      new Linear(84, 10, { generator: g }),
    );
  }
  forward(x: Variable | Tensor): Variable {
    return this.classifier.forward(this.features.forward(x));
  }
}

describe('toOnnxBytes → ONNX Runtime', () => {
  it('LeNet-5: same logits as Torchlet, weights under their state-dict names, any batch size', async () => {
    const g = new Generator(1);
    const model = new LeNet5(g);
    const bytes = await expectOnnxMatches(model, [1, 1, 28, 28], randn([5, 1, 28, 28], { generator: g }));
    const graph = graphOf(bytes);
    expect(graph.ops).toEqual([
      'Conv',
      'Relu',
      'MaxPool',
      'Conv',
      'Relu',
      'MaxPool',
      'Flatten',
      'Gemm',
      'Relu',
      'Gemm',
      'Relu',
      'Gemm',
    ]);
    expect(graph.initializers.sort()).toEqual(Object.keys(model.stateDict()).sort());
    expect(graph.opset).toBe(17);
  });

  it('every supported 2-D layer in one model (BatchNorm with trained running statistics)', async () => {
    const g = new Generator(2);
    const model = new Sequential(
      new Conv2d(3, 8, 3, { padding: 1, generator: g }),
      new BatchNorm2d(8),
      new ReLU(),
      new MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }),
      new Conv2d(8, 8, 3, { padding: 'same', bias: false, generator: g }),
      new BatchNorm2d(8, { affine: false }),
      new LeakyReLU(0.2),
      new ConvTranspose2d(8, 6, 3, { stride: 2, padding: 1, outputPadding: 1, generator: g }),
      new Tanh(),
      new AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false }),
      new GELU(),
      new AvgPool2d(2),
      new Sigmoid(),
      new GELU({ approximate: 'tanh' }),
      new Dropout(0.5),
      new Identity(),
      new AdaptiveAvgPool2d([7, 1]),
      new Flatten(),
      new Linear(42, 16, { generator: g }),
      new BatchNorm1d(16),
      new ReLU(),
      new Linear(16, 5, { generator: g }),
      new LogSoftmax(1),
    );
    warmUp(model, [6, 3, 12, 12], g);
    const input = randn([4, 3, 12, 12], { generator: g });
    const bytes = await expectOnnxMatches(model, [1, 3, 12, 12], input);
    expect(graphOf(bytes).ops).toContain('Erf'); // opset 17 spells GELU out
    const opset20 = await expectOnnxMatches(model, [1, 3, 12, 12], input, { opsetVersion: 20 });
    expect(graphOf(opset20).ops.filter((op) => op === 'Gelu')).toHaveLength(2);
    expect(graphOf(opset20).ops).not.toContain('Erf');
  });

  it('global pools, softmax and a dilated max pool', async () => {
    const g = new Generator(3);
    const avg = new Sequential(
      new Conv2d(2, 4, 3, { generator: g }),
      new MaxPool2d(2, { dilation: 2, stride: 1 }),
      new AdaptiveAvgPool2d(1),
      new Flatten(),
      new Softmax(1),
    );
    const bytes = await expectOnnxMatches(avg, [1, 2, 9, 9], randn([3, 2, 9, 9], { generator: g }));
    expect(graphOf(bytes).ops).toContain('GlobalAveragePool');
    const max = new Sequential(
      new Conv2d(2, 4, 3, { generator: g }),
      new AdaptiveMaxPool2d([null, 1]),
      new AdaptiveMaxPool2d(1),
      new Flatten(0, -1),
    );
    const maxBytes = await expectOnnxMatches(max, [2, 2, 8, 8], randn([2, 2, 8, 8], { generator: g }), {
      dynamicBatch: false,
    });
    expect(graphOf(maxBytes).ops).toEqual(['Conv', 'MaxPool', 'GlobalMaxPool', 'Reshape']);
  });

  it('1-D and 3-D models: Conv1d, pools, BatchNorm1d on [N, C, L], ConvTranspose1d, Conv3d', async () => {
    const g = new Generator(4);
    const oneD = new Sequential(
      new Conv1d(2, 6, 5, { padding: 2, stride: 2, generator: g }),
      new BatchNorm1d(6),
      new ReLU(),
      new MaxPool1d(3, { stride: 2, padding: 1 }),
      new ConvTranspose1d(6, 4, 4, { stride: 2, padding: 1, dilation: 2, groups: 2, generator: g }),
      new AvgPool1d(2, { ceilMode: true }),
      new Flatten(),
      new Linear(4 * 10, 3, { generator: g }),
    );
    warmUp(oneD, [4, 2, 32], g);
    await expectOnnxMatches(oneD, [1, 2, 32], randn([3, 2, 32], { generator: g }));
    const threeD = new Sequential(
      new Conv3d(1, 4, 3, { padding: 1, stride: [1, 2, 2], generator: g }),
      new ReLU(),
      new Flatten(2),
      new Linear(64, 2, { generator: g }),
    );
    await expectOnnxMatches(threeD, [1, 1, 4, 8, 8], randn([2, 1, 4, 8, 8], { generator: g }));
  });

  it('a user module whose forward calls its children one after another', async () => {
    class Net extends Module {
      stem = new Conv2d(1, 4, 3, { generator: new Generator(5) });
      act = new ReLU();
      head = new Sequential(new Flatten(), new Linear(4 * 6 * 6, 3, { generator: new Generator(6) }));
      forward(x: Variable | Tensor): Variable {
        const y = this.act.forward(this.stem.forward(x));
        return this.head.forward(y);
      }
    }
    await expectOnnxMatches(new Net(), [1, 1, 8, 8], randn([2, 1, 8, 8], { generator: new Generator(7) }));
  });

  it('a layer used twice becomes two nodes sharing one initializer', async () => {
    const shared = new Conv2d(3, 3, 3, { padding: 1, generator: new Generator(8) });
    const model = new Sequential(shared, new Tanh(), shared);
    const bytes = await expectOnnxMatches(model, [1, 3, 6, 6], randn([2, 3, 6, 6], { generator: new Generator(9) }));
    const graph = graphOf(bytes);
    expect(graph.ops).toEqual(['Conv', 'Tanh', 'Conv']);
    expect(graph.initializers.sort()).toEqual(['0.bias', '0.weight']);
  });

  it('reflect and replicate padding become a Pad node; circular needs opset 19', async () => {
    const g = new Generator(10);
    for (const paddingMode of ['reflect', 'replicate'] as const) {
      const model = new Conv2d(2, 3, 3, { padding: [1, 2], paddingMode, generator: g });
      const bytes = await expectOnnxMatches(model, [1, 2, 7, 7], randn([2, 2, 7, 7], { generator: g }));
      expect(graphOf(bytes).ops).toEqual(['Pad', 'Conv']);
    }
    const circular = new Conv2d(2, 3, 3, { padding: 1, paddingMode: 'circular', generator: g });
    expect(() => toOnnxBytes(circular, [1, 2, 7, 7])).toThrow(RangeError);
    expect(() => toOnnxBytes(circular, [1, 2, 7, 7])).toThrow(/paddingMode='circular'.*opset 19.*opsetVersion=17/);
    await expectOnnxMatches(circular, [1, 2, 7, 7], randn([2, 2, 7, 7], { generator: g }), { opsetVersion: 19 });
  });

  it('a model that is a single layer, and an identity model', async () => {
    const g = new Generator(11);
    await expectOnnxMatches(new Linear(5, 3, { generator: g }), [2, 5], randn([4, 5], { generator: g }));
    await expectOnnxMatches(
      new Linear(5, 3, { bias: false, generator: g }),
      [2, 7, 5],
      randn([2, 7, 5], { generator: g }),
    );
    await expectOnnxMatches(
      new Sequential(new Linear(5, 3, { generator: g })),
      [2, 7, 5],
      randn([2, 7, 5], { generator: g }),
    );
    const identity = await expectOnnxMatches(new Sequential(new Dropout()), [1, 4], randn([3, 4], { generator: g }));
    expect(graphOf(identity).ops).toEqual(['Identity']);
  });

  it('restores train/eval flags and removes its hooks', () => {
    const model = new LeNet5(new Generator(12));
    model.train();
    const conv = model.features.at(0);
    toOnnxBytes(model, [1, 1, 28, 28]);
    expect(model.modules().every((m) => m.training)).toBe(true);
    expect(Object.hasOwn(conv, 'forward')).toBe(false);
  });
});

describe('toOnnxBytes errors', () => {
  it('an op with no converter is named, with how to register one', () => {
    const twice = defineOp({
      name: 'twiceForExport',
      forward: (_ctx, x: Tensor) => x,
      backward: (_ctx, g: Tensor) => [g],
    });
    class Twice extends Module {
      forward(x: Variable | Tensor): Variable {
        return twice(x);
      }
    }
    const model = new Sequential(new Linear(4, 4), new Twice());
    expect(() => toOnnxBytes(model, [1, 4])).toThrow(TypeError);
    expect(() => toOnnxBytes(model, [1, 4])).toThrow(
      /exportOnnx: op 'twiceForExport' \(1\.twiceForExport\) has no ONNX converter\. If it is your own op \(defineOp\), register one: registerOnnxConverter\('twiceForExport'/,
    );
  });

  it('adaptive pools whose bins differ in size', () => {
    const pool = new Sequential(new AdaptiveAvgPool2d(3));
    // 10 → 4 are the bins [0, 3), [2, 5), [5, 8), [7, 10): they start 2, 3, 2 apart.
    const uneven = new Sequential(new AdaptiveAvgPool2d(4));
    expect(() => toOnnxBytes(uneven, [1, 2, 10, 10])).toThrow(ShapeError);
    expect(() => toOnnxBytes(uneven, [1, 2, 10, 10])).toThrow(
      /0\.avgPool pools 10 → 4, 10 → 4, in bins of different sizes/,
    );
    // 5 → 3 are [0, 2), [1, 4), [3, 5): a window of 3 sliding by 2 over the input padded by 1.
    expect(graphOf(toOnnxBytes(pool, [1, 2, 5, 5])).ops).toEqual(['AveragePool']);
    expect(graphOf(toOnnxBytes(pool, [1, 2, 9, 6])).ops).toEqual(['AveragePool']);
    // 7 → 3 are the bins [0, 3), [2, 5), [4, 7): one window of 3 sliding by 2.
    expect(graphOf(toOnnxBytes(pool, [1, 2, 7, 7])).ops).toEqual(['AveragePool']);
  });

  it('batch norm without running statistics', () => {
    expect(() => toOnnxBytes(new BatchNorm2d(2, { trackRunningStats: false }), [2, 2, 3, 3])).toThrow(
      /trackRunningStats=false/,
    );
  });

  it('bad arguments', () => {
    expect(() => toOnnxBytes({} as Module, [1, 4])).toThrow(/exportOnnx: model must be a Module, got Object/);
    expect(() => toOnnxBytes(new Linear(4, 2), [1, 4], { opsetVersion: 12 })).toThrow(RangeError);
    expect(() => toOnnxBytes(new Linear(4, 2), [1, 4], { opsetVersion: 12 })).toThrow(
      /opsetVersion must be an integer from 13 to 21, got opsetVersion=12/,
    );
    expect(() => toOnnxBytes(new Linear(4, 2), [1, 4], { inputName: 'x', outputName: 'x' })).toThrow(
      /two different non-empty strings/,
    );
    expect(() => toOnnxBytes(new Linear(4, 2), [1, 5])).toThrow(/linear/);
  });
});

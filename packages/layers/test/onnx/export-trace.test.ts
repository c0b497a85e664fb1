import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as A from '@torchlet/autograd';
import { defineOp, noGrad, type Variable } from '@torchlet/autograd';
import {
  BatchNorm1d,
  BatchNorm2d,
  Conv1d,
  Conv2d,
  functional as F,
  importOnnx,
  Linear,
  Module,
  registerOnnxConverter,
  toOnnxBytes,
} from '@torchlet/layers';
import { Generator, mul, randn, sigmoid, type Tensor } from '@torchlet/tensor';
import { afterEach, describe, expect, it } from 'vitest';
import { expectOnnxMatches } from '../helpers/onnx-runtime.js';
import { decodeOnnx, warmUp } from '../helpers/onnx-graph.js';

type In = Variable | Tensor;

const decoded = decodeOnnx;
const opsOf = (bytes: Uint8Array) => decoded(bytes).graph.node.map((n) => n.op_type);

/** PyTorch's examples/mnist Net, written as there: layers called, the rest functional. */
class MnistNet extends Module {
  conv1: Conv2d;
  conv2: Conv2d;
  fc1: Linear;
  fc2: Linear;
  constructor(g: Generator) {
    super();
    this.conv1 = new Conv2d(1, 32, 3, { generator: g });
    this.conv2 = new Conv2d(32, 64, 3, { generator: g });
    this.fc1 = new Linear(9216, 128, { generator: g });
    this.fc2 = new Linear(128, 10, { generator: g });
  }
  forward(input: In): Variable {
    let x = A.relu(this.conv1.forward(input));
    x = A.relu(this.conv2.forward(x));
    x = F.maxPool2d(x, 2);
    x = F.dropout(x, { p: 0.25, training: this.training });
    x = A.flatten(x, 1);
    x = A.relu(this.fc1.forward(x));
    x = F.dropout(x, { p: 0.5, training: this.training });
    return F.logSoftmax(this.fc2.forward(x), 1);
  }
}

class Block extends Module {
  conv1: Conv2d;
  bn1: BatchNorm2d;
  conv2: Conv2d;
  bn2: BatchNorm2d;
  constructor(c: number, g: Generator) {
    super();
    this.conv1 = new Conv2d(c, c, 3, { padding: 1, bias: false, generator: g });
    this.bn1 = new BatchNorm2d(c);
    this.conv2 = new Conv2d(c, c, 3, { padding: 1, bias: false, generator: g });
    this.bn2 = new BatchNorm2d(c);
  }
  forward(x: In): Variable {
    const y = this.bn2.forward(A.relu(this.bn1.forward(this.conv1.forward(x))));
    return A.relu(A.add(x, y));
  }
}

class ResidualCnn extends Module {
  stem: Conv2d;
  layer1: Block;
  fc: Linear;
  constructor(g: Generator) {
    super();
    this.stem = new Conv2d(3, 8, 3, { padding: 1, generator: g });
    this.layer1 = new Block(8, g);
    this.fc = new Linear(8, 5, { generator: g });
  }
  forward(x: In): Variable {
    const y = this.layer1.forward(A.relu(this.stem.forward(x)));
    return this.fc.forward(A.flatten(F.adaptiveAvgPool2d(y, 1), 1));
  }
}

class Cnn1d extends Module {
  conv1: Conv1d;
  bn: BatchNorm1d;
  conv2: Conv1d;
  fc: Linear;
  constructor(g: Generator) {
    super();
    this.conv1 = new Conv1d(2, 6, 5, { padding: 2, generator: g });
    this.bn = new BatchNorm1d(6);
    this.conv2 = new Conv1d(6, 8, 3, { dilation: 2, paddingMode: 'reflect', padding: 2, generator: g });
    this.fc = new Linear(8, 3, { generator: g });
  }
  forward(x: In): Variable {
    let y = F.maxPool1d(A.relu(this.bn.forward(this.conv1.forward(x))), { kernelSize: 3, stride: 2, ceilMode: true });
    y = F.avgPool1d(A.tanh(this.conv2.forward(y)), { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false });
    return this.fc.forward(A.mean(y, 2));
  }
}

describe('toOnnxBytes traces ops: models written as PyTorch users write them run in ONNX Runtime', () => {
  it("PyTorch's MNIST example net, functional calls between layers", async () => {
    const model = new MnistNet(new Generator(1));
    const bytes = await expectOnnxMatches(
      model,
      [1, 1, 28, 28],
      randn([3, 1, 28, 28], { generator: new Generator(2) }),
    );
    expect(opsOf(bytes).join(' ')).toBe('Conv Relu Conv Relu MaxPool Flatten Gemm Relu Gemm LogSoftmax');
    // Module paths name the nodes; parameters keep their state-dict names.
    const graph = decoded(bytes).graph;
    expect(graph.node.map((n) => n.name)).toContain('conv1.conv');
    expect(graph.node.map((n) => n.name)).toContain('maxPool');
    expect((graph.initializer ?? []).map((t) => t.name)).toEqual(expect.arrayContaining(['conv1.weight', 'fc2.bias']));
  });

  it('a residual CNN: adds between layers, batch norm with running statistics, nodes named by module', async () => {
    const g = new Generator(3);
    const model = new ResidualCnn(g);
    warmUp(model, [4, 3, 8, 8], g);
    const bytes = await expectOnnxMatches(model, [2, 3, 8, 8], randn([5, 3, 8, 8], { generator: g }));
    const names = decoded(bytes).graph.node.map((n) => n.name);
    expect(names).toEqual(expect.arrayContaining(['layer1.add', 'layer1.bn2.batchNorm', 'stem.conv']));
    expect(opsOf(bytes).filter((o) => o === 'BatchNormalization')).toHaveLength(2);
  });

  it('a 1-D CNN: batch norm, reflect padding, ceil-mode max pool, avg pool without the padding in the count', async () => {
    const g = new Generator(4);
    const model = new Cnn1d(g);
    warmUp(model, [4, 2, 30], g);
    const bytes = await expectOnnxMatches(model, [2, 2, 30], randn([3, 2, 30], { generator: g }));
    expect(opsOf(bytes)).toEqual(expect.arrayContaining(['Pad', 'MaxPool', 'AveragePool', 'ReduceMean', 'Tanh']));
  });

  it('the fused conv → ReLU → max-pool block is three nodes', async () => {
    const g = new Generator(5);
    const w = randn([4, 2, 3, 3], { generator: g });
    const b = randn([4], { generator: g });
    class Fused extends Module {
      forward(x: In): Variable {
        return F.conv2dReluMaxPool2d(x, w, b, { padding: 1 });
      }
    }
    const bytes = await expectOnnxMatches(new Fused(), [2, 2, 8, 8], randn([3, 2, 8, 8], { generator: g }));
    expect(opsOf(bytes)).toEqual(['Conv', 'Relu', 'MaxPool']);
  });
});

describe('registerOnnxConverter', () => {
  const swish = defineOp({
    name: 'swishForOnnx',
    forward(_ctx, x: Tensor): Tensor {
      return mul(x, sigmoid(x));
    },
    backward(): [null] {
      return [null];
    },
  });
  class Swish extends Module {
    lin = new Linear(4, 4, { generator: new Generator(6) });
    forward(x: In): Variable {
      return swish(this.lin.forward(x));
    }
  }
  const handles: { remove(): void }[] = [];
  afterEach(() => handles.splice(0).forEach((h) => h.remove()));

  it('a user op exports once a converter is registered, and is an error again after remove()', async () => {
    expect(() => toOnnxBytes(new Swish(), [1, 4])).toThrow(/op 'swishForOnnx' \(swishForOnnx\) has no ONNX converter/);
    handles.push(
      registerOnnxConverter('swishForOnnx', (call) =>
        call.node('Mul', [call.input(0), call.node('Sigmoid', [call.input(0)])]),
      ),
    );
    const bytes = await expectOnnxMatches(new Swish(), [1, 4], randn([3, 4], { generator: new Generator(7) }));
    expect(opsOf(bytes)).toEqual(['Gemm', 'Sigmoid', 'Mul']);
    handles.pop()!.remove();
    expect(() => toOnnxBytes(new Swish(), [1, 4])).toThrow(/has no ONNX converter/);
  });

  it('checks what a converter gives back', () => {
    handles.push(registerOnnxConverter('swishForOnnx', () => 42 as unknown as string));
    expect(() => toOnnxBytes(new Swish(), [1, 4])).toThrow(/the ONNX converter of 'swishForOnnx' returned number 42/);
    handles.push(
      registerOnnxConverter('swishForOnnx', (call) => call.node('LeakyRelu', [call.input(0)], { alpha: 0.5 as never })),
    );
    expect(() => toOnnxBytes(new Swish(), [1, 4])).toThrow(/attribute 'alpha' must be one of \{ int \}/);
    expect(() => registerOnnxConverter('', () => '')).toThrow(TypeError);
  });
});

describe('ops export one node or a small subgraph each', () => {
  const g = new Generator(8);
  const scale = randn([1, 3, 1], { generator: g });
  const mix = randn([6, 2], { generator: g });
  /** Movement, joins, padding, reductions, activations and elementwise ops on `[N, 12]`. */
  class Zoo extends Module {
    forward(input: In): Variable {
      const n = input.shape[0]!;
      const x = A.reshape(input, [n, 3, 4]);
      const t = A.transpose(A.permute(x, [0, 2, 1]), 1, 2); // [N, 3, 4]
      const s = A.slice(t, 2, 1, 4); // [N, 3, 3]
      const m = A.narrow(x, 2, 0, 3);
      const p = A.pad(A.mul(s, m), [[1, 0]], { mode: 'replicate' }); // [N, 3, 4]
      const c = A.concat([p, A.div(A.sub(x, 1), 2)], 1); // [N, 6, 4]
      const st = A.stack([A.exp(A.neg(A.abs(c))), A.sqrt(A.add(A.pow(c, 2), 1))], 1); // [N, 2, 6, 4]
      const r = A.add(A.sum(st, [1, 3]), A.amax(c, 2)); // [N, 6]
      const v = A.add(A.variance(c, 2), A.logsumexp(c, 2)); // [N, 6]
      const e = A.mul(A.expand(A.unsqueeze(A.squeeze(A.mean(c, 1, true), 1), 1), [n, 3, 4]), scale);
      const gated = A.clamp(A.leakyRelu(A.flatten(e, 1), 0.1), -0.5, 2); // [N, 12]
      const tail = A.concat([F.elu(gated), F.silu(gated), F.softplus(gated, { beta: 2 }), F.mish(gated)], 1);
      const picked = A.indexSelect(A.log(A.sigmoid(tail)), 1, [0, 5, 47]); // [N, 3]
      const soft = A.softmax(A.add(r, v), -1); // [N, 6]
      return A.concat([soft, picked, A.matmul(soft, mix), A.tanh(A.amin(c, [1, 2], true).reshape([n, 1]))], 1);
    }
  }

  for (const opsetVersion of [13, 17, 18]) {
    it(`at opset ${opsetVersion}, exported for batch 2 and run on batch 5`, async () => {
      const bytes = await expectOnnxMatches(new Zoo(), [2, 12], randn([5, 12], { generator: g }), { opsetVersion });
      expect(decoded(bytes).opset_import[0]!.version).toBe(opsetVersion);
      expect(decoded(bytes).graph.input[0]!.type.tensor_type.shape.dim[0]).toEqual({ dim_param: 'N' });
    });
  }

  it('pools: ceil mode, dilation, padding, count-include-pad, divisorOverride, adaptive sizes that slide, unbatched input', async () => {
    class Pools extends Module {
      forward(x: In): Variable {
        const a = F.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1, dilation: 2, ceilMode: true });
        const b = F.avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true }); // counts the pad
        const c = F.avgPool2d(x, { kernelSize: 2, divisorOverride: 3 });
        const d = F.adaptiveMaxPool2d(x, [3, 5]);
        const e = F.adaptiveAvgPool2d(x, 3);
        const f = F.adaptiveAvgPool2d(x, 1);
        return A.concat(
          [a, b, c, d, e, f].map((t) => A.flatten(t, 1)),
          1,
        );
      }
    }
    const bytes = await expectOnnxMatches(new Pools(), [1, 2, 7, 10], randn([3, 2, 7, 10], { generator: g }));
    expect(opsOf(bytes)).toEqual(expect.arrayContaining(['MaxPool', 'AveragePool', 'Pad', 'GlobalAveragePool']));
    class Unbatched extends Module {
      conv = new Conv2d(2, 3, 3, { generator: g });
      forward(x: In): Variable {
        return F.maxPool2d(this.conv.forward(x), 2);
      }
    }
    const unbatched = toOnnxBytes(new Unbatched(), [2, 8, 8], { dynamicBatch: false });
    expect(opsOf(unbatched)).toEqual(['Unsqueeze', 'Conv', 'Squeeze', 'Unsqueeze', 'MaxPool', 'Squeeze']);
    await expectOnnxMatches(new Unbatched(), [2, 8, 8], randn([2, 8, 8], { generator: g }), { dynamicBatch: false });
  });
});

describe('3-D layers export and import', () => {
  it('conv3d, convTranspose3d, 3-D max/avg pools: ONNX Runtime and importOnnx agree with Torchlet', async () => {
    const g = new Generator(9);
    const w = randn([3, 2, 2, 3, 3], { generator: g });
    const wt = randn([3, 2, 3, 2, 2], { generator: g });
    class Volumes extends Module {
      forward(x: In): Variable {
        const y = F.conv3d(x, w, null, { padding: 1 });
        const a = F.maxPool3d(y, { kernelSize: 2, ceilMode: true });
        const b = F.avgPool3d(y, { kernelSize: [1, 2, 2], padding: [0, 1, 1], countIncludePad: false });
        const t = F.convTranspose3d(a, wt, null, { stride: 2 });
        return A.concat([A.flatten(t, 1), A.flatten(b, 1)], 1);
      }
    }
    const model = new Volumes();
    const x = randn([2, 2, 4, 5, 5], { generator: g });
    const bytes = await expectOnnxMatches(model, [1, 2, 4, 5, 5], x);
    expect(opsOf(bytes)).toEqual(expect.arrayContaining(['Conv', 'MaxPool', 'AveragePool', 'ConvTranspose']));
    const back = importOnnx(bytes).eval();
    const want = noGrad(() => model.forward(x)).data.toTypedArray();
    const got = noGrad(() => back.forward(x)).data.toTypedArray();
    expect(Math.max(...want.map((v, i) => Math.abs(v - got[i]!)))).toBeLessThan(1e-5);
  });
});

describe('what an exported model says about itself', () => {
  it('producer, doc string and metadata carry the Torchlet version (the package.json one)', () => {
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as {
      version: string;
    };
    const m = decoded(toOnnxBytes(new Linear(3, 2), [1, 3]));
    expect(m.producer_version).toBe(pkg.version);
    expect(m.doc_string).toBe(`Linear exported by Torchlet ${pkg.version} (opset 17)`);
    expect(m.metadata_props).toEqual(
      expect.arrayContaining([
        { key: 'torchlet_version', value: pkg.version },
        { key: 'model_class', value: 'Linear' },
      ]),
    );
  });

  it('a reshape that moves the batch axis needs a fixed batch', () => {
    class Folds extends Module {
      forward(x: In): Variable {
        return A.reshape(x, [-1]);
      }
    }
    expect(() => toOnnxBytes(new Folds(), [2, 3])).toThrow(RangeError);
    expect(() => toOnnxBytes(new Folds(), [2, 3])).toThrow(
      /reshape turns \[2, 3\] into \[6\], so axis 0 is no longer the batch; .* export with \{ dynamicBatch: false \}/,
    );
    expect(opsOf(toOnnxBytes(new Folds(), [2, 3], { dynamicBatch: false }))).toEqual(['Reshape']);
  });

  it('unknown option keys are errors', () => {
    expect(() => toOnnxBytes(new Linear(3, 2), [1, 3], { opset: 17 } as never)).toThrow(/unknown option 'opset'/);
  });
});

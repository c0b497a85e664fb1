import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { noGrad, Variable } from '@torchlet/autograd';
import { functional as F, GELU, importOnnx, Linear, OnnxModel, Sequential, SGD, toOnnxBytes } from '@torchlet/layers';
import { Generator, randint, reshape, ShapeError, type Tensor } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { expectClose, fromFixture, loadFixture, type FixtureTensor } from '../helpers/fixtures.js';
import { runOnnx } from '../helpers/onnx-runtime.js';

interface ModelCase {
  name: string;
  file: string;
  opset: number;
  input: FixtureTensor;
  output: FixtureTensor;
}

const cases = loadFixture<{ models: ModelCase[] }>('onnx_models').models;

function bytesOf(file: string): Uint8Array {
  return new Uint8Array(readFileSync(fileURLToPath(new URL(`../../../../fixtures/torch/${file}`, import.meta.url))));
}

function evalOutput(model: OnnxModel, input: Tensor): Tensor {
  model.eval();
  return noGrad(() => model.forward(input)).data;
}

describe('importOnnx: models exported by PyTorch 1.13 (fixtures/generate/onnx_models.py)', () => {
  it('holds the three acceptance models', () => {
    expect(cases.map((c) => c.name)).toEqual(['lenet', 'resnet', 'cnn1d']);
  });

  for (const c of cases) {
    describe(c.name, () => {
      it("matches PyTorch's recorded outputs to 1e-5", () => {
        const model = importOnnx(bytesOf(c.file));
        expect(model.opsetVersion).toBe(c.opset);
        expectClose(evalOutput(model, fromFixture(c.input, 'float32')), c.output, 1e-5, 1e-5, `${c.name} output`);
      });

      it('trains: a few SGD steps on fixed targets lower the loss', () => {
        const model = importOnnx(bytesOf(c.file));
        model.train();
        const x = fromFixture(c.input, 'float32');
        const classes = c.output.shape[1]!;
        const target = randint(0, classes, [x.shape[0]!], { generator: new Generator(5) });
        const optimizer = new SGD(model.parameters(), { lr: 0.05 });
        const losses: number[] = [];
        for (let step = 0; step < 10; step++) {
          optimizer.zeroGrad();
          const loss = F.crossEntropy(model.forward(x), target);
          loss.backward();
          optimizer.step();
          losses.push(loss.item());
        }
        expect(losses.every(Number.isFinite)).toBe(true);
        expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.9);
        // Every parameter got a gradient: the initializers are what trains.
        expect(model.parameters().every((p) => p.grad !== null)).toBe(true);
      });

      it('round-trips: import → export → ONNX Runtime gives the same outputs', async () => {
        const model = importOnnx(bytesOf(c.file));
        const x = fromFixture(c.input, 'float32');
        const expected = evalOutput(model, x);
        const bytes = toOnnxBytes(model, [1, ...x.shape.slice(1)]);
        const got = await runOnnx(bytes, x);
        expect(got.dims).toEqual(expected.shape);
        const want = expected.toTypedArray();
        const worst = Math.max(...want.map((v, i) => Math.abs(got.data[i]! - v) / (1 + Math.abs(v))));
        expect(worst).toBeLessThan(1e-4);
        // And the re-exported graph imports again to the same model.
        expectClose(
          evalOutput(importOnnx(bytes), x),
          { shape: expected.shape.slice(), data: Array.from(want) },
          1e-6,
          1e-6,
        );
      });
    });
  }

  it('parameters keep their PyTorch names; running statistics are buffers', () => {
    const model = importOnnx(bytesOf('onnx/resnet.onnx'));
    const params = model.namedParameters();
    const names = [...params].map(([n]) => n);
    expect(names).toContain('stem.weight');
    expect(names).toContain('layer2.shortcut.0.weight');
    expect(names).toContain('fc.bias');
    expect(names).not.toContain('bn.running_mean');
    const buffers = [...model.namedBuffers()].map(([n]) => n);
    expect(buffers).toEqual(
      expect.arrayContaining(['bn.running_mean', 'bn.running_var', 'layer2.shortcut.1.running_var']),
    );
    expect(Object.keys(model.stateDict())).toEqual(
      expect.arrayContaining(['layer1.bn2.weight', 'layer1.bn2.running_mean']),
    );
  });

  it('the batch axis is free; other sizes are checked', () => {
    const model = importOnnx(bytesOf('onnx/lenet.onnx'));
    const x = fromFixture(cases[0]!.input, 'float32');
    expect(evalOutput(model, x).shape).toEqual([3, 10]);
    expect(() => model.forward(new Variable(reshape(x, [3, 1, 14, 56])))).toThrow(ShapeError);
    expect(() => model.forward(new Variable(reshape(x, [3, 1, 14, 56])))).toThrow(
      /input 'input' must be \[N, 1, 28, 28\], got \[3, 1, 14, 56\]/,
    );
  });
});

describe('importOnnx errors', () => {
  it('an unsupported node is named with its op type', () => {
    // GELU exports (before opset 20) through Erf, which Torchlet has no op for.
    const bytes = toOnnxBytes(new Sequential(new Linear(3, 3), new GELU()), [1, 3]);
    expect(() => importOnnx(bytes)).toThrow(TypeError);
    expect(() => importOnnx(bytes)).toThrow(
      /importOnnx: node 2 '1\.gelu_1' \(Erf\): op type 'Erf' is not supported; importOnnx runs/,
    );
  });

  it('bytes that are not a model', () => {
    expect(() => importOnnx(new Uint8Array([1, 2, 3, 4, 5]))).toThrow(/importOnnx: the bytes are not an ONNX model/);
    expect(() => importOnnx('lenet.onnx' as unknown as Uint8Array)).toThrow(/bytes must be a Uint8Array/);
  });
});

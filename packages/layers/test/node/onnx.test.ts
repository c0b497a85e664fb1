import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { BatchNorm2d, Conv2d, Flatten, Linear, ReLU, Sequential, toOnnxBytes } from '@torchlet/layers';
import { exportOnnx } from '@torchlet/layers/node';
import { Generator, randn } from '@torchlet/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { torchletOutput } from '../helpers/onnx-runtime.js';

const dir = mkdtempSync(join(tmpdir(), 'torchlet-onnx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('exportOnnx', () => {
  it('writes the same bytes as toOnnxBytes, atomically, and ONNX Runtime loads the file by path', async () => {
    const g = new Generator(21);
    const model = new Sequential(
      new Conv2d(1, 3, 3, { generator: g }),
      new ReLU(),
      new Flatten(),
      new Linear(3 * 4 * 4, 2, { generator: g }),
    );
    const path = join(dir, 'small.onnx');
    const written = exportOnnx(model, [1, 1, 6, 6], path);
    const bytes = readFileSync(path);
    expect(written).toBe(bytes.length);
    expect(new Uint8Array(bytes)).toEqual(toOnnxBytes(model, [1, 1, 6, 6]));
    expect(readdirSync(dir)).toEqual(['small.onnx']); // no temporary file left behind
    const session = await ort.InferenceSession.create(path);
    const x = randn([2, 1, 6, 6], { generator: g });
    const out = await session.run({ input: new ort.Tensor('float32', x.toTypedArray() as Float32Array, [2, 1, 6, 6]) });
    const want = torchletOutput(model, x).toTypedArray();
    const got = out.output!.data as Float32Array;
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-4);
    await session.release();
  });

  it('leaves no file when the model cannot be exported', () => {
    const path = join(dir, 'bad.onnx');
    expect(() => exportOnnx(new BatchNorm2d(1, { trackRunningStats: false }), [2, 1, 6, 6], path)).toThrow(
      /trackRunningStats/,
    );
    expect(readdirSync(dir)).not.toContain('bad.onnx');
  });
});

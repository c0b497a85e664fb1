import * as ort from 'onnxruntime-node';
import { noGrad, Variable } from '@torchlet/autograd';
import type { Layer } from '@torchlet/layers';
import { toOnnxBytes, type OnnxExportOptions } from '@torchlet/layers';
import { expect } from 'vitest';
import type { Tensor } from '@torchlet/tensor';

/** Runs an ONNX model in ONNX Runtime (CPU) on one float32 input. */
export async function runOnnx(
  bytes: Uint8Array,
  input: Tensor,
  inputName = 'input',
): Promise<{ data: Float32Array; dims: number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const feeds = {
      [inputName]: new ort.Tensor(
        'float32',
        Float32Array.from(input.toTypedArray() as ArrayLike<number>),
        input.shape.slice(),
      ),
    };
    const result = await session.run(feeds);
    const out = result[session.outputNames[0]!]!;
    return { data: out.data as Float32Array, dims: out.dims.map(Number) };
  } finally {
    await session.release();
  }
}

/** Torchlet's eval-mode output for `input`. */
export function torchletOutput(model: Layer, input: Tensor): Tensor {
  model.eval();
  return noGrad(() => model.forward(new Variable(input))).data;
}

/**
 * Exports `model` for `exportShape`, runs it in ONNX Runtime on `input` and checks the result
 * against Torchlet's to `atol + rtol·|expected|` (1e-4 each), shape included.
 */
export async function expectOnnxMatches(
  model: Layer,
  exportShape: readonly number[],
  input: Tensor,
  options: OnnxExportOptions = {},
): Promise<Uint8Array> {
  const bytes = toOnnxBytes(model, exportShape, options);
  const expected = torchletOutput(model, input);
  const got = await runOnnx(bytes, input);
  expect(got.dims).toEqual(expected.shape);
  const want = expected.toTypedArray();
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got.data[i]! - want[i]!) / (1 + Math.abs(want[i]!));
    if (!(err <= worst)) worst = err;
  }
  expect(worst).toBeLessThan(1e-4);
  return bytes;
}

import { getGemm, WasmGemm } from '@torchlet/tensor';
import { expect, it } from 'vitest';
import { conv1dReluMaxPool1d, conv2dReluMaxPool2d } from '../../../src/nn/functional/index.js';
import { describeConvGoldens } from '../../helpers/conv-fixtures.js';

// float32 runs the fused op (the default backend is the WebAssembly one); float64 runs the three ops.
it('runs under the WebAssembly backend, so float32 takes the fused kernels', () => {
  expect(getGemm()).toBeInstanceOf(WasmGemm);
});

describeConvGoldens(
  'conv + relu + maxPool',
  'conv_relu_pool.json',
  { conv2dReluMaxPool2d, conv1dReluMaxPool1d },
  {
    'conv2dReluMaxPool2d zeros': 9,
    'conv2dReluMaxPool2d reflect': 1,
    'conv1dReluMaxPool1d zeros': 4,
    'conv1dReluMaxPool1d circular': 1,
  },
);

import { conv1dReluMaxPool1d, conv2dReluMaxPool2d } from '../../../src/nn/functional/index.js';
import { describeConvGoldens } from '../../helpers/conv-fixtures.js';

// On the WebAssembly backend float32 runs the fused op; float64, and the native backend, run the three ops.

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

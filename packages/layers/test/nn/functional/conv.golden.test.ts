import { conv1d, conv2d, conv3d } from '../../../src/nn/functional/index.js';
import { describeConvGoldens } from '../../helpers/conv-fixtures.js';

describeConvGoldens(
  'conv',
  'conv.json',
  { conv1d, conv2d, conv3d },
  {
    'conv1d zeros': 20,
    'conv1d reflect': 6,
    'conv1d replicate': 1,
    'conv1d circular': 5,
    'conv2d zeros': 24,
    'conv2d reflect': 5,
    'conv2d replicate': 4,
    'conv2d circular': 2,
    'conv3d zeros': 14,
    'conv3d reflect': 7,
    'conv3d replicate': 7,
    'conv3d circular': 2,
  },
);

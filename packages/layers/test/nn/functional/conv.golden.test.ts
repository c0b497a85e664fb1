import { conv1d, conv2d, conv3d } from '../../../src/nn/functional/index.js';
import { describeConvGoldens } from '../../helpers/conv-fixtures.js';

describeConvGoldens('conv', 'conv.json', { conv1d, conv2d, conv3d });

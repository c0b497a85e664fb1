import { convTranspose1d, convTranspose2d } from '../../../src/nn/functional/index.js';
import { describeConvGoldens } from '../../helpers/conv-fixtures.js';

describeConvGoldens(
  'convTranspose',
  'conv_transpose.json',
  { convTranspose1d, convTranspose2d },
  { 'convTranspose1d zeros': 27, 'convTranspose2d zeros': 28 },
);

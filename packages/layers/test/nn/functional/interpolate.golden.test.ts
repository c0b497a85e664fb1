import { interpolate, type InterpolateOptions } from '../../../src/nn/functional/interpolate.js';
import { describeOpGoldens } from '../../helpers/op-golden.js';

describeOpGoldens(
  'interpolate',
  { interpolate: (x, o) => interpolate(x.input!, o as InterpolateOptions) },
  { interpolate: 26 },
);

import {
  BatchNorm1d,
  BatchNorm2d,
  BatchNorm3d,
  InstanceNorm1d,
  InstanceNorm2d,
  InstanceNorm3d,
} from '../../../src/nn/modules/norm.js';
import { describeNormModuleGoldens } from '../../helpers/norm-module-golden.js';

describeNormModuleGoldens(
  'batchnorm',
  'cases',
  {
    BatchNorm1d: (c, o) => new BatchNorm1d(c, o),
    BatchNorm2d: (c, o) => new BatchNorm2d(c, o),
  },
  { BatchNorm1d: 7, BatchNorm2d: 4 },
);

describeNormModuleGoldens(
  'norm',
  'modules',
  {
    BatchNorm3d: (c, o) => new BatchNorm3d(c, o),
    InstanceNorm1d: (c, o) => new InstanceNorm1d(c, { ...o, trackRunningStats: true }),
    InstanceNorm2d: (c, o) => new InstanceNorm2d(c, { ...o, trackRunningStats: true }),
    InstanceNorm3d: (c, o) => new InstanceNorm3d(c, { ...o, trackRunningStats: true }),
  },
  { BatchNorm3d: 2, InstanceNorm1d: 2, InstanceNorm2d: 1, InstanceNorm3d: 1 },
);

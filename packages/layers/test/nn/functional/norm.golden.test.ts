import { Tensor } from '@torchlet/tensor';
import { groupNorm, instanceNorm, layerNorm } from '../../../src/nn/functional/norm.js';
import { describeOpGoldens } from '../../helpers/op-golden.js';

describeOpGoldens(
  'norm',
  {
    layerNorm: (x, o) =>
      layerNorm(x.input!, o.normalizedShape as number[], { weight: x.weight, bias: x.bias, eps: o.eps as number }),
    groupNorm: (x, o) =>
      groupNorm(x.input!, o.numGroups as number, { weight: x.weight, bias: x.bias, eps: o.eps as number }),
    instanceNorm: (x, o) => {
      const dtype = x.input!.dtype;
      const stats = (v: unknown) =>
        new Tensor(dtype === 'float64' ? Float64Array.from(v as number[]) : Float32Array.from(v as number[]), [
          (v as number[]).length,
        ]);
      return instanceNorm(x.input!, {
        weight: x.weight,
        bias: x.bias,
        eps: o.eps as number,
        useInputStats: o.useInputStats as boolean,
        runningMean: stats(o.runningMean),
        runningVar: stats(o.runningVar),
      });
    },
  },
  { layerNorm: 6, groupNorm: 6, instanceNorm: 5 },
);

import { elu, hardswish, mish, prelu, silu, softplus } from '../../../src/nn/functional/activation.js';
import { describeOpGoldens } from '../../helpers/op-golden.js';

describeOpGoldens(
  'activations_more',
  {
    elu: (x, o) => elu(x.input!, o),
    silu: (x) => silu(x.input!),
    hardswish: (x) => hardswish(x.input!),
    mish: (x) => mish(x.input!),
    softplus: (x, o) => softplus(x.input!, o),
    prelu: (x) => prelu(x.input!, x.weight!),
  },
  { elu: 4, silu: 2, hardswish: 2, mish: 2, softplus: 4, prelu: 5 },
);

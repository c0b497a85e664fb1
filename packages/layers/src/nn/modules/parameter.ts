import { Variable } from '@torchlet/autograd';
import type { Tensor } from '@torchlet/tensor';

/** A leaf that requires grad and that a Module registers when it is assigned to a field. */
export class Parameter extends Variable {
  constructor(data: Tensor, requiresGrad = true) {
    super(data, { requiresGrad });
  }
}

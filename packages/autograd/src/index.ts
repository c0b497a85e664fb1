export { Variable, variable, type VariableOptions, type BackwardOptions } from './variable.js';
export {
  defineOp,
  InplaceModificationError,
  type ForwardContext,
  type BackwardContext,
  type GraphBackwardContext,
  type AsVariables,
  type OpDefinition,
  type Lifted,
} from './function.js';
export type { Node } from './node.js';
export { traceOps, type TracedCall, type OpTracer } from './trace.js';
export { noGrad, enableGrad, isGradEnabled, withGradMode } from './grad-mode.js';
export { sumToShape } from './sum-to-shape.js';
export { add, sub, mul, div, neg, pow } from './ops/arithmetic.js';
export { exp, log, sqrt, abs, tanh, sigmoid, relu, leakyRelu, gelu, clamp, type GeluOptions } from './ops/unary.js';
export {
  sum,
  mean,
  max,
  min,
  amax,
  amin,
  maxWithIndices,
  minWithIndices,
  logsumexp,
  variance,
  std,
  type VariableValuesAndIndices,
} from './ops/reduce.js';
export {
  reshape,
  view,
  flatten,
  squeeze,
  unsqueeze,
  permute,
  transpose,
  expand,
  slice,
  narrow,
  pad,
  indexSelect,
  concat,
  stack,
} from './ops/movement.js';
export { softmax, logSoftmax } from './ops/softmax.js';
export { tensor, zeros, ones, full, rand, randn } from './create.js';
export { gradcheck, gradgradcheck, GradcheckError, type GradcheckOptions } from './gradcheck.js';
export { grad, type GradOptions } from './grad.js';
export { where } from './ops/where.js';
export { matmul } from './ops/matmul.js';
export {
  detectAnomaly,
  setDetectAnomaly,
  isAnomalyEnabled,
  withScope,
  currentScope,
  AnomalyError,
  type ScopeEntry,
  type AnomalyContext,
} from './anomaly.js';
import './methods.js';

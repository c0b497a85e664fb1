/**
 * The functional namespace, as `torch.nn.functional`: stateless differentiable ops taking
 * Tensors or Variables, options as one camelCase object.
 */
export { convOutputSize } from '@torchlet/tensor';
export {
  normalizeConvOptions,
  type ConvOptions,
  type PaddingMode,
  type SpatialArg,
  type TensorInput,
} from './conv-options.js';
export { conv1d, conv2d, conv3d, convNd } from './conv.js';
export { conv1dReluMaxPool1d, conv2dReluMaxPool2d } from './conv-relu-pool.js';
export {
  convTranspose1d,
  convTranspose2d,
  convTranspose3d,
  convTransposeNd,
  convTransposeOutputSize,
  type ConvTransposeOptions,
} from './conv-transpose.js';
export {
  maxPool1d,
  maxPool2d,
  maxPool3d,
  maxPoolNd,
  avgPool1d,
  avgPool2d,
  avgPool3d,
  avgPoolNd,
  poolOutputSize,
  type MaxPoolOptions,
  type AvgPoolOptions,
} from './pool.js';
export {
  adaptiveAvgPool1d,
  adaptiveAvgPool2d,
  adaptiveAvgPool3d,
  adaptiveAvgPoolNd,
  adaptiveMaxPool1d,
  adaptiveMaxPool2d,
  adaptiveMaxPool3d,
  adaptiveMaxPoolNd,
  type AdaptiveOutputSize,
  type AdaptiveOutputSize2d,
  type AdaptiveMaxPoolOptions,
} from './adaptive-pool.js';
export { convolve, convolve2d, correlate2d, convolveNd, correlateNd, type SignalMode } from './signal.js';
export { linear } from './linear.js';
export {
  relu,
  leakyRelu,
  tanh,
  sigmoid,
  gelu,
  softmax,
  logSoftmax,
  elu,
  silu,
  hardswish,
  softplus,
  mish,
  prelu,
  type GeluOptions,
  type EluOptions,
  type SoftplusOptions,
} from './activation.js';
export { interpolate, type InterpolateOptions, type InterpolateMode } from './interpolate.js';
export { dropout, dropout1d, dropout2d, dropout3d, type DropoutOptions } from './dropout.js';
export { batchNorm, type BatchNormOptions } from './batch-norm.js';
export { layerNorm, groupNorm, instanceNorm, type AffineNormOptions, type InstanceNormOptions } from './norm.js';
export { crossEntropy, nllLoss, type CrossEntropyOptions, type NllLossOptions } from './loss.js';
export type { Reduction } from './loss-common.js';
export {
  mseLoss,
  l1Loss,
  smoothL1Loss,
  huberLoss,
  type MseLossOptions,
  type L1LossOptions,
  type SmoothL1LossOptions,
  type HuberLossOptions,
} from './regression-loss.js';
export {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  type BceOptions,
  type BceWithLogitsOptions,
} from './binary-cross-entropy.js';
export { klDiv, type KlDivOptions } from './kl-div.js';

export {
  Module,
  type StateDict,
  type LoadStateDictOptions,
  type LoadStateDictResult,
  type ForwardPreHook,
  type ForwardHook,
  type ForwardInputs,
  type ForwardOutput,
  type ModuleInput,
  type Layer,
} from './nn/modules/module.js';
export { ModuleList, ModuleDict, ModuleSequence } from './nn/modules/container.js';
export type { RemovableHandle } from './nn/modules/hooks.js';
export { Parameter } from './nn/modules/parameter.js';
export * as init from './nn/init.js';
export {
  calculateFanInAndFanOut,
  calculateGain,
  kaimingUniform_,
  kaimingNormal_,
  xavierUniform_,
  xavierNormal_,
  uniform_,
  normal_,
  zeros_,
  ones_,
  constant_,
  type Nonlinearity,
  type FanMode,
  type KaimingOptions,
  type XavierOptions,
  type InitTarget,
} from './nn/init.js';
export { TensorDataset, Subset, defaultCollate, type Dataset, type Collated } from './data/dataset.js';
export { DataLoader, type DataLoaderOptions } from './data/data-loader.js';
export { MnistDataset, type MnistDatasetOptions } from './data/mnist-dataset.js';
export { parseIdx, encodeIdx, IdxFormatError, type IdxArray, type IdxDType } from './data/idx.js';
export {
  encodeSafetensors,
  decodeSafetensors,
  SafetensorsError,
  MAX_HEADER_ENTRIES,
  MAX_HEADER_ITEMS,
  type TensorMap,
  type SafetensorsMetadata,
} from './io/safetensors.js';
export * as functional from './nn/functional/index.js';
export {
  Optimizer,
  type ParamGroup,
  type ParamGroupInput,
  type ParamsInput,
  type OptimizerStateDict,
  type SerializedTensor,
  type ParamState,
} from './optim/optimizer.js';
export { SGD, type SGDOptions } from './optim/sgd.js';
export { AdamBase, Adam, AdamW, type AdamOptions } from './optim/adam.js';
export { RMSprop, type RMSpropOptions } from './optim/rmsprop.js';
export { Adadelta, type AdadeltaOptions } from './optim/adadelta.js';
export { Adagrad, type AdagradOptions } from './optim/adagrad.js';
export {
  LRScheduler,
  StepLR,
  CosineAnnealingLR,
  MultiStepLR,
  ExponentialLR,
  LinearLR,
  type StepLROptions,
  type CosineAnnealingLROptions,
  type MultiStepLROptions,
  type ExponentialLROptions,
  type LinearLROptions,
  type SchedulerStateDict,
} from './optim/lr-scheduler.js';
export { OneCycleLR, type OneCycleLROptions } from './optim/one-cycle-lr.js';
export {
  ReduceLROnPlateau,
  type ReduceLROnPlateauOptions,
  type PlateauStateDict,
} from './optim/reduce-lr-on-plateau.js';
export {
  Conv1d,
  Conv2d,
  Conv3d,
  ConvNd,
  ConvTranspose1d,
  ConvTranspose2d,
  ConvTranspose3d,
  ConvTransposeNd,
  type ConvModuleOptions,
  type ConvTransposeModuleOptions,
} from './nn/modules/conv.js';
export {
  MaxPool1d,
  MaxPool2d,
  MaxPool3d,
  MaxPoolNd,
  AvgPool1d,
  AvgPool2d,
  AvgPool3d,
  AvgPoolNd,
  AdaptiveAvgPool1d,
  AdaptiveAvgPool2d,
  AdaptiveAvgPool3d,
  AdaptiveAvgPoolNd,
  AdaptiveMaxPool1d,
  AdaptiveMaxPool2d,
  AdaptiveMaxPool3d,
  AdaptiveMaxPoolNd,
  type MaxPoolModuleOptions,
  type AvgPoolModuleOptions,
} from './nn/modules/pool.js';
export { StateDictError, type StateDictMismatch } from './nn/modules/module.js';
export { summary, summaryRows, type Summarizable, type SummaryOptions, type SummaryRow } from './nn/summary.js';
export { Linear, Flatten, Unflatten, Identity, type LinearOptions } from './nn/modules/linear.js';
export {
  ReLU,
  LeakyReLU,
  Tanh,
  Sigmoid,
  GELU,
  Softmax,
  LogSoftmax,
  ELU,
  SiLU,
  Hardswish,
  Mish,
  Softplus,
  PReLU,
  type PReLUOptions,
} from './nn/modules/activation.js';
export { Upsample } from './nn/modules/upsample.js';
export { Dropout, Dropout1d, Dropout2d, Dropout3d, type DropoutModuleOptions } from './nn/modules/dropout.js';
export {
  BatchNormNd,
  BatchNorm1d,
  BatchNorm2d,
  BatchNorm3d,
  LayerNorm,
  GroupNorm,
  InstanceNormNd,
  InstanceNorm1d,
  InstanceNorm2d,
  InstanceNorm3d,
  type BatchNormModuleOptions,
  type LayerNormModuleOptions,
  type GroupNormModuleOptions,
  type InstanceNormModuleOptions,
} from './nn/modules/norm.js';
export { Sequential } from './nn/modules/sequential.js';
export { clipGradNorm_, clipGradValue_, type ClipGradNormOptions } from './nn/clip-grad.js';
export {
  L1Loss,
  MSELoss,
  SmoothL1Loss,
  HuberLoss,
  BCELoss,
  BCEWithLogitsLoss,
  KLDivLoss,
  CrossEntropyLoss,
  NLLLoss,
} from './nn/modules/loss.js';
export {
  captureTrainingState,
  restoreTrainingState,
  CheckpointError,
  type AnyScheduler,
  type TrainingState,
  type TrainingTargets,
  type RestoredTraining,
} from './train/training-state.js';
export { ProgressBar, formatSeconds, type ProgressBarOptions, type ProgressStream } from './train/progress.js';
export { trainEpoch, type TrainEpochOptions, type EpochStats } from './train/train-epoch.js';
export { toOnnxBytes, type OnnxExportOptions } from './onnx/export.js';
export { registerOnnxConverter, BUILTIN_OPS as ONNX_EXPORT_OPS } from './onnx/converters.js';
export type { OnnxOpCall, OnnxConverter } from './onnx/op-call.js';
export type { OnnxAttribute } from './onnx/graph-builder.js';
export { importOnnx, OnnxModel } from './onnx/import.js';
export { IMPORT_OP_TYPES as ONNX_IMPORT_OPS } from './onnx/import-ops.js';
export * as transforms from './data/transforms.js';
export * as visualize from './visualize/index.js';

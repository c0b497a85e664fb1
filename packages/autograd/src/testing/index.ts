export {
  arbShape,
  arbBroadcastPair,
  arbTensor,
  arbConvCase,
  type ShapeOptions,
  type TensorOptions,
  type ConvCaseOptions,
  type ConvCase,
} from './arbitraries.js';

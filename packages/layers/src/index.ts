export { Module, type StateDict, type LoadStateDictOptions, type LoadStateDictResult } from './module.js';
export { Parameter } from './parameter.js';
export * as init from './init.js';
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
} from './init.js';

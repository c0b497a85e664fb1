export { Tensor, contiguousData, floatData, type NestedArray } from './tensor.js';
export {
  type DType,
  type TypedArray,
  type FloatArray,
  floatArray,
  DTYPES,
  isFloat,
  promoteTypes,
  uninitializedArrayFor,
} from './dtype.js';
export { printWithToString } from './format.js';
export { ShapeError, shapeError, rangeError, typeError } from './errors.js';
export { formatShape, sizeOf, contiguousStrides, broadcastShapes, sameShape, type Shape } from './shape.js';
export {
  normalizeAxis,
  normalizeAxes,
  checkShape,
  checkInt,
  checkRank,
  checkTensor,
  checkTensorOrData,
  type HasTensorData,
  describeValue,
  describeOption,
  formatSize,
  spatialTuple,
  spatialFactors,
  checkOptions,
  optionKeys,
  checkSize,
  MAX_ELEMENTS,
} from './check.js';
export { Generator, manualSeed, defaultGenerator, setDefaultGenerator, type GeneratorState } from './random.js';
export * from './create.js';
export * from './ops/elementwise.js';
export * from './ops/movement.js';
export * from './ops/join.js';
export * from './ops/pad.js';
export * from './ops/index-select.js';
export * from './ops/reduce.js';
export * from './ops/matmul.js';
export { copy_ } from './ops/copy.js';
export { storageVersion, bumpVersion } from './version.js';
export * from './kernels/index.js';

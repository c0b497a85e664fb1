export { Tensor, contiguousData, type NestedArray } from './tensor.js';
export { type DType, type TypedArray, DTYPES, isFloat, promoteTypes } from './dtype.js';
export { ShapeError, shapeError, rangeError, typeError } from './errors.js';
export { formatShape, sizeOf, contiguousStrides, broadcastShapes, sameShape, type Shape } from './shape.js';
export { normalizeAxis, normalizeAxes, checkShape, checkInt, checkRank } from './check.js';
export { Generator, manualSeed, defaultGenerator, setDefaultGenerator, type GeneratorState } from './random.js';
export * from './create.js';
export * from './ops/elementwise.js';

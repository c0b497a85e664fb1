export { Variable, variable, type VariableOptions, type BackwardOptions } from './variable.js';
export { defineOp, Context, type OpDefinition, type Lifted } from './function.js';
export type { Node } from './node.js';
export { noGrad, enableGrad, isGradEnabled, withGradMode } from './grad-mode.js';

export { Module, type StateDict, type LoadStateDictOptions, type LoadStateDictResult } from './module.js';
export { Parameter } from './parameter.js';

import type { Dim, Shape, Tensor } from '@torchlet/tensor';
import { add, div, mul, neg, pow, sub } from './ops/arithmetic.js';
import { abs, exp, log, relu, sigmoid, sqrt, tanh } from './ops/unary.js';
import { max, mean, sum } from './ops/reduce.js';
import { flatten, permute, reshape, squeeze, transpose, unsqueeze, view } from './ops/movement.js';
import { logSoftmax, softmax } from './ops/softmax.js';
import { matmul } from './ops/matmul.js';
import { Variable } from './variable.js';

// Fluent methods, `x.add(y).relu().sum()`, as thin calls to the ops. They are attached to the
// prototype here (a side effect of importing the package) so that variable.ts does not depend on
// every op, and the ops' own module graph stays acyclic.

type Operand = Variable | Tensor | number;

declare module './variable.js' {
  interface Variable {
    /** `add(this, other)` */
    add(other: Operand): Variable;
    /** `sub(this, other)` */
    sub(other: Operand): Variable;
    /** `mul(this, other)` */
    mul(other: Operand): Variable;
    /** `div(this, other)` */
    div(other: Operand): Variable;
    /** `neg(this)` */
    neg(): Variable;
    /** `pow(this, exponent)` */
    pow(exponent: Operand): Variable;
    /** `exp(this)` */
    exp(): Variable;
    /** `log(this)` */
    log(): Variable;
    /** `sqrt(this)` */
    sqrt(): Variable;
    /** `abs(this)` */
    abs(): Variable;
    /** `tanh(this)` */
    tanh(): Variable;
    /** `sigmoid(this)` */
    sigmoid(): Variable;
    /** `relu(this)` */
    relu(): Variable;
    /** `sum(this, dim, keepdim)` */
    sum(dim?: Dim, keepdim?: boolean): Variable;
    /** `mean(this, dim, keepdim)` */
    mean(dim?: Dim, keepdim?: boolean): Variable;
    /** `max(this, dim, keepdim)` */
    max(dim?: Dim, keepdim?: boolean): Variable;
    /** `matmul(this, other)` */
    matmul(other: Variable | Tensor): Variable;
    /** `reshape(this, shape)` */
    reshape(shape: Shape): Variable;
    /** `view(this, shape)` */
    view(shape: Shape): Variable;
    /** `flatten(this, startDim, endDim)` */
    flatten(startDim?: number, endDim?: number): Variable;
    /** `permute(this, dims)` */
    permute(dims: readonly number[]): Variable;
    /** `transpose(this, dim0, dim1)` */
    transpose(dim0: number, dim1: number): Variable;
    /** `squeeze(this, dim)` */
    squeeze(dim?: number | readonly number[]): Variable;
    /** `unsqueeze(this, dim)` */
    unsqueeze(dim: number): Variable;
    /** `softmax(this, dim)` */
    softmax(dim: number): Variable;
    /** `logSoftmax(this, dim)` */
    logSoftmax(dim: number): Variable;
  }
}

const methods: ThisType<Variable> & Partial<Record<keyof Variable, unknown>> = {
  add(other: Operand) {
    return add(this, other);
  },
  sub(other: Operand) {
    return sub(this, other);
  },
  mul(other: Operand) {
    return mul(this, other);
  },
  div(other: Operand) {
    return div(this, other);
  },
  neg() {
    return neg(this);
  },
  pow(exponent: Operand) {
    return pow(this, exponent);
  },
  exp() {
    return exp(this);
  },
  log() {
    return log(this);
  },
  sqrt() {
    return sqrt(this);
  },
  abs() {
    return abs(this);
  },
  tanh() {
    return tanh(this);
  },
  sigmoid() {
    return sigmoid(this);
  },
  relu() {
    return relu(this);
  },
  sum(dim?: Dim, keepdim?: boolean) {
    return sum(this, dim, keepdim);
  },
  mean(dim?: Dim, keepdim?: boolean) {
    return mean(this, dim, keepdim);
  },
  max(dim?: Dim, keepdim?: boolean) {
    return max(this, dim, keepdim);
  },
  matmul(other: Variable | Tensor) {
    return matmul(this, other);
  },
  reshape(shape: Shape) {
    return reshape(this, shape);
  },
  view(shape: Shape) {
    return view(this, shape);
  },
  flatten(startDim?: number, endDim?: number) {
    return flatten(this, startDim, endDim);
  },
  permute(dims: readonly number[]) {
    return permute(this, dims);
  },
  transpose(dim0: number, dim1: number) {
    return transpose(this, dim0, dim1);
  },
  squeeze(dim?: number | readonly number[]) {
    return squeeze(this, dim);
  },
  unsqueeze(dim: number) {
    return unsqueeze(this, dim);
  },
  softmax(dim: number) {
    return softmax(this, dim);
  },
  logSoftmax(dim: number) {
    return logSoftmax(this, dim);
  },
};

for (const [name, fn] of Object.entries(methods)) {
  Object.defineProperty(Variable.prototype, name, { value: fn, writable: true, configurable: true, enumerable: false });
}

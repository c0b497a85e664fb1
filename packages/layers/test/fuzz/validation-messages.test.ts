import { describe, expect, it } from 'vitest';
import * as T from '@torchlet/tensor';
import {
  Adam,
  AdamW,
  calculateFanInAndFanOut,
  Conv2d,
  DataLoader,
  Dropout,
  encodeIdx,
  Linear,
  SGD,
  Subset,
  TensorDataset,
} from '@torchlet/layers';
import { maxPool2d, avgPool1d, mseLoss } from '@torchlet/layers/functional';

// The exact text of each check the validation fuzz made necessary.

describe('layers errors added for the validation fuzz', () => {
  it('optimizers and the DataLoader take an options object', () => {
    const params = new Linear(2, 2).parameters();
    expect(() => new SGD(params, 3 as never)).toThrow(TypeError);
    expect(() => new SGD(params, 3 as never)).toThrow('SGD: options must be an object, got number 3');
    expect(() => new Adam(params, null as never)).toThrow('Adam: options must be an object, got null');
    expect(() => new AdamW(params, 'x' as never)).toThrow('AdamW: options must be an object, got string x');
    const ds = new TensorDataset(T.zeros([3, 2]));
    expect(() => new DataLoader(ds, null as never)).toThrow('DataLoader: options must be an object, got null');
  });

  it('Subset checks its dataset and indices before reading them', () => {
    expect(() => new Subset(null as never, [0])).toThrow(
      'Subset: dataset must have an integer length and a get(index) method',
    );
    expect(() => new Subset(new TensorDataset(T.zeros([3])), null as never)).toThrow(
      'Subset: indices must be an array of integers, got null',
    );
  });

  it('pooling options that are neither an object nor a kernel size', () => {
    expect(() => maxPool2d(T.zeros([1, 1, 4, 4]), null as never)).toThrow(
      'maxPool2d: options must be an object with kernelSize, or the kernel size, got null',
    );
    expect(() => avgPool1d(T.zeros([1, 1, 4]), 'two' as never)).toThrow(
      "avgPool1d: options must be an object with kernelSize, or the kernel size, got 'two'",
    );
  });

  it('mseLoss: options and matching dtypes', () => {
    expect(() => mseLoss(T.zeros([2]), T.zeros([2], { dtype: 'float64' }))).toThrow(TypeError);
    expect(() => mseLoss(T.zeros([2]), T.zeros([2], { dtype: 'float64' }))).toThrow(
      'mseLoss: input is float32 but target is float64; cast one of them',
    );
    expect(() => mseLoss(T.zeros([2]), T.zeros([2]), null as never)).toThrow('mseLoss: options must be an object');
  });

  it('Module.train and Module.apply, Conv bias, Dropout options', () => {
    const m = new Linear(2, 2);
    expect(() => m.train(1 as never)).toThrow('train: mode must be a boolean, got 1');
    expect(() => m.apply(null as never)).toThrow('apply: fn must be a function, got null');
    expect(() => new Conv2d(1, 1, 3, { bias: 1 as never })).toThrow('Conv2d: bias must be a boolean, got 1');
    expect(() => new Dropout(0.5, null as never)).toThrow('Dropout: options must be an object, got null');
  });

  it('init and IDX shapes', () => {
    expect(() => calculateFanInAndFanOut([1, -2])).toThrow(RangeError);
    expect(() => calculateFanInAndFanOut([1, -2])).toThrow(
      'calculateFanInAndFanOut: shape must hold sizes >= 0, got [1, -2]',
    );
    expect(() => encodeIdx({ dtype: 'uint8', shape: 'ab' as never, data: new Uint8Array(2) })).toThrow(
      'encodeIdx: shape must be an array of integers in [0, 2^32), got ab',
    );
    expect(() => encodeIdx({ dtype: 'uint8', shape: [0.5], data: new Uint8Array(2) })).toThrow(
      'encodeIdx: shape must be an array of integers in [0, 2^32), got [0.5]',
    );
  });
});

import { describe, expect, it } from 'vitest';
import * as T from '@torchlet/tensor';
import { MAX_ELEMENTS, ShapeError, Tensor } from '@torchlet/tensor';
import { convGeometry, convOutputSize } from '@torchlet/tensor/kernels';

// The exact text of each check the validation fuzz made necessary (the fuzz itself only checks the
// class, the op prefix and that the argument is named).

describe('errors added for the validation fuzz', () => {
  it('options that are not an object', () => {
    expect(() => T.zeros([2], null as never)).toThrow(TypeError);
    expect(() => T.zeros([2], null as never)).toThrow('zeros: options must be an object, got null');
    expect(() => T.randn([2], 3 as never)).toThrow('randn: options must be an object, got number 3');
    expect(() => T.tensor([1], 'x' as never)).toThrow('tensor: options must be an object, got string x');
    expect(() => T.pad(T.zeros([2]), 1, null as never)).toThrow('pad: options must be an object, got null');
    expect(() => T.variance(T.zeros([2]), 0, null as never)).toThrow('variance: options must be an object, got null');
    expect(() => T.randint(0, 2, [2], [] as never)).toThrow('randint: options must be an object, got an array');
    expect(() => convGeometry('conv2d', null as never)).toThrow('conv2d: options must be an object, got null');
    expect(() => convOutputSize(5, 2, null as never)).toThrow('convOutputSize: options must be an object, got null');
  });

  it('sizes beyond what a tensor can hold', () => {
    expect(MAX_ELEMENTS).toBe(2147483647);
    expect(() => T.zeros([2 ** 20, 2 ** 20])).toThrow(RangeError);
    expect(() => T.zeros([2 ** 20, 2 ** 20])).toThrow(
      'zeros: shape [1048576, 1048576] holds 1099511627776 elements, more than the 2147483647 a tensor can hold',
    );
    expect(() => T.arange(0, 1e12)).toThrow(
      'arange: the range [0, 1000000000000) with step=1 holds 1000000000000 elements, more than the 2147483647 a tensor can hold',
    );
    expect(() => T.linspace(0, 1, 2 ** 32)).toThrow('linspace: steps=4294967296 holds 4294967296 elements');
    expect(() => T.eye(2 ** 20)).toThrow('eye: n × m = 1048576 × 1048576 holds 1099511627776 elements');
    expect(() => T.pad(T.zeros([1]), 2 ** 30)).toThrow(
      'pad: the padded shape [2147483649] (padWidth on x of shape [1]) holds 2147483649 elements',
    );
    // A zero-size tensor with huge other axes holds nothing and is fine.
    expect(T.zeros([0, 2 ** 40]).size).toBe(0);
  });

  it('Tensor layouts with non-integer sizes, strides or offsets', () => {
    expect(() => new Tensor(new Float32Array(4), [Number.NaN])).toThrow(TypeError);
    expect(() => new Tensor(new Float32Array(4), [Number.NaN])).toThrow(
      'Tensor: shape must be an array of integers >= 0, got [NaN]',
    );
    expect(() => new Tensor(new Float32Array(4), [2, -2])).toThrow(
      'Tensor: shape must be an array of integers >= 0, got [2, -2]',
    );
    expect(() => new Tensor(new Float32Array(4), 'ab' as never)).toThrow(
      'Tensor: shape must be an array of integers >= 0, got ab',
    );
    expect(() => new Tensor(new Float32Array(4), [2, 2], [1.5, 1])).toThrow(
      'Tensor: strides must be an array of integers >= 0, got [1.5, 1]',
    );
    expect(() => new Tensor(new Float32Array(4), [2], [1], Number.NaN)).toThrow(
      'Tensor: offset must be an integer, got NaN',
    );
    // A negative offset stays a ShapeError from the storage check.
    expect(() => new Tensor(new Float32Array(4), [2], [1], -1)).toThrow(ShapeError);
  });

  it('allClose tolerances, squeeze(null)', () => {
    expect(() => T.allClose(T.zeros([1]), T.zeros([1]), Number.NaN)).toThrow(
      'allClose: rtol must be a number >= 0, got number NaN',
    );
    expect(() => T.allClose(T.zeros([1]), T.zeros([1]), 1e-5, -1)).toThrow(RangeError);
    expect(() => T.allClose(T.zeros([1]), T.zeros([1]), 1e-5, '1' as never)).toThrow(
      'allClose: atol must be a number >= 0, got string 1',
    );
    expect(() => T.squeeze(T.zeros([1, 2]), null as never)).toThrow(TypeError);
    expect(() => T.squeeze(T.zeros([1, 2]), null as never)).toThrow(
      'squeeze: dim must be an integer or an array of integers, got null',
    );
  });
});

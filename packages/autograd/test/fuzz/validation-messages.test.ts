import { describe, expect, it } from 'vitest';
import * as T from '@torchlet/tensor';
import * as A from '@torchlet/autograd';
import { Variable } from '@torchlet/autograd';

// The exact text of each check the validation fuzz made necessary.

describe('autograd errors added for the validation fuzz', () => {
  it('ops that read their input before the tensor op checked it', () => {
    for (const [name, call] of [
      ['reshape', () => A.reshape(null as never, [1])],
      ['view', () => A.view(null as never, [1])],
      ['flatten', () => A.flatten(null as never)],
      ['squeeze', () => A.squeeze(null as never)],
      ['unsqueeze', () => A.unsqueeze(null as never, 0)],
      ['expand', () => A.expand(null as never, [1])],
      ['softmax', () => A.softmax(null as never, 0)],
      ['logSoftmax', () => A.logSoftmax(null as never, 0)],
      ['gelu', () => A.gelu(null as never)],
    ] as const) {
      expect(call).toThrow(TypeError);
      expect(call).toThrow(`${name}: x must be a Tensor, got null`);
    }
    expect(() => A.add(A.ones([2]), null as never)).toThrow('add: b must be a Tensor or a number, got null');
    expect(() => A.mul({} as never, A.ones([2]))).toThrow('mul: a must be a Tensor or a number, got Object');
  });

  it('Variable, backward and the creation functions check their options', () => {
    expect(() => new Variable(T.zeros([1]), null as never)).toThrow('Variable: options must be an object, got null');
    expect(() => new Variable(T.zeros([1]), { requiresGrad: 'yes' as never })).toThrow(
      'Variable: requiresGrad must be a boolean, got string yes',
    );
    expect(() => A.zeros([2], { requiresGrad: 1 as never })).toThrow(
      'zeros: requiresGrad must be a boolean, got number 1',
    );
    expect(() => A.randn([2], null as never)).toThrow('randn: options must be an object, got null');
    const y = A.sum(A.mul(A.ones([2], { requiresGrad: true }), 2));
    expect(() => y.backward(undefined, null as never)).toThrow('backward: options must be an object, got null');
    expect(() => y.backward(undefined, { retainGraph: 1 as never })).toThrow(
      'backward: retainGraph must be a boolean, got number 1',
    );
    expect(() => y.backward(3 as never)).toThrow('backward: gradient must be a Tensor or Variable, got number 3');
  });

  it('defineOp, gradcheck and the grad-mode helpers check their arguments', () => {
    expect(() => A.defineOp(null as never)).toThrow(
      'defineOp: def must be an object { name, forward, backward }, got null',
    );
    expect(() => A.defineOp({ name: '', forward: () => T.zeros([1]), backward: () => [] } as never)).toThrow(
      'defineOp: name must be a non-empty string, got string ',
    );
    expect(() => A.defineOp({ name: 'op', forward: 3, backward: () => [] } as never)).toThrow(
      "defineOp: forward of op 'op' must be a function, got number 3",
    );
    const x = A.randn([2], { dtype: 'float64', requiresGrad: true });
    expect(() => A.gradcheck(null as never, [x])).toThrow('gradcheck: fn must be a function, got null');
    expect(() => A.gradcheck((v) => A.sum(v), [x], { eps: 0 })).toThrow(RangeError);
    expect(() => A.gradcheck((v) => A.sum(v), [x], { eps: 0 })).toThrow(
      'gradcheck: eps must be a finite number > 0, got number 0',
    );
    expect(() => A.gradcheck((v) => A.sum(v), [x], { atol: -1 })).toThrow(
      'gradcheck: atol must be a finite number >= 0, got number -1',
    );
    expect(() => A.gradcheck((v) => A.sum(v), [x], null as never)).toThrow(
      'gradcheck: options must be an object, got null',
    );
    expect(() => A.noGrad(3 as never)).toThrow('noGrad: fn must be a function, got number 3');
    expect(() => A.enableGrad(null as never)).toThrow('enableGrad: fn must be a function, got null');
    expect(() => A.withGradMode(1 as never, () => 1)).toThrow('withGradMode: enabled must be a boolean, got number 1');
    expect(A.isGradEnabled()).toBe(true);
  });
});

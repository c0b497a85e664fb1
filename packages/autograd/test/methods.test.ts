import { describe, expect, it } from 'vitest';
import * as T from '@torchlet/tensor';
import { Generator } from '@torchlet/tensor';
import * as A from '@torchlet/autograd';
import { randn, type Variable } from '@torchlet/autograd';

describe('fluent methods', () => {
  const g = new Generator(1);
  const x = randn([2, 3], { dtype: 'float64', generator: g, requiresGrad: true });
  const y = randn([2, 3], { dtype: 'float64', generator: g, requiresGrad: true });
  const positive = A.add(A.abs(x), 0.5);

  // Each method against the free function it wraps, same arguments.
  const pairs: [string, Variable, Variable][] = [
    ['add', x.add(y), A.add(x, y)],
    ['sub', x.sub(2), A.sub(x, 2)],
    ['mul', x.mul(y), A.mul(x, y)],
    ['div', x.div(positive), A.div(x, positive)],
    ['neg', x.neg(), A.neg(x)],
    ['pow', positive.pow(1.5), A.pow(positive, 1.5)],
    ['exp', x.exp(), A.exp(x)],
    ['log', positive.log(), A.log(positive)],
    ['sqrt', positive.sqrt(), A.sqrt(positive)],
    ['abs', x.abs(), A.abs(x)],
    ['tanh', x.tanh(), A.tanh(x)],
    ['sigmoid', x.sigmoid(), A.sigmoid(x)],
    ['relu', x.relu(), A.relu(x)],
    ['sum', x.sum(1, true), A.sum(x, 1, true)],
    ['mean', x.mean(), A.mean(x)],
    ['max', x.max(0), A.max(x, 0)],
    ['matmul', x.matmul(y.transpose(0, 1)), A.matmul(x, A.transpose(y, 0, 1))],
    ['reshape', x.reshape([3, 2]), A.reshape(x, [3, 2])],
    ['view', x.view([6]), A.view(x, [6])],
    ['flatten', x.flatten(), A.flatten(x)],
    ['permute', x.permute([1, 0]), A.permute(x, [1, 0])],
    ['transpose', x.transpose(0, 1), A.transpose(x, 0, 1)],
    ['squeeze', x.unsqueeze(0).squeeze(0), A.squeeze(A.unsqueeze(x, 0), 0)],
    ['unsqueeze', x.unsqueeze(-1), A.unsqueeze(x, -1)],
    ['softmax', x.softmax(1), A.softmax(x, 1)],
    ['logSoftmax', x.logSoftmax(0), A.logSoftmax(x, 0)],
  ];
  for (const [name, viaMethod, viaFunction] of pairs) {
    it(`x.${name}(...) equals ${name}(x, ...) and records ${name}`, () => {
      expect(viaMethod.shape).toEqual(viaFunction.shape);
      expect(viaMethod.data.toArray()).toEqual(viaFunction.data.toArray());
      expect(viaMethod.gradFn).not.toBeNull();
    });
  }

  it('chains into a backward pass', () => {
    const w = randn([3], { dtype: 'float64', generator: new Generator(2), requiresGrad: true });
    w.mul(2).relu().sum().backward();
    expect(w.grad!.toArray()).toEqual(Array.from(T.contiguousData(w.data), (v) => (v > 0 ? 2 : 0)));
  });

  it('are not enumerable on the prototype', () => {
    expect(Object.keys(x)).not.toContain('add');
    expect(Object.getOwnPropertyDescriptor(Object.getPrototypeOf(x), 'add')!.enumerable).toBe(false);
  });
});

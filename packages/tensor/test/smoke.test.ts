import { describe, expect, it } from 'vitest';
import { add, randn, tensor, Generator } from '@torchlet/tensor';
describe('smoke', () => {
  it('adds with broadcasting and prints', () => {
    const a = tensor([[1, 2], [3, 4.5]]);
    const b = tensor([10, 20]);
    expect(add(a, b).toArray()).toEqual([[11, 22], [13, 24.5]]);
    console.log(add(a, b).toString());
    console.log(randn([3, 4], { generator: new Generator(1) }).toString());
  });
});

import { inspect } from 'node:util';
import { Variable } from '@torchlet/autograd';
import { Conv2d, Flatten, Linear, MaxPool2d, Parameter, ReLU, Sequential } from '@torchlet/layers';
import { randn, tensor } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';

// console.log formats its arguments with util.inspect, so this is what a user sees.
describe('console.log prints what toString() prints', () => {
  it('for a Tensor', () => {
    const t = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(inspect(t)).toBe(t.toString());
    expect(inspect(t)).toMatch(/^tensor\(\[\[1\., 2\.\],/);
  });

  it('for a Variable and a Parameter', () => {
    const v = new Variable(randn([3]), { requiresGrad: true });
    expect(inspect(v)).toBe(v.toString());
    expect(inspect(v)).toMatch(/requiresGrad=true/);
    const p = new Parameter(randn([2, 2]));
    expect(inspect(p)).toBe(p.toString());
  });

  it('for a LeNet-style model, nested in other values too', () => {
    const lenet = new Sequential(
      new Conv2d(1, 6, 5, { padding: 2 }),
      new ReLU(),
      new MaxPool2d(2),
      new Conv2d(6, 16, 5),
      new ReLU(),
      new MaxPool2d(2),
      new Flatten(),
      new Linear(16 * 5 * 5, 120),
      new ReLU(),
      new Linear(120, 84),
      new ReLU(),
      new Linear(84, 10),
    );
    expect(inspect(lenet)).toBe(lenet.toString());
    expect(inspect(lenet)).toMatch(/^Sequential\(\n {2}\(0\): Conv2d\(1, 6/);
    expect(inspect(lenet)).not.toMatch(/Float32Array|strides|_parameters/);
    expect(inspect({ model: new Linear(2, 3) })).toContain('Linear(');
  });
});

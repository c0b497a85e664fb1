import { add, Generator, randn, tensor } from '@torchlet/tensor';

const g = new Generator(42);
const x = randn([2, 3], { generator: g });
console.log('x =', x.toString());
console.log('x + [1, 2, 3] =', add(x, tensor([1, 2, 3])).toString());

// A page's script: the same packages, bundled for the browser (no node: modules).
import { Conv2d, Flatten, Linear, ReLU, Sequential } from '@torchlet/layers';
import { getBackendInfo } from '@torchlet/tensor/kernels';
import { randn } from '@torchlet/tensor';

const model = new Sequential(new Conv2d(1, 4, 3), new ReLU(), new Flatten(), new Linear(4 * 6 * 6, 2));
const logits = model.forward(randn([1, 1, 8, 8]));
export const summary = `${String(logits.data)} on ${getBackendInfo().backend}`;

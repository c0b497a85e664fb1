// Activations are differentiable ops of @torchlet/autograd (each with its own backward); the
// functional namespace re-exports them under torch.nn.functional's names.
export { relu, leakyRelu, tanh, sigmoid, gelu, softmax, logSoftmax, type GeluOptions } from '@torchlet/autograd';

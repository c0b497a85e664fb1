/** The version of @torchlet/layers (its package.json's), written into exported ONNX models. */
export const VERSION = '0.1.0';

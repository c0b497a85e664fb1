// The ./testing subpath: fast-check arbitraries for convolution cases (fast-check is an optional peer dependency).
export { arbConvCase, type ConvCaseOptions, type ConvCase, type ConvPaddingMode } from './conv-arbitraries.js';
export { arbConvAxis, type ConvAxisOptions, type ConvAxis } from '@torchlet/tensor/testing';

// The ./testing subpath: fast-check arbitraries for convolution cases (fast-check is an optional peer dependency).
export {
  arbConvCase,
  arbConvAxis,
  type ConvCaseOptions,
  type ConvCase,
  type ConvPaddingMode,
  type ConvAxisOptions,
  type ConvAxis,
} from './conv-arbitraries.js';

// The ./kernels subpath: the low-level pieces ops are built from, for layers, benchmarks and a WASM GEMM.
export { jsGemm, gemmJs, gemmEach, checkGemmArgs } from './gemm.js';
export { getBackend, getGemm, setGemm } from './backend.js';
export type {
  Gemm,
  GemmArray,
  Backend,
  GemmBatch,
  GemmBatchCall,
  ConvKernels,
  ConvForwardCall,
  ConvAdjointCall,
  ConvWeightGradCall,
  ConvReluMaxPoolKernels,
  ConvReluMaxPoolCall,
  ConvReluMaxPoolBackwardCall,
  OptimizerKernels,
  AdamStepCall,
  ResidentMemory,
} from './seam.js';
export {
  convGeometry,
  convOutputSize,
  outputLength,
  dilatedSpan,
  type ConvGeometry,
  type ConvGeometryOptions,
  type ConvSizeOptions,
  type SizeArg,
} from './conv-geometry.js';
export { im2col, col2im, im2colInto, col2imInto } from './im2col.js';
export { setBackend, getBackendInfo, type BackendName, type BackendOptions, type BackendInfo } from './backend.js';
export { NativeGemm, type NativeGemmOptions } from './native/gemm.js';
export { WasmGemm, wasmSimdSupported, type WasmGemmOptions } from './wasm/backend.js';
export * from './conv/index.js';

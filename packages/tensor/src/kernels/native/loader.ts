/**
 * Loads the native backend (packages/tensor/native: C++ behind Node-API, compiled for this machine when
 * the package was installed), or says why it cannot: not Node.js (a browser), the install found no
 * compiler or the build failed (native/build/status.json says which), or the compiled file does not load.
 *
 * Node-only code is reached through `process.getBuiltinModule`, never an import, so the browser bundle
 * carries none of it. The compiled addon sits in the package's native/build/, found by walking up from
 * this module (see buildDir); TORCHLET_NATIVE_DIR points elsewhere (tests use a directory without the
 * addon to stand for a failed install).
 */

import type { Gemm, GemmArray } from '../seam.js';

// The arguments the conv entries share: `count` samples of a geometry (see `ConvBatchTask`)
// starting at `x[xOffset]`, the weight and output, and how to split the work.
export type ConvSamples = [
  geometry: readonly number[],
  groups: number,
  cOutG: number,
  count: number,
  x: GemmArray,
  xOffset: number,
];
export type ConvWeightsAndOutput = [w: GemmArray, wOffset: number, y: GemmArray, yOffset: number];
export type Parallel = [threads: number, minParallelFlops: number];

/** The addon's exports (native/src/torchlet.cc). */
export interface NativeAddon {
  /**
   * `C = alpha·op(A)·op(B) + beta·C` in place on the callers' arrays (see gemm.ts for the layout), split
   * over `threads` when the product has at least `minParallelFlops` flops. Returns false, touching
   * nothing, unless a, b and c are all Float32Array or all Float64Array.
   * @throws RangeError if an operand reaches outside its array
   */
  gemm(...args: [...Parameters<Gemm['gemm']>, ...Parallel]): boolean;
  /**
   * `y[n] = W·im2col(x[n])` for `count` samples of a geometry (see `ConvBatchTask`), added onto
   * y when `beta` is 1 or started at `bias`; `keep` receives every sample's columns; with `pooled`, also
   * `maxPool(relu(y))` over windowRows×2 windows and its indices from `pooledOffset`.
   * Returns false, touching nothing, unless the float arrays share one dtype.
   * @throws RangeError if an operand reaches outside its array or the geometry is not one
   */
  convForward(
    ...args: [
      ...ConvSamples,
      ...ConvWeightsAndOutput,
      keep: GemmArray | null,
      beta: number,
      bias: GemmArray | null,
      pooled: GemmArray | null,
      indices: Int32Array | null,
      pooledOffset: number,
      windowRows: number,
      ...Parallel,
    ]
  ): boolean;
  /** `x[n] += col2im(Wᵀ·y[n])` for `count` samples; false unless one float dtype. */
  convAdjoint(...args: [...ConvSamples, ...ConvWeightsAndOutput, ...Parallel]): boolean;
  /**
   * `gw = Σn y[n]·im2col(x[n])ᵀ` per group (from `kept` columns when given), `gb = Σ y` per channel
   * when given, the batch summed in 8 fixed partitions; false unless one float dtype.
   */
  convWeightGrad(
    ...args: [
      ...ConvSamples,
      kept: GemmArray | null,
      y: GemmArray,
      yOffset: number,
      gw: GemmArray,
      gb: GemmArray | null,
      ...Parallel,
    ]
  ): boolean;
  /** The backward of convForward's pooled epilogue: `gradY` written whole; false unless one float dtype. */
  maxPoolReluBackward(
    channels: number,
    h: number,
    w: number,
    windowRows: number,
    count: number,
    gradPooled: GemmArray,
    pooled: GemmArray,
    indices: Int32Array,
    gradY: GemmArray,
    threads: number,
  ): boolean;
  /** One Adam update of `grad.length` elements (see `AdamStepCall`); false unless one float dtype. */
  adamStep(
    param: GemmArray,
    paramOffset: number,
    grad: GemmArray,
    m: GemmArray,
    v: GemmArray,
    sign: number,
    beta1: number,
    beta2: number,
    stepSize: number,
    bias2Sqrt: number,
    eps: number,
    threads: number,
  ): boolean;
  /** The build's vector instructions ('avx512', 'avx2+fma', 'neon', ...) and worker threads started. */
  info(): { simd: string; vectorBytes: number; workers: number };
}

/** The addon, or null and why not. */
export interface NativeLoad {
  addon: NativeAddon | null;
  /** Empty when loaded; else one sentence: "no C++ compiler", "build failed: ...", "not Node.js (a browser)". */
  reason: string;
}

interface NodeProcess {
  versions?: { node?: string };
  env?: Record<string, string | undefined>;
  getBuiltinModule?: (id: string) => unknown;
  cwd?: () => string;
}

type NodeModule = { createRequire(from: string): ((id: string) => unknown) & { resolve(id: string): string } };

type Fs = { existsSync(path: string): boolean; readFileSync(path: string, encoding: 'utf8'): string };
type Path = { join(...parts: string[]): string; dirname(path: string): string };

let loaded: NativeLoad | undefined;

/** The native backend, loaded at the first call (and remembered), or why it is unavailable. */
export function loadNative(): NativeLoad {
  return (loaded ??= tryLoad());
}

function tryLoad(): NativeLoad {
  const proc = (globalThis as { process?: NodeProcess }).process;
  if (proc?.versions?.node === undefined) return { addon: null, reason: 'not Node.js (a browser has no native code)' };
  if (typeof proc.getBuiltinModule !== 'function') {
    return { addon: null, reason: `Node ${proc.versions.node} lacks process.getBuiltinModule (needs 20.16+)` };
  }
  const fs = proc.getBuiltinModule('node:fs') as Fs;
  const path = proc.getBuiltinModule('node:path') as Path;
  const url = proc.getBuiltinModule('node:url') as { fileURLToPath(url: string): string };
  const module = proc.getBuiltinModule('node:module') as NodeModule;
  const dir = buildDir(proc, fs, path, url) ?? resolvedBuildDir(proc, path, module);
  if (dir === undefined) return { addon: null, reason: 'not built (no native/build directory beside the package)' };
  const file = path.join(dir, 'torchlet.node');
  if (!fs.existsSync(file)) {
    const status = path.join(dir, 'status.json');
    if (!fs.existsSync(status))
      return { addon: null, reason: `not built (run \`node native/build.mjs\` in @torchlet/tensor)` };
    try {
      const recorded = JSON.parse(fs.readFileSync(status, 'utf8')) as { reason?: unknown };
      return { addon: null, reason: typeof recorded.reason === 'string' ? recorded.reason : 'build failed' };
    } catch {
      return { addon: null, reason: `not built (unreadable ${status})` };
    }
  }
  try {
    const addon = module.createRequire(file)(file) as NativeAddon;
    if (typeof addon.gemm !== 'function') return { addon: null, reason: `${file} is not Torchlet's addon` };
    // An addon built from older sources (a stale native/build) lacks the conv kernels: rebuild it.
    if (typeof addon.convForward !== 'function') {
      return { addon: null, reason: `${file} is out of date (run \`node native/build.mjs\` in @torchlet/tensor)` };
    }
    return { addon, reason: '' };
  } catch (error) {
    return { addon: null, reason: `load failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

// Where Node resolves @torchlet/tensor from the working directory (an app bundled elsewhere, run from
// its project): the package's main file is dist/index.js, so native/build is beside dist/.
function resolvedBuildDir(proc: NodeProcess, path: Path, module: NodeModule): string | undefined {
  try {
    const main = module.createRequire(path.join(proc.cwd!(), 'package.json')).resolve('@torchlet/tensor');
    return path.join(path.dirname(path.dirname(main)), 'native', 'build');
  } catch {
    return undefined;
  }
}

// TORCHLET_NATIVE_DIR, else the package's native/build found from this module upwards: beside it (the
// package's own src/ or dist/), in a node_modules/@torchlet/tensor on the way (this module bundled into
// an app), or in the workspace's packages/tensor (bundled by the workspace's scripts).
function buildDir(
  proc: NodeProcess,
  fs: Fs,
  path: Path,
  url: { fileURLToPath(url: string): string },
): string | undefined {
  const forced = proc.env?.TORCHLET_NATIVE_DIR;
  if (forced !== undefined && forced !== '') return forced;
  let here: string;
  try {
    here = path.dirname(url.fileURLToPath(import.meta.url));
  } catch {
    return undefined;
  }
  for (;;) {
    for (const candidate of [
      path.join(here, 'native', 'build'),
      path.join(here, 'node_modules', '@torchlet', 'tensor', 'native', 'build'),
      path.join(here, 'packages', 'tensor', 'native', 'build'),
    ]) {
      if (fs.existsSync(candidate)) return candidate;
    }
    const up = path.dirname(here);
    if (up === here) return undefined;
    here = up;
  }
}

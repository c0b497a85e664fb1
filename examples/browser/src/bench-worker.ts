/**
 * The browser bench: Torchlet and TensorFlow.js 4.22 on the workloads `pnpm bench` times, from the
 * same seeded inputs, with the same runner (`@torchlet/benchmarks/portable`): every implementation's
 * first run is compared with Torchlet's plain-JS kernels before it is timed.
 *
 * It runs in a worker, not on the page's main thread: Torchlet's threaded kernel blocks in
 * `Atomics.wait`, which a window's main thread may not do. TF.js runs here too, so both share the
 * same thread and the same tab: its wasm backend starts its threaded build where the page is
 * cross-origin isolated (XNNPACK on Emscripten pthreads), and webgl renders through an
 * OffscreenCanvas when the browser gives this worker a WebGL context.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core registers no gradients itself (the @tensorflow/tfjs union package does this import).
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import {
  benchWorkloads,
  cannotRow,
  firstLine,
  QUICK,
  FULL,
  runWorkload,
  type TfBackendName,
  type TfPeers,
  type TorchletBackend,
} from '@torchlet/benchmarks/portable';
import { getBackendInfo } from '@torchlet/tensor/kernels';
import type { BenchMessage, BenchRequest } from './bench-protocol.js';

/** The workloads the page times unless `?only=` says otherwise: one of each kind `pnpm bench` has. */
const DEFAULT_WORKLOADS = [
  'gemm 256³',
  'gemm 1024³',
  'conv2d fwd [64,32,14,14]*[64,32,3,3] p1',
  'conv2d fwd [16,64,56,56]*[64,64,3,3] p1',
  'conv2d fwd+bwd [64,32,14,14]*[64,32,3,3] p1',
  'lenet-5 train step (batch 64)',
];

const scope = self as unknown as {
  postMessage(m: BenchMessage): void;
  onmessage: ((e: MessageEvent<BenchRequest>) => void) | null;
  crossOriginIsolated?: boolean;
  navigator: Navigator;
};
const post = (m: BenchMessage) => scope.postMessage(m);

scope.onmessage = (e) => {
  run(e.data).catch((err: unknown) =>
    post({ type: 'error', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }),
  );
};

/** js (the reference), then wasm on one thread and on every core the environment gives. */
function torchletBackends(): TorchletBackend[] {
  const info = getBackendInfo();
  const backends: TorchletBackend[] = [{ label: 'torchlet js', name: 'js', threads: 1 }];
  if (info.wasmSimd) {
    backends.push({ label: 'torchlet wasm×1', name: 'wasm', threads: 1 });
    if (info.threadsAvailable && info.cores > 1)
      backends.push({ label: `torchlet wasm×${info.cores}`, name: 'wasm', threads: info.cores });
  }
  return backends;
}

/** TF.js with every backend that starts here; `failed` says why the others did not. */
async function loadTf(allowSoftwareGl: boolean): Promise<TfPeers> {
  setWasmPaths(new URL('./tfjs/', import.meta.url).href);
  const cores = scope.navigator.hardwareConcurrency || 1;
  setThreadsCount(cores);
  tf.enableProdMode();
  const peers: TfPeers = { tf, version: tf.version_core, backends: [], failed: {}, labels: {} };
  for (const name of ['wasm', 'webgl', 'cpu'] as TfBackendName[]) {
    try {
      if (name === 'webgl' && !allowSoftwareGl) {
        const renderer = webglRenderer();
        if (renderer === null) {
          peers.failed.webgl = 'no WebGL context in this worker';
          continue;
        }
        if (/swiftshader|llvmpipe|software/i.test(renderer)) {
          const name = /swiftshader/i.test(renderer) ? 'SwiftShader' : renderer;
          peers.failed.webgl = `no GPU: the only WebGL here is ${name}, a software renderer (?webgl=software times it anyway)`;
          continue;
        }
      }
      const started = await (name === 'wasm'
        ? withReportedCores(2 * cores, () => tf.setBackend(name))
        : tf.setBackend(name));
      if (started) peers.backends.push(name);
      else peers.failed[name] = 'setBackend returned false';
    } catch (err) {
      peers.failed[name] = firstLine(err);
    }
  }
  if (peers.backends.includes('wasm')) {
    const threaded =
      (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) && (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    // What XNNPACK's pool runs on (withReportedCores says why it is not simply `cores`).
    peers.labels!.wasm = `tfjs wasm×${getThreadsCount()}${threaded ? ' (threaded build)' : ''}`;
  }
  return peers;
}

/**
 * Runs `start` while `navigator.hardwareConcurrency` reads `cores`. TF.js's wasm backend gives XNNPACK
 * half the logical cores the browser reports, as if every core were two hyper-threads, and
 * `setThreadsCount` cannot raise that (measured in Chromium 156 with DevTools' concurrency override:
 * 2, 4, 8 cores → 1, 2, 4 threads). Told twice the cores while it starts, it uses every core, as
 * Torchlet's `wasm×N` row does. Torchlet read the true count before, and reads it again after.
 */
async function withReportedCores<T>(cores: number, start: () => Promise<T>): Promise<T> {
  Object.defineProperty(scope.navigator, 'hardwareConcurrency', { value: cores, configurable: true });
  try {
    return await start();
  } finally {
    delete (scope.navigator as { hardwareConcurrency?: number }).hardwareConcurrency;
  }
}

/** The renderer behind this worker's WebGL (unmasked where the browser tells), or null without WebGL. */
function webglRenderer(): string | null {
  if (typeof OffscreenCanvas === 'undefined') return null;
  const gl = new OffscreenCanvas(1, 1).getContext('webgl2') ?? new OffscreenCanvas(1, 1).getContext('webgl');
  if (gl === null) return null;
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

function browserVersion(): string {
  const ua = scope.navigator.userAgent;
  const chrome = /(?:HeadlessChrome|Chrome|Chromium)\/([\d.]+)/.exec(ua);
  const firefox = /Firefox\/([\d.]+)/.exec(ua);
  return chrome ? `${chrome[0]}` : firefox ? firefox[0] : ua;
}

async function run(request: BenchRequest): Promise<void> {
  const started = performance.now();
  const all = benchWorkloads();
  const only = request.only.map((s) => s.toLowerCase());
  const chosen = all.filter((w) =>
    only.length === 0 ? DEFAULT_WORKLOADS.includes(w.name) : only.some((p) => w.name.toLowerCase().includes(p)),
  );
  if (chosen.length === 0)
    throw new Error(
      `no workload matches ${request.only.map((o) => `?only=${o}`).join(' ')}; the workloads are: ${all.map((w) => w.name).join('; ')}`,
    );

  const backends = torchletBackends();
  const info = getBackendInfo();
  const peers = await loadTf(request.softwareGl);
  const failed = Object.entries(peers.failed).map(([b, why]) => `tfjs ${b} cannot start: ${why}`);
  post({
    type: 'setup',
    lines: [
      `Browser: ${browserVersion()} (${scope.navigator.hardwareConcurrency} logical cores); ${scope.crossOriginIsolated ? 'cross-origin isolated' : 'NOT cross-origin isolated (no threads)'}`,
      `Torchlet: ${backends.map((b) => b.label).join(', ')} (WebAssembly SIMD ${info.wasmSimd ? 'yes' : 'no'}, worker threads ${info.threadsAvailable ? 'yes' : 'no'})`,
      `TensorFlow.js ${peers.version}: ${peers.backends.map((b) => peers.labels?.[b] ?? `tfjs ${b}`).join(', ')}${failed.length ? `; ${failed.join('; ')}` : ''}`,
      `TF.js wasm was told ${2 * scope.navigator.hardwareConcurrency} cores while it started: XNNPACK takes half of what the browser reports`,
      `WebGL in this worker: ${webglRenderer() ?? 'none'}`,
      `Mode: ${request.quick ? 'quick (short runs; for checking the page, not for quoting)' : 'full'}; workloads: ${chosen.map((w) => w.name).join('; ')}`,
    ],
  });
  const options = {
    policy: request.quick ? QUICK : FULL,
    peerMaxRunMs: request.quick ? 1500 : 5000,
    log: (line: string) => post({ type: 'progress', line: line.trim() }),
  };
  for (const w of chosen) {
    post({ type: 'progress', line: w.name });
    const rows = await runWorkload(w, backends, peers, options);
    // A backend that could not start still gets its line, saying why.
    for (const [name, why] of Object.entries(peers.failed)) rows.push(cannotRow(w.name, `tfjs ${name}`, false, why));
    post({ type: 'rows', rows });
  }
  post({ type: 'done', seconds: (performance.now() - started) / 1000 });
}

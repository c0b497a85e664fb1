import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstLine, type Tf, type TfBackendName, type TfPeers } from './tf-peers.js';

export { firstLine, useTfBackend, type Tf, type TfBackendName, type TfPeers } from './tf-peers.js';

/**
 * The benchmarks package directory: the parent of the bundle's folder (scripts/run.mjs writes it to
 * benchmarks/.out/), else the current directory (`pnpm bench` runs there) or `benchmarks/` below it.
 */
export function benchDir(): string {
  const candidates = [
    dirname(dirname(fileURLToPath(import.meta.url))),
    process.cwd(),
    join(process.cwd(), 'benchmarks'),
  ];
  for (const dir of candidates) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === '@torchlet/benchmarks') return dir;
    } catch {
      /* not this one */
    }
  }
  throw new Error('bench: cannot find the @torchlet/benchmarks package; run it with `pnpm bench` from the repo root');
}

/**
 * Loads TensorFlow.js as published (its Node builds, through `require`, not through our bundler: the
 * wasm backend's Emscripten loader needs its own `__dirname`), and initialises the cpu and wasm backends.
 * The wasm backend finds its .wasm files through `setWasmPaths` (a directory path, read with fs in Node);
 * in Node it runs single-threaded (its threaded build does not start there).
 */
export async function loadTf(): Promise<TfPeers> {
  const dir = benchDir();
  const require = createRequire(join(dir, 'package.json'));
  const tf = require('@tensorflow/tfjs-core') as Tf;
  // tfjs-core's Node build ships no gradients (the @tensorflow/tfjs union package adds them); this is
  // tfjs-core's own registration module, bundled. It registers into TF.js's process-global registry and
  // engine, which the required copy above must have created first (its Tensor class is the complete one).
  await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  require('@tensorflow/tfjs-backend-cpu');
  const wasm = require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(prefix: string): void };
  wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
  // Production mode, as a deployed app would run: no debug checks, no platform warnings.
  tf.enableProdMode();
  const backends: TfBackendName[] = [];
  const failed: TfPeers['failed'] = {};
  for (const name of ['cpu', 'wasm'] as const) {
    try {
      if (await tf.setBackend(name)) backends.push(name);
      else failed[name] = 'setBackend returned false';
    } catch (e) {
      failed[name] = firstLine(e);
    }
  }
  return { tf, version: tf.version_core, backends, failed };
}

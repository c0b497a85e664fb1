// Builds every package with the TypeScript compiler (`tsc -b`, project references): ESM JavaScript and
// .d.ts declarations per source file in packages/<pkg>/dist, which the packages' `exports` point at
// ("types" and "default"); then one self-contained browser bundle of all three packages
// (dist/torchlet.browser.js, esbuild) that must not reach any node: import.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkBrowserSafe } from './check-browser-safe.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const packages = ['tensor', 'autograd', 'layers'];

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-b', ...packages.map((p) => join(root, 'packages', p))], {
  stdio: 'inherit',
});
console.log(`built ${packages.map((p) => `@torchlet/${p}`).join(', ')} → packages/*/dist (JS + .d.ts)`);

// The browser bundle: everything a page needs, nothing from node:.
const result = await build({
  stdin: {
    contents: packages.map((p) => `export * as ${p} from '@torchlet/${p}';`).join('\n'),
    resolveDir: join(root, 'packages', 'layers'),
    sourcefile: 'torchlet-browser-entry.ts',
    loader: 'ts',
  },
  outfile: join(root, 'dist', 'torchlet.browser.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  conditions: ['source'],
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
});
try {
  checkBrowserSafe(result.metafile, 'browser bundle');
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
const bytes = result.metafile.outputs[Object.keys(result.metafile.outputs).find((k) => k.endsWith('.js'))].bytes;
console.log(`built dist/torchlet.browser.js (${(bytes / 1024).toFixed(0)} KiB, no node: imports)`);

// Builds every package with esbuild: one platform-neutral ESM bundle per export entry
// (packages/<pkg>/dist/*.js, other packages and npm dependencies left external), and one
// self-contained browser bundle of all three packages (dist/torchlet.browser.js) that must not
// reach any node: import. Type checking is separate (`pnpm typecheck`).
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkBrowserSafe } from './check-browser-safe.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const packages = ['tensor', 'autograd', 'layers'];

for (const name of packages) {
  const dir = join(root, 'packages', name);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const external = [
    ...Object.keys(pkg.dependencies ?? {}),
    ...Object.keys(pkg.peerDependencies ?? {}),
    '@torchlet/*',
    'node:*',
  ];
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (!target || typeof target !== 'object' || !target.source) continue;
    const isNode = subpath === './node';
    await build({
      entryPoints: [join(dir, target.source)],
      outfile: join(dir, target.default),
      bundle: true,
      format: 'esm',
      platform: isNode ? 'node' : 'neutral',
      mainFields: ['module', 'main'],
      target: 'es2022',
      conditions: ['source'],
      external,
      sourcemap: true,
      logLevel: 'warning',
    });
    console.log(`built @torchlet/${name}${subpath.slice(1)} → ${target.default.replace('./', `packages/${name}/`)}`);
  }
}

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

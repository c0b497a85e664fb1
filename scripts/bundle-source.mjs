// Bundles a TypeScript entry point from source into one ESM file for node: esbuild, with workspace
// packages through their "source" export condition and every package inlined. The bundle defines
// `require` (some dependencies call it), and carries an inline source map for --enable-source-maps.
import { build } from 'esbuild';

/** Bundles `entry` (a path) to `outfile`. */
export async function bundleSource(entry, outfile) {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['source'],
    sourcemap: 'inline',
    packages: 'bundle',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });
}

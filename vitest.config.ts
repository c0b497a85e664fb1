import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packages = ['tensor', 'autograd', 'layers'];

// Tests run the TypeScript sources directly: every export of each workspace package resolves to the file
// its "source" condition names (the same one tsc and esbuild use), read from the package's own exports.
function sourceAliases() {
  return packages.flatMap((name) => {
    const dir = new URL(`./packages/${name}/`, import.meta.url);
    const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as {
      exports: Record<string, { source?: string } | null>;
    };
    return Object.entries(pkg.exports).flatMap(([subpath, target]) => {
      if (target?.source === undefined) return [];
      const specifier = `@torchlet/${name}${subpath.slice(1)}`.replaceAll('/', '\\/');
      return [{ find: new RegExp(`^${specifier}$`), replacement: fileURLToPath(new URL(target.source, dir)) }];
    });
  });
}

export default defineConfig({
  resolve: { alias: sourceAliases() },
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'examples/*/test/**/*.test.ts',
      'scripts/test/**/*.test.ts',
      'benchmarks/test/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**'],
    // Timeouts catch hangs, not slowness: up to 8 sessions share a 2-core machine here, the full suite
    // took 10.7 min instead of 2, and a 60 s property test timed out (adam-wasm, 2026-12-03). A hang
    // still fails, 5 minutes later; speed is measured in benchmarks, never by a test's clock.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});

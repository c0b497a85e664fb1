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
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'scripts/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'benchmarks/**'],
    testTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});

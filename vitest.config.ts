import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Tests run the TypeScript sources directly: each workspace package resolves to its src/, the same
// files the "source" export condition names for tsc and esbuild.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@torchlet\/tensor$/, replacement: src('./packages/tensor/src/index.ts') },
      { find: /^@torchlet\/tensor\/kernels$/, replacement: src('./packages/tensor/src/kernels/index.ts') },
      { find: /^@torchlet\/tensor\/testing$/, replacement: src('./packages/tensor/src/testing/index.ts') },
      { find: /^@torchlet\/autograd$/, replacement: src('./packages/autograd/src/index.ts') },
      { find: /^@torchlet\/autograd\/testing$/, replacement: src('./packages/autograd/src/testing/index.ts') },
      { find: /^@torchlet\/layers$/, replacement: src('./packages/layers/src/index.ts') },
      { find: /^@torchlet\/layers\/functional$/, replacement: src('./packages/layers/src/nn/functional/index.ts') },
      { find: /^@torchlet\/layers\/node$/, replacement: src('./packages/layers/src/node/index.ts') },
      { find: /^@torchlet\/layers\/testing$/, replacement: src('./packages/layers/src/testing/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'scripts/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'benchmarks/**'],
    // Timeouts catch hangs, not slowness: up to 8 sessions share a 2-core machine here, the full suite
    // took 10.7 min instead of 2, and a 60 s property test timed out (adam-wasm, 2026-12-03). A hang
    // still fails, 5 minutes later; speed is measured in benchmarks, never by a test's clock.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});

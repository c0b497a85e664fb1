import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('esbuild bundles', () => {
  it('builds every package and a browser bundle with no node: imports, which runs in Node', async () => {
    const out = execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { encoding: 'utf8' });
    expect(out).toMatch(/no node: imports/);
    const bundle = join(root, 'dist/torchlet.browser.js');
    expect(existsSync(bundle)).toBe(true);
    const mod = await import(/* @vite-ignore */ pathToFileURL(bundle).href);
    const { tensor, autograd } = mod;
    const x = autograd.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: 'float64', requiresGrad: true },
    );
    const y = autograd.sum(autograd.mul(x, x));
    y.backward();
    expect(x.grad.toArray()).toEqual([
      [2, 4],
      [6, 8],
    ]);
    expect(
      tensor
        .matmul(
          tensor.eye(2),
          tensor.tensor([
            [5, 6],
            [7, 8],
          ]),
        )
        .toArray(),
    ).toEqual([
      [5, 6],
      [7, 8],
    ]);
  });
});

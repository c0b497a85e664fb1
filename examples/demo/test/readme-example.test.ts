import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const source = readFileSync(join(root, 'examples/demo/src/main.ts'), 'utf8');

describe("the README's example", () => {
  it('is examples/demo/src/main.ts, verbatim', () => {
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain('```ts\n' + source + '```');
  });

  it('runs and fits its batch: the loss falls from ~ln 10 to below 0.5', () => {
    const out = execFileSync(
      process.execPath,
      [join(root, 'scripts/run.mjs'), join(root, 'examples/demo/src/main.ts')],
      { encoding: 'utf8' },
    );
    const losses = [...out.matchAll(/loss (\d+\.\d+)/g)].map((m) => Number(m[1]));
    expect(losses).toHaveLength(10);
    expect(losses[0]).toBeGreaterThan(1.5);
    expect(losses[9]).toBeLessThan(0.5);
  });
});

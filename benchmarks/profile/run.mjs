// Bundles an entry (default lenet-step.ts; workspace packages from source, as scripts/run.mjs) to
// .out/<name>.mjs and runs it. ENTRY=other.ts picks another entry; OUT=name keeps a named bundle (a
// baseline for A/B runs: run both bundles alternately, in the same minute); BUILD_ONLY=1 only bundles;
// NODE_FLAGS adds node flags (--cpu-prof ...).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleSource } from '../../scripts/bundle-source.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const entry = process.env.ENTRY ?? 'lenet-step.ts';
const outfile = join(here, '.out', `${process.env.OUT ?? entry.replace(/\.ts$/, '')}.mjs`);
await bundleSource(join(here, entry), outfile);
if (process.env.BUILD_ONLY) process.exit(0);
const flags = (process.env.NODE_FLAGS ?? '').split(' ').filter(Boolean);
const r = spawnSync(process.execPath, [...flags, '--enable-source-maps', outfile, ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
